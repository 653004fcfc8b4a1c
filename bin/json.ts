// vping's JSON documents: one naming rule for every command whose output is vping's own, and
// the `schema` id that names each document's shape (its JSON Schema is schemas/<id>.json).
//
// The rule (docs/json.md):
// - keys are snake_case, as ip's and iputils' are;
// - a quantity carries its unit in the key: _ns, _us, _ms, _s, _bytes, _percent, _per_s; a key
//   without a suffix is a count, a name or a flag;
// - a network namespace is `netns` (never `ns`: `_ns` is always nanoseconds);
// - 64-bit times since the epoch (ns) are strings of digits: a double cannot hold them exactly;
// - every document has `schema`: "vping.<command>/<version>", its first key.
// The views that mirror iproute2 (`a`, `link`, `route`, `neigh`, `netns list`) print ip's own
// JSON instead, key for key, and `ping -j` prints iputils' keys, with vping's beside them.
// The library's records keep camelCase; `wire` turns them into documents at the edge.

/** Keys whose camelCase form says too little: renamed before snake-casing. */
const RENAME: Record<string, string> = {
  ns: 'netns',
  peerNs: 'peerNetns',
  size: 'sizeBytes',
  sizes: 'sizesBytes',
  len: 'lenBytes',
  caplen: 'caplenBytes',
  echoPerSec: 'echoPerS',
};

const snake = (k: string): string => k.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/([A-Z])([A-Z][a-z])/g, '$1_$2').toLowerCase();
const cache = new Map<string, string>();

/** A record's key as a document key (`minNs` → `min_ns`, `peerNs` → `peer_netns`). */
export function wireKey(k: string): string {
  let w = cache.get(k);
  if (w === undefined) {
    w = snake(RENAME[k] ?? k);
    cache.set(k, w);
  }
  return w;
}

/**
 * A library value as JSON data under the rule: keys renamed, bigint as a string of digits,
 * typed arrays as arrays, undefined members left out (as JSON.stringify does).
 */
export function wire(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return typeof v === 'bigint' ? v.toString() : v;
  if (Array.isArray(v)) return v.map(wire);
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (x !== undefined) out[wireKey(k)] = wire(x);
  return out;
}

/** The schema ids, one per document kind: the file schemas/<id without "vping.", "/" as "-v">.json holds its JSON Schema. */
export const SCHEMA = {
  labChange: 'vping.lab.change/1',
  labStatus: 'vping.lab.status/1',
  labPing: 'vping.lab.ping/1',
  topologyChange: 'vping.topology.change/1',
  topologyStatus: 'vping.topology.status/1',
  pingReply: 'vping.ping.reply/1',
  pingError: 'vping.ping.error/1',
  pingStatistics: 'vping.ping.statistics/1',
  bench: 'vping.bench/2',
  trace: 'vping.trace/1',
  traceHops: 'vping.trace.hops/1',
  captureFrame: 'vping.capture.frame/1',
  captureSummary: 'vping.capture.summary/1',
} as const;
export type SchemaId = (typeof SCHEMA)[keyof typeof SCHEMA];

/** A document: `schema` first, then the body under the rule. */
export function doc(schema: SchemaId, body: object): Record<string, unknown> {
  return { schema, ...(wire(body) as Record<string, unknown>) };
}

/** One document as one line on standard output. */
export function printDoc(schema: SchemaId, body: object): void {
  process.stdout.write(JSON.stringify(doc(schema, body)) + '\n');
}
