// What `vping exporter` probes: targets from the command line (`NS:ADDRESS`), from a YAML
// config file, from the lab (every pair both ways) and from namespace globs (`cni-*`, each
// match probing the address its rule gives). Pure: parsing and checking only, so a config
// that is wrong is refused (at start, or on SIGHUP with the old one kept) before anything
// runs. The runner (exporter.ts) turns the resolved targets into probes.
import { UsageError } from '../../sys/errors.js';
import { checkNetnsRef } from '../../ns/netns.js';
import { familyOf } from '../../icmp/addr.js';
import { readMapping } from '../../lab/yaml.js';

/** The default listen address: loopback only, and a port apart from smokeping_prober's 9374. */
export const DEFAULT_LISTEN = '127.0.0.1:9437';

/** One probe stream: from a namespace to an address, every `intervalS`, with `size` data bytes. */
export interface Target {
  /** the source namespace: a name, a path or pid:N */
  netns: string;
  address: string;
  intervalS: number;
  size: number;
}

/** A glob over /run/netns names: every match probes `address` (rescanned periodically). */
export interface NetnsRule {
  glob: string;
  address: string;
  intervalS: number;
  size: number;
}

/** RTT histogram buckets: `count` upper bounds from `start` seconds, each `factor` times the last. */
export interface Buckets {
  start: number;
  factor: number;
  count: number;
}

/** Everything the exporter runs with, checked. */
export interface ExporterConfig {
  listen: { host: string; port: number };
  targets: Target[];
  rules: NetnsRule[];
  /** also probe the lab's pairs both ways */
  lab: boolean;
  buckets: Buckets;
  /** seconds between rescans of the globs (and checks that each target's namespace is still there) */
  rescanS: number;
}

/** 1 µs to about 2.1 s, doubling: the veth crossing's microseconds and a congested link's seconds. */
export const DEFAULT_BUCKETS: Buckets = { start: 1e-6, factor: 2, count: 22 };
export const DEFAULT_INTERVAL_S = 1;
export const DEFAULT_SIZE = 56;
export const DEFAULT_RESCAN_S = 10;

/** The upper bounds of the histogram's buckets, in seconds. */
export function bucketBounds(b: Buckets): number[] {
  const out: number[] = [];
  let v = b.start;
  for (let i = 0; i < b.count; i++, v *= b.factor) out.push(Number(v.toPrecision(6)));
  return out;
}

/** `HOST:PORT`, `[V6]:PORT` or `:PORT` (all addresses). */
export function parseListen(s: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):([0-9]+)$/.exec(s);
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port >= 1 && port <= 65535)) throw new UsageError(`--listen: "${s}" is not HOST:PORT (as ${DEFAULT_LISTEN})`);
  const host = m[1] ?? (m[2] || '0.0.0.0');
  if (m[1] !== undefined && familyOf(m[1]) !== 6) throw new UsageError(`--listen: "${m[1]}" is not an IPv6 address`);
  return { host, port };
}

/** `NS:ADDRESS` (NS a name, a path or pid:N; ADDRESS numeric, v4 or v6). */
export function parseTargetArg(s: string, intervalS: number, size: number): Target {
  const m = s.startsWith('pid:') ? /^(pid:[^:]*):(.+)$/.exec(s) : /^([^:]+):(.+)$/.exec(s);
  if (!m) throw new UsageError(`target "${s}": expected NS:ADDRESS (as ns1:192.168.168.2)`);
  return checkTarget({ netns: m[1], address: m[2], intervalS, size }, `target "${s}"`);
}

function checkTarget(t: Target, what: string): Target {
  checkNetnsRef(t.netns);
  if (!familyOf(t.address)) throw new UsageError(`${what}: "${t.address}" is not a numeric IPv4 or IPv6 address`);
  checkProbe(t.intervalS, t.size, what);
  return t;
}

function checkProbe(intervalS: number, size: number, what: string): void {
  // ping's floor for a user who is not root is 0.2 s; the exporter is a background load: 10 ms
  if (!(Number.isFinite(intervalS) && intervalS >= 0.01 && intervalS <= 3600)) throw new UsageError(`${what}: interval ${intervalS} s out of range 0.01-3600`);
  if (!(Number.isInteger(size) && size >= 16 && size <= 65000)) throw new UsageError(`${what}: size ${size} out of range 16-65000 (16 bytes carry the timing and tag)`);
}

/** A duration: a number of seconds, or a string with a unit (`250ms`, `1s`, `2m`). */
export function parseSeconds(v: unknown, what: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const m = /^([0-9]*\.?[0-9]+)(ms|s|m)?$/.exec(v.trim());
    if (m) return Number(m[1]) * (m[2] === 'ms' ? 1e-3 : m[2] === 'm' ? 60 : 1);
  }
  throw new UsageError(`${what}: "${String(v)}" is not a duration (as 1s, 250ms or 0.5)`);
}

/**
 * The unique key of a target: its labels (namespace, destination, size). A reload that keeps
 * the key keeps the counters; a new interval only changes the pace.
 */
export const targetKey = (t: Target): string => `${t.netns}|${t.address}|${t.size}`;

const KNOWN = new Set(['listen', 'interval', 'size', 'buckets', 'rescan', 'targets', 'netns', 'lab']);

/**
 * A config file's text (YAML, of which JSON is a part):
 *
 * ```yaml
 * listen: 127.0.0.1:9437
 * interval: 1s          # defaults for every target
 * size: 56
 * buckets: { start: 1us, factor: 2, count: 22 }
 * rescan: 10s
 * lab: false
 * targets:
 *   - { netns: ns1, address: 192.168.168.2 }
 *   - { netns: pid:1234, address: 10.0.0.1, interval: 100ms, size: 1400 }
 * netns:                 # every namespace named like the glob probes the address
 *   - { glob: "cni-*", address: 10.244.0.1 }
 * ```
 *
 * Unknown keys are refused (a typo is not silently ignored); the message names the key.
 */
export function parseConfigText(text: string, file: string): Partial<ExporterConfig> & { intervalS?: number; size?: number } {
  const d = readMapping(text, file, KNOWN, 'a mapping of settings at the top');
  if (d === null) return {};
  const intervalS = d.interval === undefined ? DEFAULT_INTERVAL_S : parseSeconds(d.interval, `${file}: interval`);
  const size = d.size === undefined ? DEFAULT_SIZE : intOf(d.size, `${file}: size`);
  const out: Partial<ExporterConfig> & { intervalS?: number; size?: number } = { intervalS, size };
  if (d.listen !== undefined) out.listen = parseListen(String(d.listen));
  if (d.rescan !== undefined) out.rescanS = parseSeconds(d.rescan, `${file}: rescan`);
  if (d.lab !== undefined) {
    if (typeof d.lab !== 'boolean') throw new UsageError(`${file}: lab: expected true or false`);
    out.lab = d.lab;
  }
  if (d.buckets !== undefined) out.buckets = bucketsOf(d.buckets, `${file}: buckets`);
  const list = (v: unknown, what: string): Record<string, unknown>[] => {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'object' || x === null || Array.isArray(x))) throw new UsageError(`${file}: ${what}: expected a list of mappings`);
    return v as Record<string, unknown>[];
  };
  out.targets = list(d.targets, 'targets').map((t, i) => {
    const what = `${file}: targets[${i}]`;
    for (const k of Object.keys(t)) if (!['netns', 'address', 'interval', 'size'].includes(k)) throw new UsageError(`${what}: unknown key "${k}"`);
    if (typeof t.netns !== 'string' || typeof t.address !== 'string') throw new UsageError(`${what}: netns and address are required`);
    return checkTarget({
      netns: t.netns, address: t.address,
      intervalS: t.interval === undefined ? intervalS : parseSeconds(t.interval, `${what}: interval`),
      size: t.size === undefined ? size : intOf(t.size, `${what}: size`),
    }, what);
  });
  out.rules = list(d.netns, 'netns').map((r, i) => {
    const what = `${file}: netns[${i}]`;
    for (const k of Object.keys(r)) if (!['glob', 'address', 'interval', 'size'].includes(k)) throw new UsageError(`${what}: unknown key "${k}"`);
    if (typeof r.glob !== 'string' || typeof r.address !== 'string') throw new UsageError(`${what}: glob and address are required`);
    return checkRule({
      glob: r.glob, address: r.address,
      intervalS: r.interval === undefined ? intervalS : parseSeconds(r.interval, `${what}: interval`),
      size: r.size === undefined ? size : intOf(r.size, `${what}: size`),
    }, what);
  });
  return out;
}

export function checkRule(r: NetnsRule, what: string): NetnsRule {
  if (!r.glob || r.glob.includes('/')) throw new UsageError(`${what}: glob "${r.glob}" must match names in /run/netns (no "/")`);
  if (!familyOf(r.address)) throw new UsageError(`${what}: "${r.address}" is not a numeric IPv4 or IPv6 address`);
  checkProbe(r.intervalS, r.size, what);
  return r;
}

function intOf(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new UsageError(`${what}: expected an integer, not ${JSON.stringify(v)}`);
  return v;
}

/** `{ start, factor, count }` (start a duration: 1us, 1e-6, 0.5ms), checked. */
export function bucketsOf(v: unknown, what: string): Buckets {
  if (typeof v !== 'object' || v === null) throw new UsageError(`${what}: expected { start, factor, count }`);
  const o = v as Record<string, unknown>;
  const start = typeof o.start === 'string' && o.start.endsWith('us') ? Number(o.start.slice(0, -2)) * 1e-6 : parseSeconds(o.start ?? DEFAULT_BUCKETS.start, `${what}: start`);
  const factor = Number(o.factor ?? DEFAULT_BUCKETS.factor);
  const count = Number(o.count ?? DEFAULT_BUCKETS.count);
  if (!(start > 0 && start < 3600)) throw new UsageError(`${what}: start ${String(o.start)} must be a positive duration`);
  if (!(factor > 1 && factor <= 100)) throw new UsageError(`${what}: factor ${String(o.factor)} must be above 1`);
  if (!(Number.isInteger(count) && count >= 1 && count <= 200)) throw new UsageError(`${what}: count ${String(o.count)} out of range 1-200`);
  return { start, factor, count };
}

/** Does a /run/netns name match a glob (`*` any run of characters, `?` one)? */
export function globMatch(glob: string, name: string): boolean {
  const re = new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's');
  return re.test(name);
}

/** Two targets with the same key are one: the first wins. */
export function dedupe(ts: readonly Target[]): Target[] {
  const seen = new Set<string>();
  return ts.filter((t) => {
    const k = targetKey(t);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
