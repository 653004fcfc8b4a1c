// `ping -j` as upstream iputils prints it (ping_json.c): JSON lines, one object per reply or
// error as it happens, then one statistics object with ping's keys — host, transmitted,
// received, duplicates, corrupted, errors, loss (integer %), time (ms), rtt {min, avg, max,
// mdev} as strings in ms exactly as the text prints them, and pipe, ipg, ewma when the text has
// them. vping's own figures sit beside ping's keys, named by the JSON rule (snake_case, the
// unit in the key): each span's RTT in ns, percentiles, the address and id. Pure: each
// function reads one event or the statistics and returns the object (the CLI adds `schema`).
import { ewmaText, realText, timeField, usText } from './format.js';
import { CLOCKS, type Stats } from './stats.js';
import type { PingEvent } from './events.js';

/** One event's object: a reply (`icmp_seq`, `ttl`, `time`…) or an error (`error`, and what ping's line names). */
export function eventJson(e: PingEvent, withTimestamp: boolean): { kind: 'reply' | 'error'; body: Record<string, unknown> } {
  const ts = withTimestamp ? { timestamp: realText(e.realUs) } : {};
  switch (e.type) {
    case 'reply': {
      const body: Record<string, unknown> = { ...ts, bytes: e.bytes, from: e.from, icmp_seq: e.seq };
      if (e.ttl >= 0) body.ttl = e.ttl;
      if (e.truncated) body.truncated = true;
      else if (e.rttNs !== null) body.time = timeField(Math.trunc(e.rttNs / 1000));
      if (e.dup) body.duplicate = true;
      if (e.badChecksum) body.bad_checksum = true;
      if (e.differentAddress) body.different_address = true;
      if (e.wrongData) body.wrong_data = { index: e.wrongData.index, expected: e.wrongData.expected, got: e.wrongData.got };
      // vping's: every span this reply measured, and which one `time` shows
      if (e.rttNs !== null) body.clock = e.clock;
      for (const [k, v] of [['ping_rtt_ns', e.pingRttNs], ['sched_rtt_ns', e.schedRttNs], ['kernel_rtt_ns', e.kernelRttNs], ['hrtime_rtt_ns', e.hrtimeRttNs]] as const) {
        if (v !== null) body[k] = v;
      }
      return { kind: 'reply', body };
    }
    case 'icmp-error':
      return { kind: 'error', body: { ...ts, error: e.text, from: e.from, icmp_seq: e.seq, icmp_type: e.icmpType, icmp_code: e.icmpCode } };
    case 'no-answer':
      return { kind: 'error', body: { ...ts, error: 'no answer yet', icmp_seq: e.seq } };
    case 'local-error':
      return { kind: 'error', body: { ...ts, error: e.text, icmp_seq: e.seq, errno: e.errno } };
  }
}

export interface StatisticsHead {
  host: string;
  address: string;
  family: 4 | 6;
  datalen: number;
  id: number;
}

/** The statistics object: ping's keys, then vping's. */
export function statisticsJson(h: StatisticsHead, st: Stats, exitStatus: number): Record<string, unknown> {
  const o: Record<string, unknown> = {
    host: h.host,
    transmitted: st.transmitted,
    received: st.received,
    duplicates: st.duplicates,
    corrupted: st.corrupted,
    errors: st.errors,
    loss: st.transmitted ? Math.trunc(((st.transmitted - st.received) * 100) / st.transmitted) : 0,
    time: st.timeMs,
  };
  const f = st.iputils;
  if (f) o.rtt = { min: usText(f.minUs), avg: usText(f.avgUs), max: usText(f.maxUs), mdev: usText(f.mdevUs) };
  if (st.pipe > 1) o.pipe = st.pipe;
  if (f && f.ipgUs !== null) {
    o.ipg = usText(f.ipgUs);
    o.ewma = ewmaText(f.ewma8);
  }
  // vping's figures
  o.address = h.address;
  o.family = h.family;
  o.datalen = h.datalen;
  o.id = h.id;
  o.loss_percent = st.lossPercent;
  o.elapsed_ns = st.elapsedNs;
  o.exit_status = exitStatus;
  o.clock = st.primaryClock;
  if (f) o.rtt_us = { min: f.minUs, avg: f.avgUs, max: f.maxUs, mdev: f.mdevUs };
  const spans: Record<string, unknown> = {};
  for (const c of CLOCKS) {
    const r = st.rtt[c];
    if (!r) continue;
    spans[c] = r.samples === 0 ? { samples: 0 } : { samples: r.samples, min_ns: r.minNs, mean_ns: r.meanNs, max_ns: r.maxNs, p50_ns: r.p50Ns, p90_ns: r.p90Ns, p99_ns: r.p99Ns, p999_ns: r.p999Ns };
  }
  o.spans = spans;
  o.kernel_tx_missing = st.kernelTxMissing;
  return o;
}
