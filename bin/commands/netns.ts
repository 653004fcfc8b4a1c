// vping netns add|del|list|identify|pids|exec — ip netns's grammar and output. Where a
// namespace is taken (identify, pids, exec), it may be a name, a path or pid:N.
import type { Command } from 'commander';
import { isatty } from 'node:tty';
import { constants as osConstants } from 'node:os';
import { addNetns, delNetns, identifyNetns, identifyPid, netnsPids } from '../../src/ns/netns.js';
import { spawnInNetns } from '../../src/ns/exec.js';
import { netnsList } from '../../src/iproute/netns-list.js';
import { UsageError } from '../../src/sys/errors.js';
import { action, printJson, requireRoot } from '../run.js';
import { didYouMean } from '../args.js';

export function register(program: Command): void {
  const netns = program.command('netns').description('network namespaces, as ip netns (add, del, list, identify, pids, exec)');

  netns
    .command('add <name>')
    .description('create /run/netns/NAME, a new network namespace with only lo')
    .action(action((name: string) => {
      requireRoot('netns add');
      addNetns(name);
    }));

  netns
    .command('del <name...>')
    .alias('delete')
    .description('remove named namespaces (their interfaces go with them)')
    .action(action((names: string[]) => {
      requireRoot('netns del');
      for (const n of names) delNetns(n);
    }));

  netns
    .command('list', { isDefault: true })
    .alias('show')
    .description('list named namespaces, with the id this namespace gives each, as ip netns list')
    // `netns ad x` lands here (list is the default): say it is an unknown command, not "too many arguments"
    .allowExcessArguments(true)
    .action(action((_o: unknown, cmd: Command) => {
      const extra = cmd.args;
      if (extra.length) {
        throw new UsageError(`netns: unknown command "${extra[0]}"${didYouMean(extra[0], ['add', 'del', 'delete', 'list', 'show', 'identify', 'pids', 'exec'])} (add, del, list, identify, pids, exec)`);
      }
      const { json } = cmd.optsWithGlobals<{ json?: boolean }>();
      const rows = netnsList();
      if (json) printJson(rows.map((r) => (r.id === null ? { name: r.name } : { name: r.name, id: r.id })));
      else for (const r of rows) process.stdout.write(r.id === null ? `${r.name}\n` : `${r.name} (id: ${r.id})\n`);
    }));

  netns
    .command('identify [pid]')
    .description('the names of the namespace that PID (default: vping itself), a namespace path or pid:N lives in')
    .action(action((pid?: string) => {
      if (pid !== undefined && (pid.includes('/') || pid.startsWith('pid:'))) {
        for (const n of identifyNetns(pid)) process.stdout.write(`${n}\n`);
        return;
      }
      const p = pid === undefined ? 'self' : Number(pid);
      if (p !== 'self' && !(Number.isInteger(p) && p > 0)) throw new UsageError(`invalid pid "${pid}"`);
      for (const n of identifyPid(p)) process.stdout.write(`${n}\n`);
    }));

  netns
    .command('pids <ns>')
    .description('the processes that live in a namespace (a name, a path or pid:N), as ip netns pids')
    .action(action((ns: string) => {
      for (const p of netnsPids(ns)) process.stdout.write(`${p}\n`);
    }));

  netns
    .command('exec <ns> <command...>')
    .description('run a command inside a namespace (a name, a path or pid:N), as ip netns exec: /sys remounted for it, /etc/netns/NAME/* over /etc; its exit status is vping\'s')
    .usage('NS [--] COMMAND [ARGS...]')
    .passThroughOptions()
    .allowUnknownOption()
    .helpOption(false)
    .action(action(async (ns: string, command: string[]) => {
      if (command[0] === '--') command = command.slice(1);
      if (command.length === 0) throw new UsageError('netns exec: no command given: vping netns exec NS [--] COMMAND [ARGS...]');
      requireRoot('netns exec');
      const end = await execIn(ns, command[0], command.slice(1));
      process.exitCode = end.code;
      // ended by a signal: vping ends by it too (as ip, which execs, would), after flushing
      if (end.signal) process.kill(process.pid, end.signal);
    }));
}

/** Signals passed on to the program (SIGINT and SIGQUIT only when no terminal sends them to it already). */
const FORWARD = ['SIGTERM', 'SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGINT', 'SIGQUIT', 'SIGCONT', 'SIGWINCH'] as const;

/**
 * Run the program in the namespace and wait for it: its exit status becomes vping's (a
 * signal that ended it is returned, 128 + N as the fallback status); 127 when it cannot be
 * found and 126 when it cannot be run, as a shell says.
 */
async function execIn(ns: string, file: string, args: string[]): Promise<{ code: number; signal: NodeJS.Signals | null }> {
  const { child, warnings } = spawnInNetns(ns, file, args);
  for (const w of warnings) process.stderr.write(`${w}\n`);
  const fromTerminal = isatty(0);
  const handlers = new Map<string, () => void>();
  for (const sig of FORWARD) {
    const h = (): void => {
      // a terminal's Ctrl-C and Ctrl-\ reach the whole foreground group, the program too
      if ((sig === 'SIGINT' || sig === 'SIGQUIT') && fromTerminal) return;
      child.kill(sig);
    };
    handlers.set(sig, h);
    process.on(sig, h);
  }
  try {
    return await new Promise((resolve) => {
      child.on('error', (e: NodeJS.ErrnoException) => {
        process.stderr.write(`vping: netns exec: ${file}: ${e.code === 'ENOENT' ? 'command not found' : e.message}\n`);
        resolve({ code: e.code === 'ENOENT' ? 127 : 126, signal: null });
      });
      child.on('exit', (code, signal) => {
        if (signal) resolve({ code: 128 + (osConstants.signals[signal] ?? 0), signal });
        else resolve({ code: code ?? 0, signal: null });
      });
    });
  } finally {
    for (const [sig, h] of handlers) process.off(sig, h);
  }
}
