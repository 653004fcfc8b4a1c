// vping's library: what the CLI does, a script can do by import, with the same errors.
// Curated: the entry points and their types, not the struct tables behind them. Grouped as
// the folders are (docs/ARCHITECTURE.md).

// errors: every failure is a VpingError with a stable `code`
export { VpingError, UsageError, SysError, isVpingError, errnoName, strerrorText, type VpingErrorCode } from './sys/errors.js';
export { NetlinkError } from './netlink/errors.js';
export { DecodeError } from './pcap/errors.js';
export { FilterError, compileFilter, havePcap, pcapVersion } from './sys/pcap.js';

// namespaces
export {
  addNetns, delNetns, existsNetns, listNetnsNames, openNetns, currentNetns, withNetns, identifyPid, nameOfNetns,
  checkNetnsName, checkNetnsRef, parseNetnsRef, identifyNetns, netnsPids, netnsPath, NETNS_RUN_DIR, type NetNs, type NetnsRef, type NetnsTarget,
} from './ns/netns.js';
export { spawnInNetns, type ExecSetup } from './ns/exec.js';

// links and addresses (rtnetlink), and the ip views
export { Rtnl, RtnlBatch, type DevRef, type NsTarget, type VethOptions, type LinkSetOptions, type AddrOptions } from './link/rtnl.js';
export type { LinkInfo } from './link/ifinfomsg.js';
export type { AddrInfo } from './link/ifaddrmsg.js';
export { parseCidr, checkIfName, parseMacAddr, checkMtu, type Cidr } from './link/parse.js';
export { formatIpAddr, formatIpLink, ipAddrJson, ipLinkJson, type FormatOptions } from './iproute/format.js';
export { showAddrText, showAddrJson, showLinkText, showLinkJson, type ShowOptions } from './iproute/show.js';
export { netnsList, type NetnsEntry } from './iproute/netns-list.js';

// ping
export { ping, startPing, resolveDestination, exitCodeOf, type PingSession, type Resolved } from './icmp/index.js';
export type { PingOptions } from './icmp/options.js';
export type { PingResult } from './icmp/events.js';
export type { Stats, Clock, RttSummary } from './icmp/stats.js';
export type { PingEvent } from './icmp/events.js';
export { formatG, lossPercent, formatLoss } from './inet/number.js';
export { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from './inet/addr.js';
export { checksum } from './inet/checksum.js';

// the lab
export { labUp, labDown, labStatus, readyLab, requireLabUp, type ReadyLab, type LabStatus, type LabResult, type PairStatus, type EndStatus } from './lab/lab.js';
export { resolveLab, labPairs, SEED_LAB, MAX_PAIRS, type LabSpec, type LabInput, type LabPair, type LabEnd } from './lab/spec.js';

// capture, files and printers
export { CaptureSession, type CaptureTarget, type CaptureOptions, type CapturedFrame, type DirectionFilter, type InterfaceSummary, type StopReason } from './capture/session.js';
export { openCapture, openCaptureFd, type CaptureFile, type ReadRecord, type ReadInterface } from './pcap/reader.js';
export { openWriter, PcapWriter, PcapngWriter, WriteError, formatOfPath, type CaptureFormat, type PacketSink } from './pcap/writer.js';
export type { Direction } from './pcap/frame.js';
export { Printer, LINKTYPE, type PrinterOptions, type PrintableFrame } from './print/printer.js';

// measurements
export { runBench, checkBenchOptions, BENCH_DEFAULTS, type BenchOptions, type BenchProgress, type BenchHooks } from './measure/bench/run.js';
export { runTrace, checkTraceOptions, type TraceOptions, type TraceResult, type TraceHooks } from './measure/trace/run.js';

// the exporter: continuous in-namespace probes served for Prometheus
export { Exporter, ExporterMetrics } from './measure/exporter/exporter.js';
export { parseConfigText, type ExporterConfig, type Target as ExporterTarget, type NetnsRule, type Buckets } from './measure/exporter/config.js';
