// Ctrl-C in the middle of a flood: every frame the kernel counted as received by filter is
// in the file (the door closes first, then the rings are drained), tcpdump reads them all,
// and the two ends' records are in time order.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { describePriv } from '../helpers/priv.js';
import { makePair, type TestPair } from '../helpers/netlab.js';
import { VPING } from '../helpers/cli.js';

let pair: TestPair | null = null;
const dir = mkdtempSync(join(tmpdir(), 'vping-stop-'));
afterAll(() => {
  pair?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describePriv('capture stopped by Ctrl-C during a flood', () => {
  it('captured equals received by filter at both ends, and the file holds every frame', async () => {
    pair = makePair();
    const p = pair;
    const file = join(dir, 'stop.pcapng');
    const cap = spawn(process.execPath, [VPING, 'capture', `${p.ns1}:${p.if1}`, `${p.ns2}:${p.if2}`, '-w', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    cap.stderr.on('data', (d: Buffer) => (err += d.toString()));
    await new Promise<void>((res, rej) => {
      const t0 = Date.now();
      const t = setInterval(() => {
        if (err.includes('listening on') || cap.exitCode !== null || Date.now() - t0 > 10_000) {
          clearInterval(t);
          if (err.includes('listening on')) res();
          else rej(new Error(`the capture did not start (exit ${cap.exitCode}): ${err}`));
        }
      }, 20);
    });
    // a flood with no count (100,000 echoes can end within 300 ms on a quiet machine), its end
    // awaited from its start (an 'exit' listener added after the exit never fires)
    const flood = spawn('ip', ['netns', 'exec', p.ns1, 'ping', '-f', '-q', p.addr2], { stdio: 'ignore' });
    const floodEnded = new Promise((res) => flood.on('exit', res));
    // stop the capture while the flood is still running
    await new Promise((r) => setTimeout(r, 300));
    cap.kill('SIGINT');
    const code = await new Promise<number | null>((res) => cap.on('exit', (c) => res(c)));
    flood.kill('SIGINT');
    await floodEnded;
    expect(code).toBe(0);
    const count = (what: string) => [...err.matchAll(new RegExp(`: (\\d+) packets ${what}`, 'g'))].map((m) => Number(m[1]));
    const captured = count('captured');
    const received = count('received by filter');
    expect(captured).toHaveLength(2);
    expect(captured, err).toEqual(received);
    expect(count('dropped by kernel')).toEqual([0, 0]);
    expect(captured[0] + captured[1]).toBeGreaterThan(1000); // the flood was running when we stopped
    const read = spawnSync('tcpdump', ['-r', file, '-tt', '--nano'], { encoding: 'utf8', maxBuffer: 1 << 28 });
    expect(read.status).toBe(0);
    const lines = read.stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(captured[0] + captured[1]);
    // the two ends' records merged in time order, as tcpdump -i any writes them
    const ts = lines.map((l) => BigInt(l.slice(0, l.indexOf(' ')).replace('.', '')));
    const back = ts.findIndex((t, i) => i > 0 && t < ts[i - 1]);
    expect(back, back < 0 ? '' : `record ${back + 1} is older than the one before it:\n${lines[back - 1]}\n${lines[back]}`).toBe(-1);
  });
});
