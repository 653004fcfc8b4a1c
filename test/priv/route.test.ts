// Routes and neighbours in namespaces the test makes: what vping adds, replaces and deletes,
// ip sees (ip -j route); what vping prints for `route` and `neigh`, text and -j, is what ip
// prints, v4 and v6 — kernel routes, a default route, gateways, metrics, protocols, scopes,
// source addresses, host routes, unreachable and blackhole routes, and ARP/NDP entries made
// by pings between the two namespaces. Bad input: one line, exit 2, nothing changed.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describePriv, isRoot, ipJson, peer, removeNetns, uniq } from '../helpers/priv.js';
import { isOneLineError, vping } from '../helpers/cli.js';
import { waitOper } from '../helpers/netlab.js';

const a = uniq('vra');
const b = uniq('vrb');

beforeAll(() => {
  if (!isRoot) return;
  peer('ip', ['netns', 'add', a]);
  peer('ip', ['netns', 'add', b]);
  peer('ip', ['link', 'add', 'ra0', 'netns', a, 'type', 'veth', 'peer', 'name', 'rb0', 'netns', b]);
  for (const [ns, dev, v4, v6] of [[a, 'ra0', '10.215.0.1/24', 'fd15::1/64'], [b, 'rb0', '10.215.0.2/24', 'fd15::2/64']]) {
    peer('ip', ['-n', ns, 'addr', 'add', v4, 'dev', dev]);
    peer('ip', ['-n', ns, 'addr', 'add', v6, 'dev', dev, 'nodad']);
    peer('ip', ['-n', ns, 'link', 'set', dev, 'up']);
    peer('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  }
  waitOper(a, 'ra0');
  waitOper(b, 'rb0');
});
afterAll(() => removeNetns(a, b));

const same = (ns: string, vargs: string[], ipargs: string[]): void => {
  const v = vping(['-n', ns, ...vargs]);
  expect(v.stderr).toBe('');
  expect(v.stdout, vargs.join(' ')).toBe(peer('ip', ['-n', ns, ...ipargs]));
};

describePriv('route and neigh', () => {
  it('routes vping adds are the ones ip sees, and vping prints them as ip does (v4)', () => {
    const add = (w: string[]) => {
      const r = vping(['-n', a, 'route', 'add', ...w]);
      expect(r.stderr, w.join(' ')).toBe('');
      expect(r.status).toBe(0);
    };
    add(['default', 'via', '10.215.0.2', 'metric', '50']);
    add(['10.216.0.0/16', 'via', '10.215.0.2', 'proto', 'static']);
    add(['10.217.0.0/24', 'dev', 'ra0', 'scope', 'link', 'src', '10.215.0.1']);
    add(['10.218.0.9', 'via', '10.215.0.2']);
    add(['unreachable', '10.219.0.0/16']);
    add(['blackhole', '10.220.0.0/16']);
    expect(ipJson(['-n', a, 'route'])).toEqual([
      { dst: 'default', gateway: '10.215.0.2', dev: 'ra0', metric: 50, flags: [] },
      { dst: '10.215.0.0/24', dev: 'ra0', protocol: 'kernel', scope: 'link', prefsrc: '10.215.0.1', flags: [] },
      { dst: '10.216.0.0/16', gateway: '10.215.0.2', dev: 'ra0', protocol: 'static', flags: [] },
      { dst: '10.217.0.0/24', dev: 'ra0', scope: 'link', prefsrc: '10.215.0.1', flags: [] },
      { dst: '10.218.0.9', gateway: '10.215.0.2', dev: 'ra0', flags: [] },
      { type: 'unreachable', dst: '10.219.0.0/16', flags: [] },
      { type: 'blackhole', dst: '10.220.0.0/16', flags: [] },
    ]);
    same(a, ['route'], ['route']);
    same(a, ['-j', 'route'], ['-j', 'route']);
    // replace changes in place; del removes exactly it
    expect(vping(['-n', a, 'route', 'replace', '10.216.0.0/16', 'via', '10.215.0.2', 'metric', '9']).status).toBe(0);
    expect(ipJson<{ dst: string; metric?: number }[]>(['-n', a, 'route']).find((r) => r.dst === '10.216.0.0/16' && r.metric === 9)).toBeDefined();
    expect(vping(['-n', a, 'route', 'del', '10.218.0.9']).status).toBe(0);
    expect(ipJson<{ dst: string }[]>(['-n', a, 'route']).some((r) => r.dst === '10.218.0.9')).toBe(false);
    // a link down shows as ip shows it (linkdown)
    peer('ip', ['-n', b, 'link', 'set', 'rb0', 'down']);
    waitOper(a, 'ra0', 'DOWN'); // its peer down: no carrier
    same(a, ['route'], ['route']);
    peer('ip', ['-n', b, 'link', 'set', 'rb0', 'up']);
    waitOper(a, 'ra0');
    // a link down takes its IPv6 addresses with it (keep_addr_on_down 0): give it back
    peer('ip', ['-n', b, 'addr', 'replace', 'fd15::2/64', 'dev', 'rb0', 'nodad']);
  });

  it('IPv6 routes: kernel, default and gateway routes with metric and pref, as ip prints them', () => {
    expect(vping(['-n', a, 'route', 'add', 'default', 'via', 'fd15::2']).status).toBe(0);
    expect(vping(['-n', a, 'route', 'add', 'fd16::/64', 'via', 'fd15::2', 'dev', 'ra0', 'metric', '5']).status).toBe(0);
    expect(ipJson<{ dst: string; gateway?: string }[]>(['-n', a, '-6', 'route']).filter((r) => r.gateway === 'fd15::2').map((r) => r.dst).sort()).toEqual(['default', 'fd16::/64']);
    same(a, ['route', '-6'], ['-6', 'route']);
    same(a, ['-j', 'route', '-6'], ['-6', '-j', 'route']);
  });

  it('neigh shows the ARP and NDP entries that pings made, as ip neigh does', () => {
    peer('ip', ['netns', 'exec', a, 'ping', '-c', '1', '-W', '1', '10.215.0.2']);
    peer('ip', ['netns', 'exec', a, 'ping', '-c', '1', '-W', '1', 'fd15::2']);
    // one that will not answer: INCOMPLETE or FAILED
    peer('ip', ['-n', a, 'route', 'add', '10.221.0.0/24', 'dev', 'ra0']);
    spawnQuiet(['ip', 'netns', 'exec', a, 'ping', '-c', '1', '-W', '1', '10.221.0.7']);
    const lines = vping(['-n', a, 'neigh']).stdout.split('\n').filter(Boolean);
    expect(lines.some((l) => l.startsWith('10.215.0.2 dev ra0 lladdr '))).toBe(true);
    expect(lines.some((l) => l.startsWith('fd15::2 dev ra0 lladdr '))).toBe(true);
    same(a, ['neigh'], ['neigh']);
    same(a, ['-j', 'neigh'], ['-j', 'neigh']);
    same(a, ['neigh', '-6'], ['-6', 'neigh']);
  });

  it('bad input: one line, exit 2, the table unchanged', () => {
    const before = peer('ip', ['-n', a, 'route']);
    const cases: [string[], RegExp][] = [
      [['route', 'add', '10.230.0.0/16', 'via', '10.99.0.1'], /Network is unreachable \(kernel: Nexthop has invalid gateway\)/],
      [['route', 'add', 'default', 'via', '10.215.0.2', 'metric', '50'], /File exists/],
      [['route', 'del', '10.231.0.0/16'], /No such process/],
      [['route', 'add', '10.232.0.1/16', 'via', '10.215.0.2'], /host bits are set/],
      [['route', 'add', '10.233.0.0/16', 'dev', 'nosuch0'], /Cannot find device "nosuch0"/],
      [['route', 'add', '10.234.0.0/16'], /needs "via ADDRESS" or "dev DEV"/],
      [['route', 'add', '10.235.0.0/16', 'via', '10.215.0.2', 'table', '100'], /only the main table/],
      [['route', 'ad', 'default'], /unknown command "ad" \(did you mean add\?\)/],
      [['route', 'add', '10.236.0.0/16', 'via', 'gateway'], /"gateway" is not an IPv4 or IPv6 address/],
    ];
    for (const [args, re] of cases) {
      const r = vping(['-n', a, ...args]);
      expect(r.stderr, args.join(' ')).toMatch(re);
      expect(isOneLineError(r), `${args.join(' ')}: ${r.stderr}`).toBe(true);
    }
    expect(peer('ip', ['-n', a, 'route'])).toBe(before);
  });
});

function spawnQuiet(argv: string[]): void {
  try {
    peer(argv[0], argv.slice(1));
  } catch {
    /* no answer is the point */
  }
}
