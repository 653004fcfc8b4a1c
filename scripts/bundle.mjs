// Bundle the CLI after tsc: dist/bin/vping.js (tsc's entry) is replaced by an esbuild bundle of
// bin/vping.ts, with the lazily imported command modules kept as separate files
// (dist/bin/bundle-*.js) so a command still loads only its own code. Why: Node's ESM loader
// spends most of the CLI's start-up resolving and linking ~40 small modules; one entry plus a
// few chunks cuts `vping capture` start-up CPU by about a third (numbers in the commit).
// tsc stays the typechecker and still emits dist/src (the library) and the rest of dist/bin;
// running tsc alone gives back the unbundled (and equally working) dist/bin/vping.js.
// koffi stays external (native addon, loaded from node_modules); commander (CommonJS) is
// bundled, hence the createRequire banner for its require('node:events') and friends.
// The ICMP engine's worker is still tsc's dist/src/icmp/worker.js: from dist/bin/*.js the
// engine's '../../dist/src/icmp/worker.js' resolves to it.
import { readdirSync, rmSync } from 'node:fs';
import { URL, fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = `${root}dist/bin`;
// chunk names carry a content hash: remove the previous build's so they don't pile up
for (const f of readdirSync(out)) if (/^bundle-.*\.js$/.test(f)) rmSync(`${out}/${f}`);

await build({
  entryPoints: [`${root}bin/vping.ts`],
  outdir: out,
  bundle: true,
  splitting: true,
  chunkNames: 'bundle-[name]-[hash]',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['koffi'],
  keepNames: true, // errors keep their class names (errors.ts sets name from new.target.name)
  banner: { js: "import { createRequire as __vpingRequire } from 'node:module'; const require = __vpingRequire(import.meta.url);" },
  allowOverwrite: true,
  logLevel: 'warning',
});
