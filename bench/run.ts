// `npm run bench`: every benchmark program in turn (each makes its own namespaces, runs the
// peer in the same run, prints ratios and removes what it made), or the ones named.
//
//   npm run bench                      # all of them
//   npm run bench -- rtt-agree         # one (lab-build, topology-build, ping-flood, capture-flood, rtt-agree, exporter, startup)
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ALL = ['lab-build', 'topology-build', 'ping-flood', 'flood-counts', 'capture-flood', 'rtt-agree', 'exporter', 'startup'];
const here = dirname(fileURLToPath(import.meta.url));
const asked = process.argv.slice(2);
const unknown = asked.filter((a) => !ALL.includes(a));
if (unknown.length) {
  process.stderr.write(`bench: no benchmark named ${unknown.join(', ')} (there are: ${ALL.join(', ')})\n`);
  process.exit(2);
}
let failed = 0;
for (const name of asked.length ? asked : ALL) {
  process.stdout.write(`\n== ${name}\n`);
  const r = spawnSync(process.execPath, [join(here, `${name}.js`)], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    process.stderr.write(`bench: ${name} exited with ${r.status ?? r.signal}\n`);
  }
}
process.exit(failed ? 1 : 0);
