// `vping exporter`: probes every target continuously from inside its namespace with the ICMP
// engine (shared workers: the targets started together run on at most one worker per core)
// and serves the figures on /metrics for Prometheus, through prom-client.
//
// Each target is a ping session that never ends (count 0) at its interval and size. Its
// ticks count the requests sent, its events the replies (RTT observed in the histogram, on
// ping's span: user send → kernel RX stamp), duplicates and errors by cause. A scrape reads
// counters kept in memory, so a slow or dead target never delays it. Every `rescan` seconds
// the globs are matched again (new namespaces start probing, vanished ones stop and their
// series go) and each target's namespace is checked to still be the one it was started in: a
// socket keeps a deleted namespace alive, so without this check a probe would go on
// measuring a namespace nobody can see; its series then say up 0 and count the cause, and
// the probe restarts when the namespace comes back. `reload` applies a new config: targets
// whose labels did not change keep their counters.
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { errnoName } from '../../sys/errors.js';
import { listNetnsNames, netnsIdentity } from '../../ns/netns.js';
import { startPing, type PingSession } from '../../icmp/index.js';
import type { PingEvent } from '../../icmp/events.js';
import { bucketBounds, dedupe, globMatch, targetKey, type ExporterConfig, type Target } from './config.js';

/** The labels of one target's series. */
type Labels = { netns: string; destination: string; size: string };

/** The exporter's metrics in its own registry (with the process's own, as prom-client gives them). */
export class ExporterMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<keyof Labels>;
  readonly replies: Counter<keyof Labels>;
  readonly duplicates: Counter<keyof Labels>;
  readonly errors: Counter<keyof Labels | 'cause'>;
  readonly rtt: Histogram<keyof Labels>;
  readonly up: Gauge<keyof Labels>;
  readonly targets: Gauge;
  constructor(buckets: number[]) {
    const registers = [this.registry];
    const labelNames = ['netns', 'destination', 'size'] as const;
    this.requests = new Counter({ name: 'vping_probe_requests_total', help: 'ICMP echo requests sent', labelNames, registers });
    this.replies = new Counter({ name: 'vping_probe_replies_total', help: 'ICMP echo replies received (duplicates not counted)', labelNames, registers });
    this.duplicates = new Counter({ name: 'vping_probe_duplicate_replies_total', help: 'ICMP echo replies received more than once', labelNames, registers });
    this.errors = new Counter({
      name: 'vping_probe_errors_total',
      help: 'probes that failed, by cause: a send error (errno name), an ICMP error (its text), netns_gone, engine',
      labelNames: [...labelNames, 'cause'], registers,
    });
    this.rtt = new Histogram({
      name: 'vping_probe_rtt_seconds',
      help: "round-trip time of each echo, on ping's span (user send to the reply's kernel RX stamp)",
      labelNames, buckets, registers,
    });
    this.up = new Gauge({ name: 'vping_probe_up', help: '1 while the target is probed from its namespace, 0 when it cannot be (namespace gone, engine error)', labelNames, registers });
    this.targets = new Gauge({ name: 'vping_exporter_targets', help: 'targets configured', registers });
    collectDefaultMetrics({ register: this.registry });
    // prom-client's totals of active handles, requests and resources are gauges named _total,
    // which Prometheus' conventions (and promtool) keep for counters; the per-type gauges stay
    for (const n of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) this.registry.removeSingleMetric(n);
  }
  /** Drop every series of a target (it left the config or its namespace left the glob). */
  remove(l: Labels, causes: Iterable<string>): void {
    for (const m of [this.requests, this.replies, this.duplicates, this.rtt, this.up]) m.remove(l);
    for (const cause of causes) this.errors.remove({ ...l, cause });
  }
}

/** `destination host unreachable` → `destination_host_unreachable`, a label value. */
const causeOf = (text: string): string => text.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '') || 'icmp_error';

/** One target's probe: its session, its namespace identity, and its series. */
class Probe {
  session: PingSession | null = null;
  identity: string | null = null;
  readonly labels: Labels;
  /** the causes this target's errors were counted under (their series go with it) */
  readonly causes = new Set<string>();
  constructor(readonly target: Target, private readonly m: ExporterMetrics, private readonly log: (line: string) => void) {
    this.labels = { netns: target.netns, destination: target.address, size: String(target.size) };
    // series exist from the start (a target that never answers still shows 0)
    for (const c of [m.requests, m.replies, m.duplicates]) c.inc(this.labels, 0);
    m.up.set(this.labels, 0);
  }

  /** Start probing if the namespace is there; false (series up 0) if it is not. */
  start(): boolean {
    const id = netnsIdentity(this.target.netns);
    if (id === null) return false;
    this.identity = id;
    const t = this.target;
    const s = startPing({
      destination: t.address, netns: t.netns, interval: t.intervalS, size: t.size,
      events: true, floodTicks: true, shared: true, timeout: 1,
      // the RTT distribution is the Prometheus histogram's; the engine keeps none (flat memory)
      percentiles: false,
    });
    this.session = s;
    const l = this.labels;
    s.on('tick', (k) => {
      if (k.sent) this.m.requests.inc(l, k.sent);
    });
    s.on('event', (e: PingEvent) => this.event(e));
    s.on('ready', () => this.m.up.set(l, 1));
    s.done.then(
      () => this.ended(s, null),
      (e: Error) => this.ended(s, e),
    );
    return true;
  }

  private event(e: PingEvent): void {
    const l = this.labels;
    if (e.type === 'reply') {
      if (e.dup) this.m.duplicates.inc(l);
      else {
        this.m.replies.inc(l);
        if (e.rttNs !== null) this.m.rtt.observe(l, e.rttNs / 1e9);
      }
    } else if (e.type === 'local-error') this.error(errnoName(e.errno));
    else if (e.type === 'icmp-error') this.error(causeOf(e.text));
  }

  private error(cause: string): void {
    this.causes.add(cause);
    this.m.errors.inc({ ...this.labels, cause });
  }

  private ended(s: PingSession, e: Error | null): void {
    if (this.session !== s) return; // stopped on purpose
    this.session = null;
    this.m.up.set(this.labels, 0);
    this.error('engine');
    this.log(`${this.target.netns} → ${this.target.address}: the probe ended${e ? `: ${e.message}` : ''}; retried at the next rescan`);
  }

  /** The namespace is still the one probed (or the probe starts when it has come back). */
  check(): void {
    const id = netnsIdentity(this.target.netns);
    if (this.session && id !== this.identity) {
      this.stop();
      this.error('netns_gone');
      this.log(`${this.target.netns}: the namespace ${id === null ? 'is gone' : 'was replaced'}; ${this.target.address} is not probed until it is back`);
    }
    if (!this.session && id !== null) this.start();
  }

  stop(): void {
    const s = this.session;
    this.session = null;
    s?.stop();
    this.m.up.set(this.labels, 0);
  }
}

/** A running exporter: its HTTP server, its probes, and the config they came from. */
export class Exporter {
  readonly metrics: ExporterMetrics;
  readonly probes = new Map<string, Probe>();
  #config: ExporterConfig;
  #server: Server | null = null;
  #timer: NodeJS.Timeout | null = null;
  /** targets given outright (command line, config file, lab), before the globs' matches */
  #fixed: Target[];
  constructor(config: ExporterConfig, fixed: Target[], private readonly log: (line: string) => void = () => undefined) {
    this.#config = config;
    this.#fixed = fixed;
    this.metrics = new ExporterMetrics(bucketBounds(config.buckets));
  }

  /** Every target now: the fixed ones and each /run/netns name a glob matches. */
  wanted(): Target[] {
    const out = [...this.#fixed];
    const names = this.#config.rules.length ? listNetnsNames() : [];
    for (const r of this.#config.rules) {
      for (const n of names) if (globMatch(r.glob, n)) out.push({ netns: n, address: r.address, intervalS: r.intervalS, size: r.size });
    }
    return dedupe(out);
  }

  /** Bring the probes in line with `wanted()`: start new ones, stop gone ones, restart changed ones. */
  sync(): { added: number; removed: number; kept: number } {
    const want = new Map(this.wanted().map((t) => [targetKey(t), t]));
    let added = 0;
    let removed = 0;
    let kept = 0;
    for (const [k, p] of this.probes) {
      const t = want.get(k);
      if (!t) {
        p.stop();
        this.metrics.remove(p.labels, p.causes);
        this.probes.delete(k);
        removed++;
      } else if (t.intervalS !== p.target.intervalS) {
        // same series, new pace: the counters go on
        p.stop();
        const q = new Probe(t, this.metrics, this.log);
        for (const c of p.causes) q.causes.add(c);
        this.probes.set(k, q);
        q.start();
        kept++;
      } else {
        p.check();
        kept++;
      }
    }
    for (const [k, t] of want) {
      if (this.probes.has(k)) continue;
      const p = new Probe(t, this.metrics, this.log);
      this.probes.set(k, p);
      if (!p.start()) this.log(`${t.netns}: no such namespace now; ${t.address} is probed once it appears`);
      added++;
    }
    this.metrics.targets.set(this.probes.size);
    return { added, removed, kept };
  }

  /** Listen, start every probe, and rescan every `rescan` seconds. Rejects when the address cannot be bound. */
  async start(): Promise<{ host: string; port: number }> {
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      } else if (path === '/metrics') {
        this.metrics.registry.metrics().then(
          (text) => res.writeHead(200, { 'Content-Type': this.metrics.registry.contentType }).end(req.method === 'HEAD' ? undefined : text),
          (e: Error) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`${e.message}\n`),
        );
      } else if (path === '/') {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end('<html><head><title>vping exporter</title></head><body><h1>vping exporter</h1><p><a href="/metrics">Metrics</a></p></body></html>\n');
      } else res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
    });
    const { host, port } = this.#config.listen;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#server = server;
    this.sync();
    this.#timer = setInterval(() => this.sync(), this.#config.rescanS * 1000);
    this.#timer.unref();
    const a = server.address();
    return typeof a === 'object' && a ? { host: a.address, port: a.port } : { host, port };
  }

  /** Apply a new config (SIGHUP): unchanged targets keep their counters. The listen address stays. */
  reload(config: ExporterConfig, fixed: Target[]): { added: number; removed: number; kept: number } {
    this.#config = { ...config, listen: this.#config.listen, buckets: this.#config.buckets };
    this.#fixed = fixed;
    if (this.#timer) {
      clearInterval(this.#timer);
      this.#timer = setInterval(() => this.sync(), config.rescanS * 1000);
      this.#timer.unref();
    }
    return this.sync();
  }

  /** Stop every probe and the server. */
  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    const sessions = [...this.probes.values()].map((p) => p.session).filter((s): s is PingSession => s !== null);
    for (const p of this.probes.values()) p.stop();
    await Promise.allSettled(sessions.map((s) => s.done));
    const srv = this.#server;
    if (srv) {
      const closed = new Promise<void>((r) => srv.close(() => r()));
      // a scraper's keep-alive connection would hold the close open
      srv.closeAllConnections();
      await closed;
    }
  }
}
