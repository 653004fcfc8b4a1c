// vping's JSON documents: the naming rule (bin/json.ts), the schema ids against the files in
// schemas/ both ways, ping -j's objects (iputils' keys, the same figures as the text), and
// capture -j's decoded fields on hand-made frames and on a capture file. The commands' real
// output is validated in test/priv/json-output.test.ts.
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { doc, SCHEMA, wire, wireKey } from '../../bin/json.js';
import { eventJson, statisticsJson } from '../../src/icmp/json.js';
import { statisticsBlock } from '../../src/icmp/format.js';
import { IputilsSums, iputilsFigures, type Stats } from '../../src/icmp/stats.js';
import { frameFields } from '../../src/print/fields.js';
import { LINKTYPE, Printer } from '../../src/print/printer.js';
import { openCaptureFd } from '../../src/pcap/reader.js';

import { badKeys, SCHEMA_DIR, schemaErrors, schemaFile } from '../helpers/schemas.js';

const baseStats = (over: Partial<Stats>): Stats => ({
  transmitted: 0, received: 0, duplicates: 0, corrupted: 0, errors: 0, lossPercent: 0, elapsedNs: 0, timeMs: 0,
  pipe: 0, timing: true, primaryClock: 'ping', iputils: null, rtt: { ping: null, sched: null, kernel: null, hrtime: null }, kernelTxMissing: 0, ...over,
});

describe('the naming rule', () => {
  it('turns library keys into snake_case with the unit last, and namespaces into netns', () => {
    expect(wireKey('minNs')).toBe('min_ns');
    expect(wireKey('p999Ns')).toBe('p999_ns');
    expect(wireKey('peerNs')).toBe('peer_netns');
    expect(wireKey('ns')).toBe('netns');
    expect(wireKey('size')).toBe('size_bytes');
    expect(wireKey('echoPerSec')).toBe('echo_per_s');
    expect(wireKey('icmp_seq')).toBe('icmp_seq');
    expect(wire({ tsNs: 1796316512988093288n, a: new Float64Array([1, 2]), u: undefined, list: [{ loUp: true }] })).toEqual({ ts_ns: '1796316512988093288', a: [1, 2], list: [{ lo_up: true }] });
  });
  it('finds keys that break it', () => {
    expect(badKeys({ ok_key: 1, p99_ns: 2, nested: [{ minNs: 1 }], 'Bad-Key': 0 })).toEqual(['$.nested[0].minNs', '$.Bad-Key']);
  });
  it('every schema id has its file in schemas/, and every vping schema file an id', () => {
    const files = readdirSync(SCHEMA_DIR).filter((f) => f.endsWith('.json'));
    const ids = Object.values(SCHEMA);
    for (const id of ids) expect(files, id).toContain(schemaFile(id));
    const vpingFiles = files.filter((f) => !f.startsWith('ip.') && f !== 'defs-v1.json');
    expect(vpingFiles.sort()).toEqual(ids.map(schemaFile).sort());
    for (const f of vpingFiles) {
      const s = JSON.parse(readFileSync(SCHEMA_DIR + f, 'utf8')) as { $id: string; properties: { schema: { const: string } } };
      expect(s.$id).toBe(f);
      expect(schemaFile(s.properties.schema.const)).toBe(f);
    }
  });
  it('a schema refuses a document with a key it does not name, a wrong type or no id', () => {
    const body = { action: 'down', changed: false, message: 'm', namespaces: [] };
    expect(schemaErrors(doc(SCHEMA.topologyChange, body))).toBe('');
    expect(schemaErrors({ ...doc(SCHEMA.topologyChange, body), extraKey: 1 })).toMatch(/additional properties/);
    expect(schemaErrors(doc(SCHEMA.topologyChange, { ...body, changed: 'no' }))).toMatch(/boolean/);
    expect(schemaErrors({ ...body, schema: 'vping.lab.change/1' }, 'topology.change-v1.json')).toMatch(/constant/);
  });
});

describe('ping -j (iputils JSON lines)', () => {
  const reply = {
    type: 'reply' as const, seq: 3, bytes: 64, from: '192.168.168.2', ttl: 64, rttNs: 105_140, clock: 'ping' as const, pingRttNs: 105_140, schedRttNs: null, kernelRttNs: 98_000, hrtimeRttNs: null,
    dup: false, badChecksum: false, truncated: false, differentAddress: false, wrongData: null, realUs: 1_796_316_463_305_871,
  };
  it('a reply carries what its line says: bytes, from, icmp_seq, ttl, time as printed', () => {
    const j = eventJson(reply, true);
    expect(j.kind).toBe('reply');
    expect(j.body).toEqual({ timestamp: '1796316463.305871', bytes: 64, from: '192.168.168.2', icmp_seq: 3, ttl: 64, time: '0.105', clock: 'ping', ping_rtt_ns: 105_140, kernel_rtt_ns: 98_000 });
    expect(schemaErrors(doc(SCHEMA.pingReply, j.body))).toBe('');
    const dup = eventJson({ ...reply, dup: true, rttNs: 12_345_678, pingRttNs: 12_345_678, kernelRttNs: null }, false).body;
    expect(dup).toMatchObject({ time: '12.3', duplicate: true });
    expect(dup).not.toHaveProperty('timestamp');
  });
  it('errors: ICMP errors, -O, and local errors', () => {
    const e = eventJson({ type: 'icmp-error', seq: 2, from: '10.0.0.1', icmpType: 3, icmpCode: 1, text: 'Destination Host Unreachable', realUs: 5 }, false);
    expect(e).toEqual({ kind: 'error', body: { error: 'Destination Host Unreachable', from: '10.0.0.1', icmp_seq: 2, icmp_type: 3, icmp_code: 1 } });
    expect(schemaErrors(doc(SCHEMA.pingError, e.body))).toBe('');
    expect(schemaErrors(doc(SCHEMA.pingError, eventJson({ type: 'no-answer', seq: 9, realUs: 1 }, false).body))).toBe('');
    expect(schemaErrors(doc(SCHEMA.pingError, eventJson({ type: 'local-error', seq: 9, errno: 101, text: 'sendmsg: Network is unreachable', realUs: 1 }, false).body))).toBe('');
  });
  it('the statistics: the same figures as the text, iputils keys first', () => {
    const s = new IputilsSums();
    for (const t of [42, 38]) s.add(t);
    const st = baseStats({ transmitted: 3, received: 2, lossPercent: 100 / 3, timeMs: 2000, elapsedNs: 2e9, iputils: iputilsFigures(s, 2, 0, 3, 2e9, false), pipe: 2 });
    const o = statisticsJson({ host: 'h', address: '192.168.168.2', family: 4, datalen: 56, id: 7 }, st, 1);
    expect(Object.keys(o).slice(0, 9)).toEqual(['host', 'transmitted', 'received', 'duplicates', 'corrupted', 'errors', 'loss', 'time', 'rtt']);
    expect(o).toMatchObject({ loss: 33, time: 2000, rtt: { min: '0.038', avg: '0.040', max: '0.042', mdev: '0.002' }, pipe: 2, loss_percent: 100 / 3, exit_status: 1 });
    const text = statisticsBlock('h', st);
    expect(text).toContain('rtt min/avg/max/mdev = 0.038/0.040/0.042/0.002 ms, pipe 2');
    expect(schemaErrors(doc(SCHEMA.pingStatistics, o))).toBe('');
    // nothing came back: no rtt, as the text prints no rtt line
    const none = statisticsJson({ host: 'h', address: '::1', family: 6, datalen: 56, id: 1 }, baseStats({ transmitted: 2, lossPercent: 100, rtt: { ping: { clock: 'ping', samples: 0, minNs: 0, maxNs: 0, meanNs: 0, p50Ns: 0, p90Ns: 0, p99Ns: 0, p999Ns: 0 }, sched: null, kernel: null, hrtime: null } }), 1);
    expect(none).not.toHaveProperty('rtt');
    expect(none).toMatchObject({ loss: 100, spans: { ping: { samples: 0 } } });
    expect(schemaErrors(doc(SCHEMA.pingStatistics, none))).toBe('');
  });
});

/** A frame from hex pieces. */
const hex = (...parts: string[]): Uint8Array => Uint8Array.from(Buffer.from(parts.join('').replace(/\s+/g, ''), 'hex'));
const ETH_V4 = '0a0000000002 0a0000000001 0800';
const ETH_V6 = '333300000016 0a0000000001 86dd';

describe('capture -j fields', () => {
  const frameDoc = (d: Uint8Array, linktype: number = LINKTYPE.ETHERNET) => doc(SCHEMA.captureFrame, { tsNs: 1n, interface: 'tap1', direction: 'out', len: d.length, caplen: d.length, linktype, ...frameFields(d, linktype), text: 'x' });
  it('Ethernet, IPv4, ICMP echo', () => {
    const icmp = hex('0800 0000 1234 0001 6162636465666768');
    const ip = hex('4500 0024 abcd 4000 4001 0000 c0a8a801 c0a8a802');
    const d = Uint8Array.from([...hex(ETH_V4), ...ip, ...icmp]);
    const f = frameFields(d, LINKTYPE.ETHERNET);
    expect(f.eth).toEqual({ src: '0a:00:00:00:00:01', dst: '0a:00:00:00:00:02', type: 0x0800 });
    expect(f.ip).toMatchObject({ version: 4, src: '192.168.168.1', dst: '192.168.168.2', proto: 1, ttl: 64, id: 0xabcd, len: 36, hdrLenBytes: 20, df: true, mf: false });
    expect(f.icmp).toEqual({ type: 8, code: 0, id: 0x1234, seq: 1 });
    expect(f.truncated).toBeUndefined();
    expect(schemaErrors(frameDoc(d))).toBe('');
    // cut inside the ICMP header: the layers before it, and where it stopped
    const cut = frameFields(d.subarray(0, 14 + 20 + 2), LINKTYPE.ETHERNET);
    expect(cut.ip?.src).toBe('192.168.168.1');
    expect(cut.icmp).toBeUndefined();
    expect(cut.truncated).toBe('icmp');
  });
  it('IPv6 with a hop-by-hop header, ICMPv6 echo; a fragment after the first has no upper header', () => {
    const hbh = '3a00 0502 0000 0100';
    const icmp6 = '8000 0000 0042 0007';
    const ip6 = `6000 0000 0010 0001 fe80000000000000000000fffe00000a ff020000000000000000000000000016`;
    const d = hex(ETH_V6, ip6, hbh, icmp6);
    const f = frameFields(d, LINKTYPE.ETHERNET);
    expect(f.ip6).toMatchObject({ src: 'fe80::ff:fe00:a', dst: 'ff02::16', nextHeader: 58, hopLimit: 1, payloadLenBytes: 16, extensions: [0] });
    expect(f.icmp6).toEqual({ type: 128, code: 0, id: 0x42, seq: 7 });
    expect(schemaErrors(frameDoc(d))).toBe('');
    const frag = hex(ETH_V6, `6000 0000 0010 2c40 ${'00'.repeat(15)}01 ${'00'.repeat(15)}02`, '1100 0059 0000 0001', '0035 0035 0010 0000');
    const g = frameFields(frag, LINKTYPE.ETHERNET);
    expect(g.ip6?.fragment).toEqual({ offsetBytes: 88, more: true, id: 1 });
    expect(g.udp).toBeUndefined();
  });
  it('ARP, TCP and UDP; raw IP and Linux cooked (SLL2) link types', () => {
    const arp = hex('ffffffffffff 0a0000000001 0806', '0001 0800 06 04 0001 0a0000000001 c0a8a801 000000000000 c0a8a802');
    expect(frameFields(arp, LINKTYPE.ETHERNET).arp).toEqual({ op: 1, senderMac: '0a:00:00:00:00:01', senderIp: '192.168.168.1', targetMac: '00:00:00:00:00:00', targetIp: '192.168.168.2' });
    const tcp = hex('4500 002c 0001 0000 4006 0000 0a000001 0a000002', '9c40 0050 00000064 000000c8 5018 ffff 0000 0000', '41424344');
    expect(frameFields(tcp, LINKTYPE.RAW).tcp).toEqual({ srcPort: 40000, dstPort: 80, seq: 100, ack: 200, flags: 'P.', window: 65535, payloadBytes: 4 });
    const udp = hex('0800 0000 00000002 0001 04 06 0a0000000001 0000', '4500 001c 0001 0000 4011 0000 0a000001 0a000002', 'd431 0035 0008 0000');
    const f = frameFields(udp, LINKTYPE.LINUX_SLL2);
    expect(f.sll).toEqual({ protocol: 0x0800, ifindex: 2, hatype: 1, pkttype: 4, addr: '0a:00:00:00:00:01' });
    expect(f.udp).toEqual({ srcPort: 54321, dstPort: 53, len: 8 });
    for (const [d, lt] of [[arp, LINKTYPE.ETHERNET], [tcp, LINKTYPE.RAW], [udp, LINKTYPE.LINUX_SLL2]] as [Uint8Array, number][]) expect(schemaErrors(frameDoc(d, lt))).toBe('');
  });
  it("agrees with tcpdump's line on every frame of a capture file", () => {
    const fd = openSync(new URL('../fixtures/capture/traffic.pcap', import.meta.url), 'r');
    try {
      const file = openCaptureFd(fd);
      const p = new Printer({ linktype: LINKTYPE.ETHERNET });
      let n = 0;
      for (const r of file.records()) {
        const f = frameFields(r.data, file.interfaces[r.ifId].linktype);
        const text = p.format({ tsNs: r.tsNs, data: r.data, len: r.len });
        const ip = f.ip ?? f.ip6;
        if (f.invalid) expect(text).toMatch(/bad-len|bad-hlen/);
        else if (ip) {
          expect(text, text).toContain(`${ip.src}`);
          expect(text, text).toContain(`${ip.dst}`);
        }
        if (f.icmp?.seq !== undefined) expect(text).toContain(`id ${f.icmp.id}, seq ${f.icmp.seq}`);
        if (f.arp) expect(text).toContain(f.arp.op === 1 ? `who-has ${f.arp.targetIp} tell ${f.arp.senderIp}` : `${f.arp.senderIp} is-at ${f.arp.senderMac}`);
        expect(schemaErrors(doc(SCHEMA.captureFrame, { tsNs: r.tsNs, interface: null, direction: null, len: r.len, caplen: r.data.length, linktype: 1, ...f, text }))).toBe('');
        n++;
      }
      expect(n).toBeGreaterThan(10);
    } finally {
      closeSync(fd);
    }
  });
});
