// vping lab up|down|status: the seed's topology (ns1/tap1 192.168.168.1/24 <-> ns2/tap2
// 192.168.168.2/24) in one command, or N copies of it with --pairs N.
import type { Command } from 'commander';
import { UsageError } from '../../src/sys/errors.js';
import { labDown, labStatus, labUp, type LabStatus } from '../../src/lab/lab.js';
import { labPairs, resolveLab, type LabInput } from '../../src/lab/spec.js';
import { ping } from '../../src/icmp/index.js';
import { runPing } from './ping.js';
import { action, printJson, requireRoot } from '../run.js';
import { int } from '../args.js';

export interface LabCliOptions {
  ns?: string;
  ifnames?: string;
  addrs?: string;
  prefix?: string;
  pairs?: string;
  mtu?: string;
}

const two = (flag: string, v: string): [string, string] => {
  const p = v.split(',');
  if (p.length !== 2 || !p[0] || !p[1]) throw new UsageError(`${flag} takes two comma-separated values, e.g. ${flag} ns1,ns2`);
  return [p[0], p[1]];
};

export function labInput(o: LabCliOptions): LabInput {
  const input: LabInput = {};
  if (o.ns !== undefined) input.ns = two('--ns', o.ns);
  if (o.ifnames !== undefined) input.ifnames = two('--ifnames', o.ifnames);
  if (o.addrs !== undefined) input.addrs = two('--addrs', o.addrs);
  if (o.prefix !== undefined) input.prefix = int('--prefix', o.prefix);
  if (o.pairs !== undefined) input.pairs = int('--pairs', o.pairs);
  if (o.mtu !== undefined) input.mtu = int('--mtu', o.mtu);
  return input;
}

/** The lab's shape options, shared by every lab-using command (lab, ping across it, bench). */
export function withLabOptions(c: Command): Command {
  return c
    .option('--ns <a,b>', 'namespaces of the two ends', 'ns1,ns2')
    .option('--ifnames <a,b>', 'interface names of the two ends', 'tap1,tap2')
    .option('--addrs <a,b>', 'addresses with prefix of the two ends (default 192.168.168.1/24,192.168.168.2/24; 10.0.0.1/24,10.0.0.2/24 above 88 pairs)')
    .option('--prefix <len>', 'prefix length for both addresses')
    .option('--pairs <n>', 'build N pairs, each in its own two namespaces (NS-1, NS-2, ...) and subnet', '1')
    .option('--mtu <bytes>', 'MTU of both ends');
}

function statusText(st: LabStatus): string {
  let out = `lab ${st.state}${st.spec.pairs > 1 ? ` (${st.spec.pairs} pairs)` : ''}\n`;
  for (const p of st.pairs) {
    for (const e of p.ends) {
      const l = e.link;
      const what = e.netns === 'absent' ? 'absent' : e.netns === 'stale' ? 'stale /run/netns file' : !l ? `no ${e.ifname}` :
        `${e.ifname}@if${l.peerIndex ?? '?'} ${l.up ? 'UP' : 'DOWN'} state ${l.operstate} ${e.hasAddr ? e.addr : `(no ${e.addr})`}${l.mac ? ` ${l.mac}` : ''}${l.peerNs ? ` peer ${l.peerNs}` : ''}`;
      out += `${st.spec.pairs > 1 ? `pair ${p.index} ` : ''}${e.ns}: ${what}\n`;
    }
    for (const pr of p.problems) out += `  problem: ${pr}\n`;
  }
  return out;
}

export function register(program: Command): void {
  const lab = program.command('lab').description("the seed's lab (two namespaces joined by a veth pair, addressed and up): up, down, status");

  withLabOptions(lab.command('up').description('build the lab (idempotent; finishes a lab vping left half-made; rolls back on failure)'))
    .option('--repair', 'build again the pairs vping made that differ from what is asked (a link down, an address gone)')
    .action(
    action(async (o: LabCliOptions & { repair?: boolean }, cmd: Command) => {
      const input = labInput(o);
      requireRoot('lab up');
      // Ctrl-C (or SIGTERM) while the lab is built: the build runs to its end (or its rollback)
      // first, so no half-made lab is left, and then says so. The signal is only taken once
      // the build returns (it runs without yielding), hence the wait below.
      let signal: string | null = null;
      const onSignal = (s: string) => {
        signal = s;
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        const r = labUp(input, { repair: o.repair ?? false });
        // one poll phase of the event loop: where libuv hands over a signal that came meanwhile
        await new Promise((res) => setTimeout(res, 5));
        if (cmd.optsWithGlobals<{ json?: boolean }>().json) printJson(r);
        else process.stdout.write(`${r.message}\n`);
        for (const w of r.warnings ?? []) process.stderr.write(`vping: warning: ${w}\n`);
        if (signal) {
          process.stderr.write(`vping: lab up: ${signal} came during the build; the lab was finished first (vping lab down removes it)\n`);
          process.exitCode = signal === 'SIGINT' ? 130 : 143;
        }
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    }),
  );

  withLabOptions(lab.command('down').description('remove exactly what lab up made'))
    .option('--force', "also remove lab-named namespaces vping did not make, or that hold other interfaces")
    .action(
      action((o: LabCliOptions & { force?: boolean }, cmd: Command) => {
        const input = labInput(o);
        requireRoot('lab down');
        const r = labDown(input, { force: o.force ?? false });
        if (cmd.optsWithGlobals<{ json?: boolean }>().json) printJson(r);
        else process.stdout.write(`${r.message}\n`);
      }),
    );

  withLabOptions(lab.command('status').description('what exists of the lab (exit 0 when it is up as asked, 1 when not)')).action(
    action((o: LabCliOptions, cmd: Command) => {
      const st = labStatus(labInput(o));
      if (cmd.optsWithGlobals<{ json?: boolean }>().json) printJson(st);
      else process.stdout.write(statusText(st));
      if (st.state !== 'up') process.exitCode = 1;
    }),
  );

  withLabOptions(lab.command('ping').description("ping across the lab in both directions (ns1→ns2, then ns2→ns1), iputils' report for each"))
    .option('-c, --count <n>', 'echoes per direction', '3')
    .option('-i, --interval <s>', 'seconds between echoes', '0.2')
    .option('-s, --size <bytes>', 'data bytes per echo', '56')
    .action(action(async (o: LabCliOptions & { count: string; interval: string; size: string }, cmd: Command) => {
      const spec = resolveLab(labInput(o));
      const json = cmd.optsWithGlobals<{ json?: boolean }>().json ?? false;
      const results: object[] = [];
      let worst = 0;
      for (const p of labPairs(spec)) {
        for (const [from, to] of [[p.ends[0], p.ends[1]], [p.ends[1], p.ends[0]]]) {
          const dst = to.cidr.address;
          if (json) {
            const r = await ping({ destination: dst, netns: from.ns, count: Number(o.count), interval: Number(o.interval), size: Number(o.size) });
            results.push({ pair: p.index, from: from.ns, to: to.ns, ...r });
            worst = Math.max(worst, r.exitCode);
          } else {
            if (results.length || worst) process.stdout.write('\n');
            process.stdout.write(`# ${from.ns} -> ${to.ns}\n`);
            await runPing(dst, { count: o.count, interval: o.interval, size: o.size }, { netns: from.ns });
            worst = Math.max(worst, Number(process.exitCode ?? 0));
            results.push({});
          }
        }
      }
      if (json) printJson(results);
      process.exitCode = worst;
    }));
}
