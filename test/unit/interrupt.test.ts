// bench's and trace's signal handling: the first SIGINT/SIGTERM stops the run, a second one
// half a second later or more ends the process (130), and a second one right after the first
// (timeout signalling the command and then its group) is the same stop.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const INTERRUPT = fileURLToPath(new URL('../../dist/bin/interrupt.js', import.meta.url));
// stops 1.5 s after the first signal, as a run that drains and prints; the process stays alive meanwhile
const script = `
  const { onInterrupt } = await import(${JSON.stringify(INTERRUPT)});
  const stop = onInterrupt();
  const alive = setInterval(() => {}, 1000);
  process.stdout.write('ready\\n');
  stop.signal.addEventListener('abort', () => setTimeout(() => { process.stdout.write('stopped\\n'); stop.dispose(); clearInterval(alive); }, 1500));`;

async function signalled(gapsMs: number[], sig: NodeJS.Signals = 'SIGINT'): Promise<{ code: number | null; out: string }> {
  const p = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  p.stdout.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((res) => p.on('exit', (c) => res(c)));
  while (!out.includes('ready')) await new Promise((r) => setTimeout(r, 10));
  p.kill(sig);
  for (const g of gapsMs) {
    await new Promise((r) => setTimeout(r, g));
    p.kill('SIGINT');
  }
  return { code: await exited, out };
}

describe('onInterrupt', () => {
  it('one signal: the run stops and finishes', async () => {
    expect(await signalled([])).toEqual({ code: 0, out: 'ready\nstopped\n' });
  });
  it('a second signal right after the first is the same stop', async () => {
    expect(await signalled([0])).toEqual({ code: 0, out: 'ready\nstopped\n' });
    expect(await signalled([5], 'SIGTERM')).toEqual({ code: 0, out: 'ready\nstopped\n' });
  });
  it('a second signal later ends the process at once, 130', async () => {
    expect(await signalled([800])).toEqual({ code: 130, out: 'ready\n' });
  });
});
