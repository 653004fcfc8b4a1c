// The deployment files under deploy/ are checked by the tools that will read them: the
// exporter's own config loader reads the DaemonSet's ConfigMap, promtool checks the
// Prometheus config and every PromQL expression of the Grafana dashboard, the dashboard's
// metrics are the exporter's, and the image's recipe is run: `docker build` where a daemon
// answers, else the same install from the package tarball (npm pack, then npm install of
// the tarball into a fresh prefix) and the installed `vping exporter --help`.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { ExporterMetrics } from '../../src/measure/exporter/exporter.js';
import { bucketBounds, DEFAULT_BUCKETS, parseConfigText } from '../../src/measure/exporter/config.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DEPLOY = join(ROOT, 'deploy');
const tmp = mkdtempSync(join(tmpdir(), 'vping-deploy-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const hasPromtool = spawnSync('promtool', ['--version']).status === 0;
if (!hasPromtool && process.env.CI === 'true') throw new Error('promtool is missing: scripts/install-test-deps.sh installs it (Debian package prometheus)');
const itPromtool = hasPromtool ? it : it.skip;

type K8s = { kind: string; data?: Record<string, string>; spec?: { template: { spec: Record<string, unknown> } } };

describe('deploy/kubernetes/daemonset.yaml', () => {
  const docs = parseAllDocuments(readFileSync(join(DEPLOY, 'kubernetes/daemonset.yaml'), 'utf8')).map((d) => d.toJS() as K8s);
  const ds = docs.find((d) => d.kind === 'DaemonSet')!;
  const pod = ds.spec!.template.spec as {
    hostNetwork: boolean; hostPID: boolean;
    containers: { args: string[]; securityContext: { privileged: boolean; capabilities: { drop: string[]; add: string[] } }; volumeMounts: { mountPath: string }[] }[];
  };
  const c = pod.containers[0];

  it('asks for the host network and processes and four capabilities, not privileged', () => {
    expect([pod.hostNetwork, pod.hostPID]).toEqual([true, true]);
    expect(c.securityContext.privileged).toBe(false);
    expect(c.securityContext.capabilities.drop).toEqual(['ALL']);
    expect(c.securityContext.capabilities.add.sort()).toEqual(['NET_ADMIN', 'NET_RAW', 'SYS_ADMIN', 'SYS_PTRACE']);
    expect(c.volumeMounts.map((v) => v.mountPath)).toContain('/var/run/netns');
  });

  it('its ConfigMap is a config the exporter accepts, and its arguments are the exporter\'s options', () => {
    const cm = docs.find((d) => d.kind === 'ConfigMap')!;
    const cfg = parseConfigText(cm.data!['exporter.yml'], 'exporter.yml');
    expect(cfg.rules).toEqual([{ glob: 'cni-*', address: '10.244.0.1', intervalS: 1, size: 56 }]);
    const help = execFileSync(process.execPath, [join(ROOT, 'dist/bin/vping.js'), 'exporter', '--help'], { encoding: 'utf8' });
    for (const a of c.args.filter((x) => x.startsWith('--'))) expect(help).toContain(a);
  });
});

describe('deploy/prometheus and deploy/grafana', () => {
  itPromtool('promtool accepts the Prometheus config', () => {
    const r = spawnSync('promtool', ['check', 'config', '--syntax-only', join(DEPLOY, 'prometheus/prometheus.yml')], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toMatch(/SUCCESS/);
    expect(r.status).toBe(0);
    const k = parse(readFileSync(join(DEPLOY, 'prometheus/kubernetes.yml'), 'utf8')) as { scrape_configs: { relabel_configs: { regex: string; action?: string }[] }[] };
    expect(k.scrape_configs[0].relabel_configs.find((x) => x.action === 'keep')!.regex).toBe('vping-exporter');
  });

  const dash = JSON.parse(readFileSync(join(DEPLOY, 'grafana/vping-dashboard.json'), 'utf8')) as { panels: { type: string; title: string; targets: { expr: string }[] }[] };
  const exprs = dash.panels.flatMap((p) => p.targets.map((t) => t.expr));

  it('the dashboard has a latency heatmap and a loss panel, over metrics the exporter exposes', () => {
    expect(dash.panels.some((p) => p.type === 'heatmap' && p.targets[0].expr.includes('vping_probe_rtt_seconds_bucket'))).toBe(true);
    expect(dash.panels.some((p) => /loss/i.test(p.title))).toBe(true);
    const m = new ExporterMetrics(bucketBounds(DEFAULT_BUCKETS));
    const names = new Set(m.registry.getMetricsAsArray().map((x) => x.name));
    for (const e of exprs) {
      for (const [used] of e.matchAll(/vping_[a-z_]+/g)) expect(names.has(used.replace(/_bucket$/, '')), `${used} in ${e}`).toBe(true);
    }
  });

  itPromtool('every dashboard expression is PromQL that promtool parses (Grafana variables filled in)', () => {
    const rules = {
      groups: [{
        name: 'dashboard',
        rules: exprs.map((e, i) => ({ record: `dashboard:expr${i}`, expr: e.replaceAll('$__rate_interval', '5m').replace(/\$(netns|destination)/g, '.*') })),
      }],
    };
    const f = join(tmp, 'rules.yml');
    writeFileSync(f, JSON.stringify(rules));
    const r = spawnSync('promtool', ['check', 'rules', f], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toMatch(new RegExp(`SUCCESS: ${exprs.length} rules found`));
    expect(r.status).toBe(0);
  });
});

describe('deploy/Dockerfile', () => {
  it('its recipe installs vping from the package tarball and runs the exporter', () => {
    execFileSync('npm', ['pack', '--pack-destination', tmp], { cwd: ROOT, stdio: 'ignore' });
    const tarball = readdirSync(tmp).find((f) => /^vping-.*\.tgz$/.test(f))!;
    expect(tarball).toBeDefined();
    const docker = spawnSync('docker', ['info'], { encoding: 'utf8', timeout: 10_000 });
    if (docker.status === 0) {
      // a container builder answers: build the image itself and run it
      const ctx = join(tmp, 'ctx');
      execFileSync('mkdir', ['-p', ctx]);
      execFileSync('cp', [join(tmp, tarball), join(DEPLOY, 'Dockerfile'), ctx]);
      execFileSync('docker', ['build', '-t', 'vping:test', '-f', join(ctx, 'Dockerfile'), ctx], { stdio: 'ignore', timeout: 600_000 });
      expect(execFileSync('docker', ['run', '--rm', 'vping:test', '--help'], { encoding: 'utf8' })).toContain('Usage: vping exporter');
      return;
    }
    // no builder here: the Dockerfile's RUN step, into a fresh prefix
    expect(readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8')).toMatch(/npm install --global --omit=dev \/tmp\/vping-\*\.tgz/);
    const prefix = join(tmp, 'prefix');
    execFileSync('npm', ['install', '--global', '--omit=dev', '--prefix', prefix, '--no-audit', '--no-fund', join(tmp, tarball)], { stdio: 'ignore', timeout: 300_000 });
    const bin = join(prefix, 'bin/vping');
    expect(execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim()).toBe((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
    expect(execFileSync(bin, ['exporter', '--help'], { encoding: 'utf8' })).toContain('Usage: vping exporter');
  }, 600_000);
});
