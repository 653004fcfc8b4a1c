// vping demo: the seed tutorial's whole walk-through, step by step, by vping alone.
// Each step prints the vping command that does it (and the ip command it replaces);
// the lab is removed at the end unless --keep.
import type { Command } from 'commander';
import { addNetns, delNetns, existsNetns, markMade, markPending, unmark } from '../../src/ns/netns.js';
import { Rtnl } from '../../src/link/rtnl.js';
import { showAddrText } from '../../src/iproute/show.js';
import { netnsList } from '../../src/iproute/netns-list.js';
import { waitOperUp } from '../../src/lab/lab.js';
import { UsageError, VpingError } from '../../src/sys/errors.js';
import { action, requireRoot } from '../run.js';
import { runPing } from '../ping-run.js';

interface DemoOptions {
  keep?: boolean;
  ns: string;
  ifnames: string;
  count: string;
  interval: string;
}

const say = (s: string) => process.stdout.write(s);

export function register(program: Command): void {
  program
    .command('demo')
    .description("the veth tutorial's walk-through with vping alone: veth pair, two namespaces, addresses, up, ip a, ping both ways")
    .option('--ns <a,b>', 'the two namespaces', 'ns1,ns2')
    .option('--ifnames <a,b>', 'the two ends of the veth', 'tap1,tap2')
    .option('--keep', 'leave the lab up at the end (remove it with vping lab down, naming the same --ns and --ifnames)')
    .option('-c, --count <n>', 'echoes per direction', '3')
    .option('-i, --interval <s>', 'seconds between echoes', '0.2')
    .action(action(async (o: DemoOptions) => {
      requireRoot('demo');
      const [ns1, ns2] = o.ns.split(',');
      const [tap1, tap2] = o.ifnames.split(',');
      if (!ns1 || !ns2 || !tap1 || !tap2) throw new UsageError('--ns and --ifnames take two comma-separated names');
      for (const n of [ns1, ns2]) {
        if (existsNetns(n)) throw new VpingError('EEXIST', `demo: namespace "${n}" already exists; remove it first (vping lab down, or vping netns del ${n})`);
      }
      const made: string[] = [];
      const step = (vp: string, ip: string) => say(`\n$ vping ${vp}\n  (replaces: ${ip})\n`);
      try {
        {
          using root = Rtnl.open(null);
          step(`link add ${tap1} type veth peer name ${tap2}`, `ip link add ${tap1} type veth peer name ${tap2}`);
          root.createVeth({ name: tap1, peer: tap2 });
          try {
            step(`netns add ${ns1}; vping netns add ${ns2}`, `ip netns add ${ns1}; ip netns add ${ns2}`);
            // marked as vping's, so that after --keep `lab down` (and `lab up --repair`) take them
            for (const n of [ns1, ns2]) {
              markPending(n);
              try {
                addNetns(n);
              } catch (e) {
                unmark(n);
                throw e;
              }
              made.push(n);
              markMade(n);
            }
            step('netns list', 'ip netns list');
            for (const e of netnsList().filter((x) => x.name === ns1 || x.name === ns2)) say(e.id === null ? `${e.name}\n` : `${e.name} (id: ${e.id})\n`);
            step(`link set ${tap1} netns ${ns1}; vping link set ${tap2} netns ${ns2}`, `ip link set ${tap1} netns ${ns1}; ip link set ${tap2} netns ${ns2}`);
            root.setLink(tap1, { netns: ns1 });
            root.setLink(tap2, { netns: ns2 });
          } catch (e) {
            if (root.hasLink(tap1)) root.deleteLink(tap1);
            throw e;
          }
        }
        for (const [ns, dev, addr] of [[ns1, tap1, '192.168.168.1/24'], [ns2, tap2, '192.168.168.2/24']]) {
          step(`-n ${ns} addr add local ${addr} dev ${dev}`, `ip netns exec ${ns} ip addr add local ${addr} dev ${dev}`);
          using rt = Rtnl.open(ns);
          rt.addAddr(dev, addr);
        }
        for (const [ns, dev] of [[ns1, tap1], [ns2, tap2]]) {
          step(`-n ${ns} link set ${dev} up`, `ip netns exec ${ns} ip link set ${dev} up`);
          using rt = Rtnl.open(ns);
          rt.setLink(dev, { up: true });
        }
        waitOperUp([{ ns: ns1, index: tap1, what: `${ns1}/${tap1}` }, { ns: ns2, index: tap2, what: `${ns2}/${tap2}` }]);
        for (const ns of [ns1, ns2]) {
          step(`-n ${ns} a`, `ip netns exec ${ns} ip a`);
          say(showAddrText(ns));
        }
        for (const [ns, dst] of [[ns1, '192.168.168.2'], [ns2, '192.168.168.1']]) {
          step(`-n ${ns} ping -c ${o.count} -i ${o.interval} ${dst}`, `ip netns exec ${ns} ping ${dst}`);
          await runPing(dst, { count: o.count, interval: o.interval }, { netns: ns });
        }
      } finally {
        if (!o.keep) {
          say(`\n$ vping netns del ${ns1} ${ns2}\n  (replaces: ip netns del ${ns1}; ip netns del ${ns2} — the veth goes with them)\n`);
          for (const n of made) {
            delNetns(n);
            unmark(n);
          }
        } else if (made.length === 2) say(`\nThe lab is up; remove it with: vping lab down --ns ${ns1},${ns2} --ifnames ${tap1},${tap2}\n`);
      }
    }));
}
