// Each command group lives in its own file and registers itself here. Only the module of
// the command being run is loaded (each pulls in its own layers: the ICMP engine, capture,
// libpcap, the report's chart library), so a command starts without paying for the others;
// the top-level help, and anything unrecognised, load them all so commander can list or
// reject it.
import type { Command } from 'commander';

type Register = (program: Command) => void;
const load = (m: Promise<{ register: Register }>) => m.then((x) => x.register);

const modules: Record<string, () => Promise<Register>> = {
  netns: () => load(import('./netns.js')),
  link: () => load(import('./link.js')),
  lab: () => load(import('./lab.js')),
  ping: () => load(import('./ping.js')),
  demo: () => load(import('./demo.js')),
  capture: () => load(import('./capture.js')),
  bench: () => load(import('./bench.js')),
  trace: () => load(import('./trace.js')),
  exporter: () => load(import('./exporter.js')),
  route: () => load(import('./route.js')),
};
// Command names (and aliases) to the module that registers them.
const owner: Record<string, string> = { a: 'link', addr: 'link', address: 'link', r: 'route', neigh: 'route', neighbour: 'route', neighbor: 'route' };

/** The command word in argv (the first word after the global options -n NS, -j) and where it is. */
export function commandWord(argv: string[]): { word: string; at: number } | undefined {
  for (let i = 2; i < argv.length; i++) {
    const w = argv[i];
    if (w === '-n' || w === '--netns') i++;
    else if (w.startsWith('-')) continue;
    else return { word: w, at: i };
  }
  return undefined;
}

export async function registerCommands(program: Command, argv: string[] = process.argv): Promise<void> {
  const found = commandWord(argv);
  const name = found === undefined ? undefined : (owner[found.word] ?? found.word);
  // `vping --help …` (help asked before any command) lists every command: load them all.
  const helpFirst = argv.slice(2, found?.at ?? argv.length).some((w) => w === '-h' || w === '--help');
  const wanted = name !== undefined && name in modules && !helpFirst ? [name] : Object.keys(modules);
  const registers = await Promise.all(wanted.map((m) => modules[m]()));
  for (const r of registers) r(program);
}
