// Each command group lives in its own file and registers itself here.
import type { Command } from 'commander';

export function registerCommands(_program: Command): void {
  // filled as the command groups land: netns, link, addr, lab, ping, capture, trace, bench
}
