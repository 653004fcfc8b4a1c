// Every command the README shows runs as written. The README's shell blocks are read here;
// each command line must be a step of a scene below (or skipped, with the reason), and each
// step must still be in the README, so the two cannot drift apart. A scene runs in a world
// of its own: `unshare --mount --net`, with fresh tmpfs over /run/netns and /run/vping, so
// the README's fixed names (ns1, ns2, tap1, a, b, …) and the exporter's port 9437 meet
// nothing of the machine's or another test's, and everything a scene made goes when it
// ends. Between the README's lines a scene may run glue of its own (the README tells a
// story, not a script: it adds tap1 and then deletes it from a namespace it was moved out
// of); the README's lines themselves run verbatim, the long-running ones (a ping without
// -c, a live capture, the exporter) stopped by the signal a user would send, checked for
// the exit status that signal gives; so are three that run for tens of seconds to minutes
// (200 traced echoes, bench's two-minute sweep), as a user's Ctrl-C would. The YAML examples
// are the files the commands read.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { describePriv } from '../helpers/priv.js';
import { VPING } from '../helpers/cli.js';

const REPO = join(dirname(VPING), '..', '..');
const README = readFileSync(join(REPO, 'README.md'), 'utf8');

/** The README's fenced blocks of one language, in order. */
const blocks = (lang: string): string[] => [...README.matchAll(new RegExp('^```' + lang + '\\n([\\s\\S]*?)^```', 'gm'))].map((m) => m[1]);

/** The command lines of the shell blocks, comments cut off. */
const readmeCommands = (): string[] =>
  blocks('sh')
    .flatMap((b) => b.split('\n'))
    .map((l) => l.replace(/(^|\s+)#(\s.*)?$/, '').trim())
    .filter(Boolean);

interface Step {
  /** a README line, verbatim */
  readme?: string;
  /** what runs instead of it, when not verbatim (the README line must still be given) */
  as?: string;
  /** glue of the test's own */
  glue?: string;
  /** the exit status the line must end with (0) */
  status?: number;
  /** long-running: stopped with this signal after `after` seconds (timeout --foreground --preserve-status) */
  stop?: 'INT' | 'TERM';
  after?: number;
}

/** Skipped README lines, with why. */
const SKIPPED: Record<string, string> = {
  './scripts/install-test-deps.sh && npm test': 'the command running this test',
  'npm run bench': 'every benchmark, minutes long: bench/ is run by hand, not by the suite',
};
for (const b of ['lab-build', 'topology-build', 'ping-flood', 'flood-counts', 'capture-flood', 'rtt-agree', 'exporter', 'startup']) SKIPPED[`node dist/bench/${b}.js`] = 'a benchmark, minutes long';

const r = (readme: string, more: Omit<Step, 'readme'> = {}): Step => ({ readme, ...more });
const g = (glue: string): Step => ({ glue });
const long = (readme: string, stop: 'INT' | 'TERM' = 'INT', after = 2): Step => ({ readme, stop, after });

const scenes: Record<string, Step[]> = {
  'quick start': [
    // the test runs after npm ci (running it again would swap node_modules under the suite)
    r('npm ci && npx vping demo', { as: `cd ${REPO} && npx vping demo` }),
  ],
  netns: [
    r('vping netns add ns1'),
    r('vping netns list'),
    r('vping netns identify [PID]', { as: 'vping netns identify' }),
    g('ip netns exec ns1 sleep 600 & SLEEPER=$!; sleep 0.2'),
    r('vping netns pids ns1'),
    r('vping netns exec ns1 -- ip a'),
    r('vping netns exec pid:1234 ss -t', { as: 'vping netns exec pid:$SLEEPER ss -t' }),
    g('kill $SLEEPER'),
    r('vping netns del ns1'),
  ],
  'links, addresses and routes': [
    g('vping netns add ns1 && vping netns add ns2'),
    r('vping link add tap1 type veth peer name tap2'),
    r('vping link add tap1 netns ns1 type veth peer name tap2 netns ns2'),
    g('vping -n ns1 link del tap1'),
    r('vping link set tap1 netns ns1'),
    r('vping -n ns1 link set tap1 up'),
    r('vping -n ns1 addr add local 192.168.168.1/24 dev tap1'),
    r('vping -n ns1 addr add fd00::1/64 dev tap1 nodad'),
    r('vping -n ns1 a'),
    r('vping -n ns1 link'),
    r('vping -n ns1 -s link'),
    g('vping link add tap1 type veth peer name tap3'),
    r('vping link del tap1'),
    r('vping -n ns1 link add br0 type bridge'),
    r('vping -n ns1 link set tap1 master br0'),
    g('vping -n ns1 link set tap1 nomaster'), // a bridge port cannot carry a macvlan
    r('vping -n ns1 link add mv0 link tap1 type macvlan mode bridge'),
    r('vping -n ns1 link add vx0 type vxlan id 42 dstport 4789 dev tap1 remote 192.168.168.2'),
    r('vping -n ns1 route add default via 192.168.168.2'),
    r('vping -n ns1 route add 10.1.0.0/16 via 192.168.168.2 metric 10'),
    r('vping -n ns1 route add fd01::/64 via fd00::2 dev tap1'),
    r('vping -n ns1 route add unreachable 10.9.0.0/16'),
    r('vping -n ns1 route replace 10.1.0.0/16 via 192.168.168.2 metric 5'),
    r('vping -n ns1 route del 10.1.0.0/16'),
    r('vping -n ns1 route'),
    r('vping -n ns1 neigh'),
  ],
  lab: [
    r('vping lab up'),
    r('vping lab status'),
    r('vping lab down'),
    r('vping lab up --ns a,b --ifnames veth0,veth1 --addrs 10.0.0.1/30,10.0.0.2/30 --mtu 9000'),
    r('vping lab up --pairs 50'),
    g('vping lab down --pairs 50'),
    r('vping lab up --pairs 1000'),
    g('vping lab down --pairs 1000'),
    r('vping lab up --repair'),
  ],
  topologies: [
    r('vping lab up --shape chain --hops 3'),
    r('vping -n h1 ping 10.200.3.2', { stop: 'INT', after: 1.5 }),
    r('vping lab up --shape star --leaves 5'),
    r('vping lab up --topology lab.yml'),
    r('vping lab status --topology lab.yml'),
    r('vping lab down --topology lab.yml'),
    r('vping trace --shape chain --hops 3 -c 10'),
    r('vping bench --shape chain --hops 3 --vs-ping'),
  ],
  ping: [
    g('vping lab up'),
    long('vping -n ns1 ping 192.168.168.2'),
    r('vping -n ns1 ping -c 5 -i 0.2 192.168.168.2'),
    r('vping -n ns1 ping -f -c 100000 192.168.168.2'),
    r('vping -n ns1 ping -f -l 32 -q -c 1000000 192.168.168.2'),
    r('vping -n ns1 ping -f -l 32 --threads 2 -q -c 1000000 192.168.168.2'),
    long('vping -n ns1 -j ping -c 10 192.168.168.2', 'INT', 3), // 10 s at one a second
  ],
  capture: [
    g('vping lab up'),
    long('vping capture ns1:tap1 ns2:tap2'),
    g('(sleep 0.7; vping -n ns1 ping -c 5 -i 0.05 192.168.168.2 >/dev/null) &'),
    r('vping capture ns1:tap1 ns2:tap2 icmp -c 10 -w both.pcapng'),
    long('vping -n ns1 capture tap1 -e -X'),
    r('vping capture -r both.pcapng'),
    r('vping capture ns1:tap1 -w - | tcpdump -n -r -', { as: 'timeout --foreground --preserve-status -s INT 2 vping capture ns1:tap1 -w - | tcpdump -n -r -' }),
  ],
  trace: [
    r('vping lab up'),
    r('vping trace -c 10'),
    // 200 echoes at ping's pace take 40 s: stopped as a user would, it still ends with its JSON
    long('vping -j trace -c 200 -w trace.pcapng', 'INT', 3),
  ],
  bench: [
    r('vping lab up'),
    r('vping bench'),
    // two minutes of rows: stopped by Ctrl-C, it prints the rows so far and exits 0
    long('vping bench --sizes 56,1472,8000 -c 5000 --vs-ping', 'INT', 5),
    r('vping bench --report bench.html --prom bench.prom'),
    r('vping bench --modes flood -c 100000 -l 32 --vs-ping'),
    r('vping lab up --pairs 50 && vping bench --pairs 50'),
  ],
  exporter: [
    g('vping lab up'),
    r('vping exporter ns1:192.168.168.2 ns2:192.168.168.1', { as: 'vping exporter ns1:192.168.168.2 ns2:192.168.168.1 & EXPORTER=$!; sleep 2' }),
    r('curl -s 127.0.0.1:9437/metrics | grep ^vping_'),
    g('kill -TERM $EXPORTER; wait $EXPORTER'),
    long('vping exporter --lab -i 0.1', 'TERM'),
    long('vping exporter --netns \'cni-*\' --to 10.244.0.1', 'TERM'),
    long('vping exporter --config exporter.yml --listen 127.0.0.1:9437', 'TERM'),
  ],
};

const work = mkdtempSync(join(tmpdir(), 'vping-readme-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** One scene as a bash script: each step's output in its own file, its status in `status`. */
function script(steps: Step[]): string {
  const lines = [
    'mount -t tmpfs vping-readme /run/netns',
    'mount -t tmpfs vping-readme /run/vping',
    'ip link set lo up',
    `cd ${work}`,
  ];
  steps.forEach((s, i) => {
    let cmd = s.as ?? s.readme ?? s.glue!;
    // --foreground: the signal goes to the command once (without it timeout signals the
    // command and then its whole process group, and vping takes a second SIGINT as "exit now")
    if (s.stop) cmd = `timeout --foreground --preserve-status -s ${s.stop} ${s.after ?? 2} ${cmd}`;
    // in this shell (not a subshell): glue sets variables later steps read ($SLEEPER)
    lines.push(`T0=$(date +%s%N); { ${cmd}\n} > ${work}/step-${i}.log 2>&1; echo "${i} $? $(( ($(date +%s%N) - T0) / 1000000 ))" >> ${work}/status`);
  });
  return lines.join('\n') + '\n';
}

describePriv('the README, command by command', () => {
  it('every command line of the README is a step below or skipped with a reason, and every step is in the README', () => {
    const inReadme = readmeCommands();
    const steps = Object.values(scenes).flat().map((s) => s.readme).filter((x): x is string => !!x);
    const covered = new Set([...steps, ...Object.keys(SKIPPED)]);
    expect(inReadme.filter((l) => !covered.has(l)), 'README lines no scene runs').toEqual([]);
    expect([...covered].filter((l) => !inReadme.includes(l)), 'steps no longer in the README').toEqual([]);
  });

  // a scene per it(): a bin directory whose vping is this build on this Node
  const bin = join(work, 'bin');
  spawnSync('mkdir', ['-p', bin]);
  writeFileSync(join(bin, 'vping'), `#!/bin/sh\nexec ${process.execPath} ${VPING} "$@"\n`);
  chmodSync(join(bin, 'vping'), 0o755);
  const [labYml, exporterYml] = blocks('yaml');
  writeFileSync(join(work, 'lab.yml'), labYml);
  writeFileSync(join(work, 'exporter.yml'), exporterYml);

  for (const [name, steps] of Object.entries(scenes)) {
    it(`${name}: each line ends as a user's would`, () => {
      rmSync(join(work, 'status'), { force: true });
      spawnSync('mkdir', ['-p', '/run/netns', '/run/vping']);
      const res = spawnSync('unshare', ['--mount', '--net', '--propagation', 'private', 'bash', '-c', script(steps)], {
        encoding: 'utf8', timeout: 170_000, env: { ...process.env, PATH: `${bin}:${dirname(process.execPath)}:${process.env.PATH}` },
      });
      expect(res.error, String(res.error)).toBeUndefined();
      const rows = readFileSync(join(work, 'status'), 'utf8').trim().split('\n').map((l) => l.split(' ').map(Number));
      const status = new Map(rows.map(([i, code]) => [i, code]));
      if (process.env.VPING_README_TIMES) for (const [i, , ms] of rows) process.stderr.write(`${ms} ms  ${steps[i].readme ?? steps[i].glue}\n`);
      const failed = steps.flatMap((s, i) => {
        const want = s.status ?? 0;
        const got = status.get(i);
        if (got === want) return [];
        const out = readFileSync(join(work, `step-${i}.log`), 'utf8').trim().split('\n').slice(-6).join('\n    ');
        return [`${s.readme ?? s.glue}: exit ${got}, not ${want}\n    ${out}`];
      });
      expect(failed, failed.join('\n')).toEqual([]);
    }, 180_000);
  }
});
