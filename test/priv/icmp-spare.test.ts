// `vping ping` starts a spare engine worker before it parses its options (src/icmp/spare.ts),
// so the worker's start-up runs beside the main thread's. The spare must be the one that
// runs the ping, hand over cleanly (its config over a port, no descriptor left), and never
// hold a process that does not use it.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describePriv } from '../helpers/priv.js';
import { makePair, type TestPair } from '../helpers/netlab.js';
import { ping } from '../../src/icmp/index.js';
import { hasSpare, prestartEngine } from '../../src/icmp/spare.js';

let pair: TestPair;
const SPARE_JS = fileURLToPath(new URL('../../dist/src/icmp/spare.js', import.meta.url));

describePriv('the spare engine worker', () => {
  beforeAll(() => {
    pair = makePair();
  });
  afterAll(() => pair?.destroy());

  it('is taken by the next engine start and runs its ping; the one after starts its own; nothing is left open', async () => {
    const fds = readdirSync('/proc/self/fd').length;
    prestartEngine();
    prestartEngine(); // idempotent: still one spare
    expect(hasSpare()).toBe(true);
    const r = await ping({ destination: pair.addr2, netns: pair.ns1, count: 3, interval: 0.01 });
    expect(hasSpare()).toBe(false);
    expect([r.stats.transmitted, r.stats.received]).toEqual([3, 3]);
    const flood = await ping({ destination: pair.addr2, netns: pair.ns1, count: 500, flood: true });
    expect([flood.stats.transmitted, flood.stats.received]).toEqual([500, 500]);
    // a flood through the spare: it is warmed as a worker of its own would be
    prestartEngine();
    const warm = await ping({ destination: pair.addr1, netns: pair.ns2, count: 500, flood: true });
    expect([warm.stats.transmitted, warm.stats.received]).toEqual([500, 500]);
    expect(hasSpare()).toBe(false);
    expect(readdirSync('/proc/self/fd').length).toBe(fds);
  });

  it('a spare nobody takes does not keep its process alive', () => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', `import { prestartEngine, hasSpare } from ${JSON.stringify(SPARE_JS)}; prestartEngine(); if (!hasSpare()) process.exit(3);`], { timeout: 20_000 });
    expect(r.error).toBeUndefined();
    expect(r.status).toBe(0);
  });

  it('the CLI: a refused option and a missing namespace still end at once with status 2', () => {
    const vping = fileURLToPath(new URL('../../dist/bin/vping.js', import.meta.url));
    for (const args of [['ping', '--no-such-option', pair.addr2], ['-n', `${pair.ns1}-missing`, 'ping', '-c', '1', pair.addr2]]) {
      const r = spawnSync(process.execPath, [vping, ...args], { encoding: 'utf8', timeout: 20_000 });
      expect(r.error).toBeUndefined();
      expect({ args, status: r.status, signal: r.signal, stderr: r.stderr }).toMatchObject({ status: 2 });
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
