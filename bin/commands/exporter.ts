// vping exporter — continuous in-namespace latency for Prometheus (src/measure/exporter).
// Targets from the command line, a YAML config (--config; SIGHUP reloads it), the lab (--lab)
// and namespace globs (--netns GLOB --to ADDRESS). SIGTERM and SIGINT end it cleanly.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { UsageError, VpingError, asErrorCode } from '../../src/sys/errors.js';
import { requireLabUp } from '../../src/lab/lab.js';
import { resolveLab } from '../../src/lab/spec.js';
import {
  DEFAULT_BUCKETS, DEFAULT_INTERVAL_S, DEFAULT_LISTEN, DEFAULT_RESCAN_S, DEFAULT_SIZE, bucketsOf, checkRule, dedupe, parseConfigText, parseListen,
  parseSeconds, parseTargetArg, type ExporterConfig, type Target,
} from '../../src/measure/exporter/config.js';
import { Exporter } from '../../src/measure/exporter/exporter.js';
import { action, fail, requireRoot } from '../run.js';
import { labInput, withLabOptions, type LabCliOptions } from '../lab-options.js';
import { int } from '../args.js';

interface ExporterCliOptions extends LabCliOptions {
  config?: string;
  lab?: boolean;
  netns?: string;
  to?: string;
  listen?: string;
  interval?: string;
  size?: string;
  buckets?: string;
  rescan?: string;
}

/** Everything the exporter runs with, from the options and (when given) the config file, checked. */
function load(targets: string[], o: ExporterCliOptions): { config: ExporterConfig; fixed: Target[] } {
  let file: ReturnType<typeof parseConfigText> = {};
  if (o.config !== undefined) {
    let text: string;
    try {
      text = readFileSync(o.config, 'utf8');
    } catch (e) {
      throw new VpingError(asErrorCode((e as NodeJS.ErrnoException).code), `${o.config}: ${(e as Error).message.replace(/^[A-Z]+: /, '').replace(/, open '.*'$/, '')}`);
    }
    file = parseConfigText(text, o.config);
  }
  const intervalS = o.interval !== undefined ? parseSeconds(o.interval, '--interval') : (file.intervalS ?? DEFAULT_INTERVAL_S);
  const size = o.size !== undefined ? int('--size', o.size) : (file.size ?? DEFAULT_SIZE);
  const fixed: Target[] = [...targets.map((t) => parseTargetArg(t, intervalS, size)), ...(file.targets ?? [])];
  const rules = [...(file.rules ?? [])];
  if ((o.netns === undefined) !== (o.to === undefined)) throw new UsageError('--netns GLOB and --to ADDRESS go together: each namespace the glob matches probes the address');
  if (o.netns !== undefined && o.to !== undefined) rules.push(checkRule({ glob: o.netns, address: o.to, intervalS, size }, '--netns'));
  const lab = (o.lab ?? false) || (file.lab ?? false);
  if (lab) {
    const ready = requireLabUp(resolveLab(labInput(o)));
    for (const p of ready.pairs) {
      for (const [a, b] of [[0, 1], [1, 0]] as const) fixed.push({ netns: p.ends[a].ns, address: p.ends[b].cidr.address, intervalS, size });
    }
  }
  if (fixed.length === 0 && rules.length === 0) {
    throw new UsageError('exporter: nothing to probe: give targets (NS:ADDRESS), --lab, --netns GLOB --to ADDRESS, or --config FILE');
  }
  let buckets = file.buckets ?? DEFAULT_BUCKETS;
  if (o.buckets !== undefined) {
    const [start, factor, count] = o.buckets.split(',');
    buckets = bucketsOf({ start, factor, count }, '--buckets');
  }
  const config: ExporterConfig = {
    listen: parseListen(o.listen ?? (file.listen ? `${file.listen.host.includes(':') ? `[${file.listen.host}]` : file.listen.host}:${file.listen.port}` : DEFAULT_LISTEN)),
    targets: dedupe(fixed),
    rules,
    lab,
    buckets,
    rescanS: o.rescan !== undefined ? parseSeconds(o.rescan, '--rescan') : (file.rescanS ?? DEFAULT_RESCAN_S),
  };
  if (!(config.rescanS >= 0.1)) throw new UsageError(`--rescan: ${config.rescanS} s is too short (at least 0.1)`);
  return { config, fixed: config.targets };
}

const log = (line: string): void => {
  process.stderr.write(`vping exporter: ${line}\n`);
};

export function register(program: Command): void {
  withLabOptions(
    program
      .command('exporter')
      .description('probe targets continuously from inside their namespaces and serve the figures for Prometheus on /metrics (SIGHUP reloads --config)')
      .argument('[targets...]', 'NS:ADDRESS, NS a name, a path or pid:N (as ns1:192.168.168.2)'),
    { mtu: false },
  )
    .option('--config <file>', 'YAML config: listen, interval, size, buckets, rescan, lab, targets, netns globs (see README)')
    .option('--lab', 'probe every pair of the lab, both ways')
    .option('--netns <glob>', 'probe from every /run/netns name that matches (rescanned), to --to')
    .option('--to <address>', 'the address the --netns matches probe')
    .option('--listen <host:port>', `where /metrics is served (default ${DEFAULT_LISTEN})`)
    .option('-i, --interval <s>', `seconds between probes of each target (default ${DEFAULT_INTERVAL_S}; 250ms, 2s also)`)
    .option('-s, --size <bytes>', `ICMP data bytes (default ${DEFAULT_SIZE})`)
    .option('--buckets <start,factor,count>', 'RTT histogram buckets: first upper bound in seconds, growth factor, number (default 1e-6,2,22: 1 µs to 2.1 s)')
    .option('--rescan <s>', `seconds between rescans of the globs and checks of each namespace (default ${DEFAULT_RESCAN_S})`)
    .action(
      action(async (targets: string[], o: ExporterCliOptions) => {
        const { config, fixed } = load(targets, o);
        requireRoot('exporter');
        const ex = new Exporter(config, fixed, log);
        let where;
        try {
          where = await ex.start();
        } catch (e) {
          const err = e as NodeJS.ErrnoException;
          await ex.close().catch(() => undefined);
          const why = err.code === 'EADDRINUSE' ? 'the address is in use (another exporter?)' : err.code === 'EADDRNOTAVAIL' ? 'no such local address' : err.message;
          fail(`exporter: cannot listen on ${o.listen ?? `${config.listen.host}:${config.listen.port}`}: ${why}`);
        }
        const host = where.host.includes(':') ? `[${where.host}]` : where.host;
        log(`listening on http://${host}:${where.port}/metrics; ${ex.probes.size} target${ex.probes.size === 1 ? '' : 's'}${config.rules.length ? `, ${config.rules.length} glob${config.rules.length === 1 ? '' : 's'}` : ''}`);
        process.on('SIGHUP', () => {
          if (o.config === undefined) {
            log('SIGHUP: no --config to reload; rescanning');
            ex.sync();
            return;
          }
          try {
            const next = load(targets, o);
            const r = ex.reload(next.config, next.fixed);
            log(`reloaded ${o.config}: ${r.added} added, ${r.removed} removed, ${r.kept} kept`);
          } catch (e) {
            log(`${e instanceof Error ? e.message : String(e)}; keeping the running config`);
          }
        });
        await new Promise<void>((resolve) => {
          const end = (): void => {
            process.off('SIGTERM', end);
            process.off('SIGINT', end);
            resolve();
          };
          process.on('SIGTERM', end);
          process.on('SIGINT', end);
        });
        await ex.close();
        log('stopped');
      }),
    );
}
