// vping netns add|del|list|identify — ip netns's grammar and output.
import type { Command } from 'commander';
import { addNetns, delNetns, identifyPid } from '../../src/ns/netns.js';
import { netnsList } from '../../src/iproute/netns-list.js';
import { UsageError } from '../../src/sys/errors.js';
import { action, printJson, requireRoot } from '../run.js';
import { didYouMean } from '../args.js';

export function register(program: Command): void {
  const netns = program.command('netns').description('named network namespaces, as ip netns (add, del, list, identify)');

  netns
    .command('add <name>')
    .description('create /run/netns/NAME, a new network namespace with only lo')
    .action(action((name: string) => {
      requireRoot('netns add');
      addNetns(name);
    }));

  netns
    .command('del <name...>')
    .alias('delete')
    .description('remove named namespaces (their interfaces go with them)')
    .action(action((names: string[]) => {
      requireRoot('netns del');
      for (const n of names) delNetns(n);
    }));

  netns
    .command('list', { isDefault: true })
    .alias('show')
    .description('list named namespaces, with the id this namespace gives each, as ip netns list')
    // `netns ad x` lands here (list is the default): say it is an unknown command, not "too many arguments"
    .allowExcessArguments(true)
    .action(action((_o: unknown, cmd: Command) => {
      const extra = cmd.args;
      if (extra.length) {
        throw new UsageError(`netns: unknown command "${extra[0]}"${didYouMean(extra[0], ['add', 'del', 'delete', 'list', 'show', 'identify'])} (add, del, list, identify)`);
      }
      const { json } = cmd.optsWithGlobals<{ json?: boolean }>();
      const rows = netnsList();
      if (json) printJson(rows.map((r) => (r.id === null ? { name: r.name } : { name: r.name, id: r.id })));
      else for (const r of rows) process.stdout.write(r.id === null ? `${r.name}\n` : `${r.name} (id: ${r.id})\n`);
    }));

  netns
    .command('identify [pid]')
    .description('the names of the namespace that PID (default: vping itself) lives in')
    .action(action((pid?: string) => {
      const p = pid === undefined ? 'self' : Number(pid);
      if (p !== 'self' && !(Number.isInteger(p) && p > 0)) throw new UsageError(`invalid pid "${pid}"`);
      for (const n of identifyPid(p)) process.stdout.write(`${n}\n`);
    }));
}
