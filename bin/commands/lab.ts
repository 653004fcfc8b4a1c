// vping lab up|down|status|ping: the tutorial's topology (ns1/tap1 192.168.168.1/24 <-> ns2/tap2
// 192.168.168.2/24) in one command, or N copies of it with --pairs N.
import type { Command } from 'commander';
import { labDown, labStatus, labUp, type LabStatus } from '../../src/lab/lab.js';
import { labPairs, resolveLab } from '../../src/lab/spec.js';
import { runPing } from '../ping-run.js';
import { labInput, topologyOf, withLabOptions, withTopologyOptions, type LabCliOptions, type TopologyCliOptions } from '../lab-options.js';
import { action, requireRoot } from '../run.js';
import { printDoc, SCHEMA } from '../json.js';
import { topologyDown, topologyStatus, topologyUp, type Topology } from '../../src/lab/topology.js';

function topologyStatusText(t: Topology, st: ReturnType<typeof topologyStatus>): string {
  let out = `topology ${t.name}: ${st.ok ? 'up' : st.elements.some((e) => e.ok) ? 'partial' : 'absent'}\n`;
  for (const e of st.elements) out += `${e.kind.padEnd(10)} ${e.what}${e.ok ? '' : `  (${e.problem})`}\n`;
  return out;
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

/** lab status for JSON: an end's namespace state is `netns_state`, beside its name (`netns`). */
function statusBody(st: LabStatus): object {
  return { ...st, pairs: st.pairs.map((p) => ({ ...p, ends: p.ends.map(({ netns, ...e }) => ({ ...e, netnsState: netns })) })) };
}

export function register(program: Command): void {
  const lab = program.command('lab').description("the veth tutorial's lab (two namespaces joined by a veth pair, addressed and up): up, down, status, ping");

  withTopologyOptions(withLabOptions(lab.command('up').description('build the lab (idempotent; finishes a lab vping left half-made; rolls back on failure), or a topology (--topology FILE, --shape chain|star)')))
    .option('--repair', 'build again the pairs vping made that differ from what is asked (a link down, an address gone)')
    .action(
    action(async (o: LabCliOptions & TopologyCliOptions & { repair?: boolean }, cmd: Command) => {
      const topo = topologyOf(o);
      const input = topo ? {} : labInput(o);
      requireRoot('lab up');
      if (topo) {
        const r = topologyUp(topo);
        if (cmd.optsWithGlobals<{ json?: boolean }>().json) printDoc(SCHEMA.topologyChange, { action: 'up', ...r });
        else process.stdout.write(`${r.message}\n`);
        return;
      }
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
        if (cmd.optsWithGlobals<{ json?: boolean }>().json) printDoc(SCHEMA.labChange, r);
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

  withTopologyOptions(withLabOptions(lab.command('down').description('remove exactly what lab up made'), { mtu: false }))
    .option('--force', "also remove lab-named namespaces vping did not make, or that hold other interfaces")
    .action(
      action((o: LabCliOptions & TopologyCliOptions & { force?: boolean }, cmd: Command) => {
        const topo = topologyOf(o);
        requireRoot('lab down');
        const json = cmd.optsWithGlobals<{ json?: boolean }>().json ?? false;
        if (topo) {
          const r = topologyDown(topo, { force: o.force ?? false });
          if (json) printDoc(SCHEMA.topologyChange, { action: 'down', ...r });
          else process.stdout.write(`${r.message}\n`);
          return;
        }
        const r = labDown(labInput(o), { force: o.force ?? false });
        if (json) printDoc(SCHEMA.labChange, r);
        else process.stdout.write(`${r.message}\n`);
      }),
    );

  withTopologyOptions(withLabOptions(lab.command('status').description('what exists of the lab (exit 0 when it is up as asked, 1 when not)'))).action(
    action((o: LabCliOptions & TopologyCliOptions, cmd: Command) => {
      const topo = topologyOf(o);
      if (topo) {
        const ts = topologyStatus(topo);
        if (cmd.optsWithGlobals<{ json?: boolean }>().json) printDoc(SCHEMA.topologyStatus, { name: topo.name, ...ts });
        else process.stdout.write(topologyStatusText(topo, ts));
        if (!ts.ok) process.exitCode = 1;
        return;
      }
      const st = labStatus(labInput(o));
      if (cmd.optsWithGlobals<{ json?: boolean }>().json) printDoc(SCHEMA.labStatus, statusBody(st));
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
      // one path for text and JSON: each direction through runPing, the worst status wins
      const docs: object[] = [];
      let worst = 0;
      let first = true;
      for (const p of labPairs(spec)) {
        for (const [from, to] of [[p.ends[0], p.ends[1]], [p.ends[1], p.ends[0]]]) {
          if (!json) {
            process.stdout.write(`${first ? '' : '\n'}# ${from.ns} -> ${to.ns}\n`);
            first = false;
          }
          const r = await runPing(to.cidr.address, { count: o.count, interval: o.interval, size: o.size }, { netns: from.ns, json }, { print: false });
          if (r.json) docs.push({ pair: p.index, fromNetns: from.ns, toNetns: to.ns, exitStatus: r.exitCode, lines: r.json });
          worst = Math.max(worst, r.exitCode);
        }
      }
      if (json) printDoc(SCHEMA.labPing, { pings: docs });
      process.exitCode = worst;
    }));
}
