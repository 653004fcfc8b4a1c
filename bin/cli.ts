// The vping command: parse with commander, call the library, print. No logic here.
// Global options come before the command, as with `ip -n NS -j ...`.
import './prestart.js';
import { Command, CommanderError } from 'commander';
import { fail } from './run.js';
import { isVpingError } from '../src/sys/errors.js';
import { registerCommands } from './commands/index.js';

export interface GlobalOptions {
  /** -n NS: run the command inside the named namespace (as `ip -n`). */
  netns?: string;
  /** -j: JSON output where the command shows something. */
  json?: boolean;
}

// A reader that went away (`vping ping … | head -1`) ends the program quietly, as ping and
// tcpdump end on SIGPIPE: no stack trace, the status a SIGPIPE death gives (128 + 13).
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(141);
    throw e;
  });
}

const program = new Command();
program
  .name('vping')
  .description('network namespaces, veth pairs, ICMP latency and capture: ip, ping and tcpdump in one process')
  .version('0.1.0', '-V, --version')
  .option('-n, --netns <ns>', 'run the command inside a network namespace: a name in /run/netns (as ip -n), a path to a namespace file (/proc/PID/ns/net, a bind mount), or pid:PID (as nsenter -t PID -n)')
  .option('-j, --json', 'print JSON where the command shows something')
  .option('-s, --stats', 'link and address views with their RX/TX counters (as ip -s)')
  .enablePositionalOptions()
  // Commander's own errors (unknown option, missing argument) as one line, like ours.
  .configureOutput({
    writeErr: (str) => {
      if (!str.startsWith('error: ')) return void process.stderr.write(str); // help shown for a bare group
      // one line: commander's suggestion ("(Did you mean link?)") joins it, as git and npm say it
      const [first, ...more] = str.trim().split('\n');
      const hint = more.map((l) => l.trim()).find((l) => /^\(Did you mean /.test(l));
      process.stderr.write(`vping: ${first.slice('error: '.length)}${hint ? ` ${hint.replace('(Did', '(did')}` : ''} (see vping --help)\n`);
    },
  })
  .exitOverride();

await registerCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // help and version exit 0; parse errors (unknown option, bad value) exit 2 as ping does.
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') process.exit(0);
    process.exit(2);
  }
  if (isVpingError(e)) fail(e.message);
  throw e;
}
