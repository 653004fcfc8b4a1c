// vping route add|replace|del|show and vping neigh show — ip route's and ip neigh's grammar
// and output (src/iproute/route.ts), in the main table.
import type { Command } from 'commander';
import { UsageError } from '../../src/sys/errors.js';
import { AF_INET, AF_INET6 } from '../../src/sys/libc.js';
import { Rtnl, type RouteOptions } from '../../src/link/rtnl.js';
import { parseCidr } from '../../src/link/parse.js';
import { familyOf } from '../../src/icmp/addr.js';
import { parseInet } from '../../src/inet/addr.js';
import {
  formatNeighbours, formatRoutes, neighboursJson, protocolNumber, routeTypeNumber, routesJson, scopeNumber, showNeighbours, showRoutes,
} from '../../src/iproute/route.js';
import { action, printJson, requireRoot } from '../run.js';
import { didYouMean } from '../args.js';

interface Globals {
  netns?: string;
  json?: boolean;
}


/** The words after `route add|replace|del`, as ip takes them; device names resolved by the caller. */
export function parseRoute(words: string[], verb: string, family?: 4 | 6): { o: RouteOptions; dev?: string } {
  const w = [...words];
  const o: Partial<RouteOptions> & { text: string } = { text: words.join(' ') };
  let dev: string | undefined;
  let fam: 4 | 6 | undefined = family;
  const setFam = (f: 4 | 6, what: string): void => {
    if (fam !== undefined && fam !== f) throw new UsageError(`route ${verb}: ${what} is IPv${f} in an IPv${fam} route`);
    fam = f;
  };
  const value = (k: string): string => {
    const v = w.shift();
    if (v === undefined) throw new UsageError(`route ${verb}: "${k}" needs a value`);
    return v;
  };
  const addr = (k: string, v: string): Uint8Array => {
    const f = familyOf(v);
    if (!f) throw new UsageError(`route ${verb}: ${k} "${v}" is not an IPv4 or IPv6 address`);
    setFam(f, `${k} ${v}`);
    return parseInet(v)!;
  };
  let dstSeen = false;
  while (w.length) {
    const k = w.shift()!;
    if (k === 'via') o.gateway = addr('via', value(k));
    else if (k === 'dev' || k === 'oif') dev = value(k);
    else if (k === 'metric' || k === 'priority' || k === 'preference') {
      const v = value(k);
      if (!/^\d+$/.test(v) || Number(v) > 0xffffffff) throw new UsageError(`route ${verb}: invalid metric "${v}"`);
      o.metric = Number(v);
    } else if (k === 'proto' || k === 'protocol') {
      const v = value(k);
      const p = protocolNumber(v);
      if (p === undefined) throw new UsageError(`route ${verb}: unknown protocol "${v}"`);
      o.protocol = p;
    } else if (k === 'scope') {
      const v = value(k);
      const sc = scopeNumber(v);
      if (sc === undefined) throw new UsageError(`route ${verb}: unknown scope "${v}"`);
      o.scope = sc;
    } else if (k === 'src') o.prefsrc = addr('src', value(k));
    else if (k === 'table') {
      const v = value(k);
      if (v !== 'main' && v !== '254') throw new UsageError(`route ${verb}: only the main table is supported (table ${v})`);
    } else if (!dstSeen && routeTypeNumber(k) !== undefined && k !== 'unicast' && w.length > 0 && !['via', 'dev'].includes(w[0])) o.type = routeTypeNumber(k);
    else if (!dstSeen && k === 'unicast') o.type = 1;
    else if (!dstSeen && (k === 'default' || k === 'all' || k === 'any')) {
      dstSeen = true;
      o.dst = null;
    } else if (!dstSeen && (k === 'to' || familyOf(k.split('/')[0]))) {
      const v = k === 'to' ? value(k) : k;
      dstSeen = true;
      if (v === 'default') o.dst = null;
      else {
        const f = familyOf(v.split('/')[0]);
        if (!f) throw new UsageError(`route ${verb}: "${v}" is not a prefix`);
        setFam(f, v);
        const c = parseCidr(v.includes('/') ? v : `${v}/${f === 4 ? 32 : 128}`);
        // the prefix as the kernel keeps it: host bits must be zero, as ip says
        o.dst = { bytes: c.bytes, prefixlen: c.prefixlen };
        checkNetwork(v, c.bytes, c.prefixlen, verb);
      }
    } else throw new UsageError(`route ${verb}: unexpected "${k}"`);
  }
  if (!dstSeen) throw new UsageError(`route ${verb}: which destination? (a prefix, or default)`);
  const f = fam ?? 4;
  o.family = f === 6 ? AF_INET6 : AF_INET;
  if (verb !== 'del' && o.type === undefined && !o.gateway && dev === undefined) throw new UsageError(`route ${verb}: a unicast route needs "via ADDRESS" or "dev DEV"`);
  return dev === undefined ? { o: o as RouteOptions } : { o: o as RouteOptions, dev };
}

function checkNetwork(text: string, bytes: Uint8Array, len: number, verb: string): void {
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, len - i * 8));
    const mask = keep === 8 ? 0xff : (0xff << (8 - keep)) & 0xff;
    if (bytes[i] & ~mask & 0xff) throw new UsageError(`route ${verb}: invalid prefix for the given prefix length: ${text} (host bits are set)`);
  }
}

export function register(program: Command): void {
  program
    .command('route')
    .alias('r')
    .description('routes of the main table, as ip route: add|replace|del PREFIX|default [via ADDR] [dev DEV] [metric N] [proto P] [scope S] [src ADDR] | show [-4|-6]')
    .argument('[words...]', "ip route's words")
    .option('-4', 'IPv4 (the default for show)')
    .option('-6', 'IPv6')
    .allowUnknownOption()
    .action(action((words: string[], opts: { 4?: boolean; 6?: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals<Globals>();
      const family = opts[6] ? 6 : opts[4] ? 4 : undefined;
      const verb = words[0] ?? 'show';
      if (verb === 'show' || verb === 'list' || verb === 'ls' || words.length === 0) {
        if (words.length > 1) throw new UsageError(`route show: filters are not supported yet ("${words.slice(1).join(' ')}")`);
        const { routes, links } = showRoutes(g.netns, family ?? 4);
        if (g.json) printJson(routesJson(routes, links));
        else process.stdout.write(formatRoutes(routes, links));
        return;
      }
      const verbs = ['add', 'replace', 'del', 'delete', 'change'];
      if (!verbs.includes(verb)) throw new UsageError(`route: unknown command "${verb}"${didYouMean(verb, [...verbs, 'show', 'list'])} (add, replace, del, show)`);
      requireRoot(`route ${verb}`);
      const v = verb === 'delete' ? 'del' : verb === 'change' ? 'replace' : (verb as 'add' | 'replace' | 'del');
      const { o, dev } = parseRoute(words.slice(1), v, family);
      using rt = Rtnl.open(g.netns);
      if (dev !== undefined) o.oif = rt.linkIndex(dev);
      rt.route(v, o);
    }));

  program
    .command('neigh')
    .aliases(['neighbour', 'neighbor'])
    .description('the neighbour (ARP and NDP) tables, as ip neigh show [-4|-6]')
    .argument('[words...]', 'show')
    .option('-4', 'IPv4 only')
    .option('-6', 'IPv6 only')
    .action(action((words: string[], opts: { 4?: boolean; 6?: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals<Globals>();
      const verb = words[0] ?? 'show';
      if (!['show', 'list', 'ls'].includes(verb) || words.length > 1) throw new UsageError(`neigh: unknown command "${words.join(' ')}" (show)`);
      const { neighbours, links } = showNeighbours(g.netns, opts[6] ? 6 : opts[4] ? 4 : undefined);
      if (g.json) printJson(neighboursJson(neighbours, links));
      else process.stdout.write(formatNeighbours(neighbours, links));
    }));
}
