// `vping [-n NS] ping [options] destination`: iputils ping's options and output, from
// vping's own engine, with the socket opened inside the namespace (the run: ../ping-run.ts).
import type { Command } from 'commander';
import { action } from '../run.js';
import { CLOCK_HELP } from '../args.js';
import { runPing, type PingCliOptions } from '../ping-run.js';
import type { GlobalOptions } from '../cli.js';

export function register(program: Command): void {
  program
    .command('ping')
    .description("send ICMP echo requests from inside a namespace (iputils ping's options and output)")
    .argument('<destination>', 'address or host name')
    .option('-c, --count <count>', 'stop after <count> replies')
    .option('-i, --interval <seconds>', 'seconds between probes')
    .option('-f, --flood', 'flood ping')
    .option('-l, --preload <n>', 'send <n> probes without waiting for replies')
    .option('-A, --adaptive', 'adaptive interval')
    .option('-w, --deadline <seconds>', 'stop after <seconds>')
    .option('-W, --timeout <seconds>', 'time to wait for a response after the last probe')
    .option('-s, --size <bytes>', 'data bytes per probe (default 56)')
    .option('-t, --ttl <ttl>', 'IP time to live / hop limit')
    .option('-q, --quiet', 'only the summary')
    .option('-D, --timestamps', 'print a timestamp before each line')
    .option('-O, --outstanding', 'report outstanding replies')
    .option('-p, --pattern <hex>', 'pad bytes (up to 16, hex)')
    .option('-4', 'IPv4 only')
    .option('-6', 'IPv6 only')
    .option('-I, --interface <iface|addr>', 'source interface or address')
    .option('-v, --verbose', 'also print every span (ping, sched, kernel, hrtime) after the statistics')
    .option('--clock <span>', CLOCK_HELP)
    .option('--id <id>', '16-bit echo identifier (default random)')
    .option('--threads <n>', 'independent flows, one thread and socket each (ids id..id+n-1; -c split among them, -i/-l per flow); needs -f or -q (default 1)')
    .action(action(async (dest: string, o: PingCliOptions, cmd: Command) => {
      process.exitCode = (await runPing(dest, o, cmd.optsWithGlobals<GlobalOptions & PingCliOptions>())).exitCode;
    }));
}
