// `vping capture -r` reads as it prints: from a file, a FIFO or standard input, one record
// at a time. Bounded memory whatever the file's size, -c stops the reading, a file that is
// not a capture fails at its magic number, and the first line comes out before the writer
// has finished. The reader from a descriptor and the reader from memory agree on every
// file, including broken ones.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PcapWriter, PcapngWriter } from '../../src/pcap/writer.js';
import { openCapture, openCaptureFd } from '../../src/pcap/reader.js';
import { VPING } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'vping-read-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An Ethernet/IPv4/ICMP echo request of 98 bytes, seq n. */
function echo(n: number): Uint8Array {
  const f = new Uint8Array(98);
  f.set([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 8, 0], 0);
  f.set([0x45, 0, 0, 84, 0, 0, 0x40, 0, 64, 1, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2], 14);
  f[34] = 8;
  f[40] = n >> 8;
  f[41] = n & 0xff;
  return f;
}

function writePcap(path: string, n: number): void {
  const w = new PcapWriter(path, { linktype: 1, snaplen: 262144 });
  for (let i = 0; i < n; i++) w.packet(0, 1700000000 + (i >> 10), (i & 1023) * 1000, echo(i), 0, 98, 98, 0);
  w.close();
}

/** The peak resident size of a child, by sampling /proc/PID/status VmHWM (a high-water mark) until it exits. */
async function peakKiB(args: string[]): Promise<{ kib: number; code: number | null; out: string }> {
  const child = spawn(process.execPath, [VPING, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let peak = 0;
  child.stdout.on('data', (d: Buffer) => {
    if (out.length < 4096) out += d.toString();
  });
  const sample = (): void => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) peak = Math.max(peak, Number(m[1]));
    } catch {
      /* exited */
    }
  };
  const t = setInterval(sample, 10);
  const code = await new Promise<number | null>((res) => child.on('close', (c) => res(c)));
  clearInterval(t);
  return { kib: peak, code, out };
}

describe('capture -r streams', () => {
  it('memory stays bounded over a large file: within 32 MiB of a one-frame run', async () => {
    const one = join(dir, 'one.pcap');
    writePcap(one, 1);
    const small = join(dir, 'small.pcap');
    writePcap(small, 1000);
    // 60 MB: the small file's records over and over, behind its header
    const big = join(dir, 'big.pcap');
    const s = readFileSync(small);
    const fd = openSync(big, 'w');
    writeSync(fd, s);
    const body = s.subarray(24);
    for (let n = s.length; n < 60e6; n += body.length) writeSync(fd, body);
    closeSync(fd);
    const base = await peakKiB(['capture', '-r', one]);
    const run = await peakKiB(['capture', '-r', big]);
    expect(base.code).toBe(0);
    expect(run.code).toBe(0);
    expect(run.kib).toBeGreaterThan(0);
    expect(run.kib - base.kib).toBeLessThanOrEqual(32 * 1024);
  });

  it('a file that is not a capture fails at its magic number (/dev/zero never ends)', () => {
    const r = spawnSync(process.execPath, [VPING, 'capture', '-r', '/dev/zero'], { encoding: 'utf8', timeout: 20_000 });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe('vping: /dev/zero: not a pcap or pcapng file (magic 0x00000000)');
  });

  it('a FIFO: the first line comes out while the writer still holds it open, and -c 1 ends the reading', async () => {
    const fifo = join(dir, 'fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const src = join(dir, 'two.pcap');
    writePcap(src, 2);
    const bytes = readFileSync(src);
    for (const args of [['capture', '-r', fifo], ['capture', '-c', '1', '-r', fifo]]) {
      const child = spawn(process.execPath, [VPING, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      const firstLine = new Promise<void>((res) => child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) res();
      }));
      const exited = new Promise<number | null>((res) => child.on('close', (c) => res(c)));
      // opening for writing waits for the reader; the header and the first record only
      const w = openSync(fifo, 'w');
      writeSync(w, bytes, 0, 24 + 16 + 98);
      await firstLine;
      expect(out.split('\n')[0]).toMatch(/IP 10\.0\.0\.1 > 10\.0\.0\.2: ICMP echo request, id 0, seq 0, length 64$/);
      if (args.includes('-c')) {
        // -c 1: the reader is gone although the writer has not closed
        expect(await exited).toBe(0);
        closeSync(w);
      } else {
        writeSync(w, bytes, 24 + 16 + 98);
        closeSync(w);
        expect(await exited).toBe(0);
        expect(out.trim().split('\n')).toHaveLength(2);
      }
    }
  });

  it('-r - reads standard input, as tcpdump -r - does', () => {
    const src = join(dir, 'stdin.pcap');
    writePcap(src, 50);
    const fromFile = spawnSync(process.execPath, [VPING, 'capture', '-r', src], { encoding: 'utf8' });
    const fromStdin = spawnSync(process.execPath, [VPING, 'capture', '-r', '-'], { encoding: 'utf8', input: readFileSync(src) });
    expect(fromStdin.status).toBe(0);
    expect(fromStdin.stdout.split('\n').filter(Boolean)).toHaveLength(50);
    expect(fromStdin.stdout).toBe(fromFile.stdout);
  });

  it('a truncated file: the lines before the cut, then one line naming the file', () => {
    const src = join(dir, 'cut.pcap');
    writePcap(src, 10);
    const cut = join(dir, 'cut2.pcap');
    const b = readFileSync(src);
    const fd = openSync(cut, 'w');
    writeSync(fd, b, 0, 24 + 3 * 114 + 50);
    closeSync(fd);
    const r = spawnSync(process.execPath, [VPING, 'capture', '-r', cut], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(3);
    expect(r.stderr.trim()).toMatch(new RegExp(`^vping: ${cut}: truncated record at offset 366`));
  });
});

describe('the reader from a descriptor agrees with the reader from memory', () => {
  type Outcome = { recs: string[]; err: string | null };
  const walk = (f: () => { records(): Generator<{ tsNs: bigint; data: Uint8Array; len: number; ifId: number }> }): Outcome => {
    const recs: string[] = [];
    try {
      for (const r of f().records()) recs.push(`${r.ifId} ${r.tsNs} ${r.len} ${Buffer.from(r.data).toString('hex')}`);
      return { recs, err: null };
    } catch (e) {
      return { recs, err: (e as Error).message };
    }
  };
  it('on pcap and pcapng files, whole, truncated and mutated (bounded fuzz)', () => {
    const a = join(dir, 'ag.pcap');
    writePcap(a, 40);
    const ng = join(dir, 'ag.pcapng');
    const w = new PcapngWriter(ng, [{ name: 'a', linktype: 1, snaplen: 262144 }, { name: 'b', linktype: 1, snaplen: 262144 }]);
    for (let i = 0; i < 40; i++) w.packet(i & 1, 1700000000, i, echo(i), 0, 98, 98, 1 + (i & 1));
    w.close();
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    const file = join(dir, 'mut.bin');
    let compared = 0;
    for (const base of [readFileSync(a), readFileSync(ng)]) {
      for (let k = 0; k < 150; k++) {
        let b = Buffer.from(base);
        if (k % 3 === 0) b = b.subarray(0, rnd(b.length + 1));
        else for (let m = 0; m < 1 + rnd(4); m++) b[rnd(b.length)] = rnd(256);
        const fd = openSync(file, 'w');
        writeSync(fd, b);
        closeSync(fd);
        const mem = walk(() => openCapture(b));
        const rfd = openSync(file, 'r');
        let viaFd: Outcome;
        try {
          viaFd = walk(() => openCaptureFd(rfd));
        } finally {
          closeSync(rfd);
        }
        expect(viaFd).toEqual(mem);
        compared++;
      }
    }
    expect(compared).toBe(300);
  });
});
