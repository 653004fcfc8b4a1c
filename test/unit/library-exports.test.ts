// The package entry: exactly the curated surface (an accidental export, a removed one or a
// struct table leaking in fails here), and what the README's example calls is callable.
import { describe, expect, it } from 'vitest';
import * as vping from '../../src/index.js';

const SURFACE = `BENCH_DEFAULTS CaptureSession DecodeError Exporter ExporterMetrics FilterError LINKTYPE MAX_PAIRS NETNS_RUN_DIR NetlinkError PcapWriter PcapngWriter
  Printer Rtnl RtnlBatch SEED_LAB SysError UsageError VpingError WriteError addNetns checkBenchOptions checkIfName checkMtu
  checkNetnsName checkNetnsRef checkTraceOptions checksum compileFilter currentNetns delNetns errnoName existsNetns exitCodeOf formatG
  formatIPv4 formatIPv6 formatIpAddr formatIpLink formatLoss formatOfPath havePcap identifyNetns identifyPid ipAddrJson ipLinkJson
  isVpingError labDown labPairs labStatus labUp listNetnsNames lossPercent nameOfNetns netnsList netnsPath netnsPids openCapture
  openCaptureFd openNetns openWriter parseCidr parseConfigText parseNetnsRef parseIPv4 parseIPv6 parseMacAddr pcapVersion ping readyLab requireLabUp resolveDestination resolveLab
  runBench runTrace showAddrJson showAddrText showLinkJson showLinkText spawnInNetns startPing strerrorText withNetns`.split(/\s+/);

describe('library entry', () => {
  it('exports exactly the curated names', () => {
    expect(Object.keys(vping).sort()).toEqual([...SURFACE].sort());
  });
  it('the README surface is callable, and errors are classes', () => {
    for (const name of ['labUp', 'labDown', 'labStatus', 'addNetns', 'delNetns', 'withNetns', 'openNetns', 'startPing', 'ping',
      'formatIpAddr', 'showAddrText', 'netnsList', 'openCapture', 'runBench', 'runTrace']) {
      expect(typeof (vping as Record<string, unknown>)[name], name).toBe('function');
    }
    for (const E of [vping.VpingError, vping.UsageError, vping.SysError, vping.NetlinkError, vping.DecodeError, vping.WriteError, vping.FilterError]) {
      expect(Object.prototype.isPrototypeOf.call(Error.prototype, E.prototype), E.name).toBe(true);
    }
    expect(new vping.UsageError('x')).toBeInstanceOf(vping.VpingError);
  });
});
