// A reader for pcap (µs and ns, either byte order) and pcapng (SHB/IDB/EPB/SPB/PB/ISB,
// either byte order, several sections and interfaces). It trusts nothing in the file:
// every length is checked against the bytes present, and anything it cannot walk
// raises a DecodeError naming the offset.
import { DecodeError } from './errors.js';
import type { Direction } from './frame.js';
import {
  BT, BYTE_ORDER_MAGIC, EPB, EPB_OPT, IDB, IF_OPT, ISB, ISB_OPT, MAX_SNAPLEN, PB, PCAP_HDR, PCAP_MAGIC_NS, PCAP_MAGIC_US, PCAP_REC, SPB, pad4,
} from './format.js';

export interface ReadInterface {
  name: string | null;
  linktype: number;
  snaplen: number;
  /** ns per timestamp unit numerator/denominator: ts·mul/div = ns. */
  tsMul: bigint;
  tsDiv: bigint;
  tsOffsetS: bigint;
  /** From an Interface Statistics Block, when the file has one. */
  stats?: { recv?: bigint; drop?: bigint; delivered?: bigint };
}

export interface ReadRecord {
  ifId: number;
  tsNs: bigint;
  data: Uint8Array;
  len: number;
  dir: Direction | undefined;
}

export interface CaptureFile {
  format: 'pcap' | 'pcapng';
  /** pcap: the single interface; pcapng: those seen so far (grows while records() runs). */
  interfaces: ReadInterface[];
  records(): Generator<ReadRecord>;
}

const dirOfFlags = (f: number): Direction | undefined => [undefined, 'in', 'out', undefined][f & 3] as Direction | undefined;

export function openCapture(buf: Uint8Array): CaptureFile {
  if (buf.length < 4) throw new DecodeError(`not a capture file: ${buf.length} bytes`, 0);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const m = dv.getUint32(0, true);
  if (m === BT.SHB) return pcapng(buf, dv);
  for (const le of [true, false]) {
    const mm = dv.getUint32(0, le);
    if (mm === PCAP_MAGIC_US || mm === PCAP_MAGIC_NS) return pcap(buf, dv, le, mm === PCAP_MAGIC_NS);
  }
  throw new DecodeError(`not a pcap or pcapng file (magic 0x${dv.getUint32(0, false).toString(16).padStart(8, '0')})`, 0);
}

function pcap(buf: Uint8Array, dv: DataView, le: boolean, nano: boolean): CaptureFile {
  if (buf.length < PCAP_HDR.SIZE) throw new DecodeError('truncated pcap file header', 0);
  const snaplen = dv.getUint32(PCAP_HDR.SNAPLEN, le);
  const linktype = dv.getUint32(PCAP_HDR.LINKTYPE, le) & 0x03ffffff;
  const iface: ReadInterface = { name: null, linktype, snaplen, tsMul: nano ? 1n : 1000n, tsDiv: 1n, tsOffsetS: 0n };
  return {
    format: 'pcap',
    interfaces: [iface],
    *records() {
      let o = PCAP_HDR.SIZE;
      while (o < buf.length) {
        if (o + PCAP_REC.SIZE > buf.length) throw new DecodeError(`truncated record header at offset ${o}`, o);
        const sec = dv.getUint32(o + PCAP_REC.SEC, le);
        const frac = dv.getUint32(o + PCAP_REC.FRAC, le);
        const caplen = dv.getUint32(o + PCAP_REC.CAPLEN, le);
        const len = dv.getUint32(o + PCAP_REC.LEN, le);
        if (caplen > Math.max(MAX_SNAPLEN, snaplen)) throw new DecodeError(`invalid packet capture length ${caplen}, bigger than maximum of ${Math.max(MAX_SNAPLEN, snaplen)} at offset ${o}`, o);
        if (o + PCAP_REC.SIZE + caplen > buf.length) throw new DecodeError(`truncated record at offset ${o}: ${caplen} bytes announced, ${buf.length - o - PCAP_REC.SIZE} present`, o);
        const data = buf.subarray(o + PCAP_REC.SIZE, o + PCAP_REC.SIZE + caplen);
        o += PCAP_REC.SIZE + caplen;
        yield { ifId: 0, tsNs: BigInt(sec) * 1_000_000_000n + BigInt(frac) * iface.tsMul, data, len: Math.max(len, caplen), dir: undefined };
      }
    },
  };
}

function pcapng(buf: Uint8Array, dv0: DataView): CaptureFile {
  const interfaces: ReadInterface[] = [];
  return {
    format: 'pcapng',
    interfaces,
    *records() {
      let o = 0;
      let le = true;
      let sectionIfaces: ReadInterface[] = [];
      const dv = dv0;
      while (o < buf.length) {
        if (o + 12 > buf.length) throw new DecodeError(`truncated block header at offset ${o}`, o);
        let type = dv.getUint32(o, le);
        if (dv.getUint32(o, true) === BT.SHB) {
          type = BT.SHB;
          if (o + 28 > buf.length) throw new DecodeError(`truncated section header at offset ${o}`, o);
          const bom = dv.getUint32(o + 8, true);
          if (bom === BYTE_ORDER_MAGIC) le = true;
          else if (bom === 0x4d3c2b1a) le = false;
          else throw new DecodeError(`bad byte-order magic 0x${bom.toString(16)} at offset ${o}`, o);
          if (dv.getUint16(o + 12, le) !== 1) throw new DecodeError(`unsupported pcapng major version ${dv.getUint16(o + 12, le)} at offset ${o}`, o);
          sectionIfaces = [];
        }
        const total = dv.getUint32(o + 4, le);
        if (total < 12 || total % 4 !== 0 || total > buf.length - o) {
          throw new DecodeError(`bad block length ${total} at offset ${o} (${buf.length - o} bytes left)`, o);
        }
        if (dv.getUint32(o + total - 4, le) !== total) throw new DecodeError(`block at offset ${o}: trailing length ${dv.getUint32(o + total - 4, le)} differs from ${total}`, o);
        const end = o + total - 4;
        const ifOf = (id: number): ReadInterface => {
          const i = sectionIfaces[id];
          if (!i) throw new DecodeError(`packet for undeclared interface ${id} at offset ${o}`, o);
          return i;
        };
        const tsOf = (i: ReadInterface, hi: number, lo: number): bigint =>
          (((BigInt(hi) << 32n) | BigInt(lo)) * i.tsMul) / i.tsDiv + i.tsOffsetS * 1_000_000_000n;
        switch (type) {
          case BT.SHB:
            break;
          case BT.IDB: {
            if (o + IDB.OPTS > end) throw new DecodeError(`short interface block at offset ${o}`, o);
            const iface: ReadInterface = { name: null, linktype: dv.getUint16(o + IDB.LINKTYPE, le), snaplen: dv.getUint32(o + IDB.SNAPLEN, le), tsMul: 1000n, tsDiv: 1n, tsOffsetS: 0n };
            for (const [code, v] of options(buf, dv, o + IDB.OPTS, end, le)) {
              if (code === IF_OPT.NAME) iface.name = new TextDecoder().decode(v).replace(/\0+$/, '');
              else if (code === IF_OPT.TSRESOL && v.length >= 1) {
                const r = v[0];
                if (r & 0x80) {
                  const p = r & 0x7f;
                  if (p > 64) throw new DecodeError(`if_tsresol 2^-${p} out of range at offset ${o}`, o);
                  iface.tsMul = 1_000_000_000n;
                  iface.tsDiv = 1n << BigInt(p);
                } else {
                  if (r > 18) throw new DecodeError(`if_tsresol 10^-${r} out of range at offset ${o}`, o);
                  if (r <= 9) {
                    iface.tsMul = 10n ** BigInt(9 - r);
                    iface.tsDiv = 1n;
                  } else {
                    iface.tsMul = 1n;
                    iface.tsDiv = 10n ** BigInt(r - 9);
                  }
                }
              } else if (code === IF_OPT.TSOFFSET && v.length >= 8) {
                iface.tsOffsetS = new DataView(v.buffer, v.byteOffset, 8).getBigInt64(0, le);
              }
            }
            sectionIfaces.push(iface);
            interfaces.push(iface);
            break;
          }
          case BT.EPB:
          case BT.PB: {
            const L = type === BT.EPB ? EPB : PB;
            if (o + L.DATA > end) throw new DecodeError(`short packet block at offset ${o}`, o);
            const id = type === BT.EPB ? dv.getUint32(o + EPB.IFID, le) : dv.getUint16(o + PB.IFID, le);
            const i = ifOf(id);
            const caplen = dv.getUint32(o + L.CAPLEN, le);
            const len = dv.getUint32(o + L.ORIGLEN, le);
            if (caplen > end - (o + L.DATA)) throw new DecodeError(`packet block at offset ${o}: caplen ${caplen} runs past the block`, o);
            if (caplen > Math.max(MAX_SNAPLEN, i.snaplen || MAX_SNAPLEN)) throw new DecodeError(`invalid packet capture length ${caplen} at offset ${o}`, o);
            let dir: Direction | undefined;
            if (type === BT.EPB) {
              for (const [code, v] of options(buf, dv, o + EPB.DATA + pad4(caplen), end, le)) {
                if (code === EPB_OPT.FLAGS && v.length >= 4) dir = dirOfFlags(new DataView(v.buffer, v.byteOffset, 4).getUint32(0, le));
              }
            }
            const data = buf.subarray(o + L.DATA, o + L.DATA + caplen);
            const ts = tsOf(i, dv.getUint32(o + L.TSHIGH, le), dv.getUint32(o + L.TSLOW, le));
            o += total;
            yield { ifId: interfaces.indexOf(i), tsNs: ts, data, len: Math.max(len, caplen), dir };
            continue;
          }
          case BT.SPB: {
            if (o + SPB.DATA > end) throw new DecodeError(`short simple packet block at offset ${o}`, o);
            const i = ifOf(0);
            const len = dv.getUint32(o + SPB.ORIGLEN, le);
            const caplen = Math.min(len, end - (o + SPB.DATA), i.snaplen || MAX_SNAPLEN);
            const data = buf.subarray(o + SPB.DATA, o + SPB.DATA + caplen);
            o += total;
            yield { ifId: interfaces.indexOf(i), tsNs: 0n, data, len: Math.max(len, caplen), dir: undefined };
            continue;
          }
          case BT.ISB: {
            if (o + ISB.OPTS > end) throw new DecodeError(`short statistics block at offset ${o}`, o);
            const i = ifOf(dv.getUint32(o + ISB.IFID, le));
            const stats: NonNullable<ReadInterface['stats']> = {};
            for (const [code, v] of options(buf, dv, o + ISB.OPTS, end, le)) {
              if (v.length < 8) continue;
              const n = new DataView(v.buffer, v.byteOffset, 8).getBigUint64(0, le);
              if (code === ISB_OPT.IFRECV) stats.recv = n;
              else if (code === ISB_OPT.IFDROP) stats.drop = n;
              else if (code === ISB_OPT.USRDELIV) stats.delivered = n;
            }
            i.stats = stats;
            break;
          }
          default:
            break; // NRB, DSB, custom blocks: skipped
        }
        o += total;
      }
    },
  };
}

/** The options of a block between off and end, checked against end. */
function* options(buf: Uint8Array, dv: DataView, off: number, end: number, le: boolean): Generator<[number, Uint8Array]> {
  while (off + 4 <= end) {
    const code = dv.getUint16(off, le);
    const len = dv.getUint16(off + 2, le);
    if (code === 0) return;
    if (off + 4 + len > end) throw new DecodeError(`option ${code} at offset ${off} runs past its block (${len} bytes)`, off);
    yield [code, buf.subarray(off + 4, off + 4 + len)];
    off += 4 + pad4(len);
  }
}
