// First of the command's modules to run: for a command that will start the ICMP engine, a
// spare engine worker starts now, so its start-up (an isolate, Node's bootstrap, the engine's
// modules) runs on the other core while this thread loads commander and parses the options
// (src/icmp/spare.ts). Any other command starts no thread.
import { commandWord } from './commands/index.js';
import { prestartEngine } from '../src/icmp/spare.js';

const argv = process.argv;
const found = commandWord(argv);
const next = found && argv[found.at + 1];
if (found && !argv.includes('-h') && !argv.includes('--help') && (found.word === 'ping' || (found.word === 'lab' && next === 'ping'))) prestartEngine();
