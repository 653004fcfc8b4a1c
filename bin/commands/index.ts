// Each command group lives in its own file and registers itself here.
import type { Command } from 'commander';
import { register as registerNetns } from './netns.js';
import { register as registerLink } from './link.js';
import { register as registerLab } from './lab.js';
import { register as registerPing } from './ping.js';
import { register as registerDemo } from './demo.js';
import { register as registerCapture } from './capture.js';
import { register as registerBench } from './bench.js';
import { register as registerTrace } from './trace.js';

export function registerCommands(_program: Command): void {
  registerNetns(_program);
  registerLink(_program);
  registerLab(_program);
  registerPing(_program);
  registerDemo(_program);
  registerCapture(_program);
  registerBench(_program);
  registerTrace(_program);
  // filled as the command groups land: netns, link, addr, lab, ping, capture, trace, bench
}
