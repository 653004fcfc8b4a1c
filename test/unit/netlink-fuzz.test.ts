// The netlink parsers fed what a hostile or broken kernel reply could be: the bytes of real
// replies (ip a of a lab namespace, a new link, a new address), mutated and truncated. Each
// either decodes or throws the codec's own error (NetlinkError, EBADMSG); never a TypeError
// or RangeError from reading past a buffer, never a hang. Bounded: a fixed seed, 3,000 cases.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RTM } from '../../src/netlink/consts.js';
import { NetlinkError } from '../../src/netlink/errors.js';
import { parseAck, parseDone, splitMessages, type NlMessage } from '../../src/netlink/nlmsg.js';
import { parseAttrs } from '../../src/netlink/nlattr.js';
import { decodeAddr } from '../../src/link/ifaddrmsg.js';
import { decodeLink } from '../../src/link/ifinfomsg.js';
import { formatIpAddr } from '../../src/iproute/format.js';

const FIX = new URL('../fixtures/rtnl/', import.meta.url);
const seeds = ['ipa-fx1.hex', 'newaddr.hex', 'newlink-veth.hex', 'setlink-up.hex'].flatMap((f) =>
  readFileSync(new URL(f, FIX), 'utf8').trim().split('\n').map((l) => Buffer.from(l, 'hex')));

/** Everything a reply goes through on its way to `ip a`: split, decode by type, print. */
function walk(buf: Buffer): number {
  const msgs: NlMessage[] = splitMessages(buf);
  const links = [];
  const addrs = [];
  for (const m of msgs) {
    if (m.type === RTM.NEWLINK || m.type === RTM.SETLINK) links.push(decodeLink(m.payload));
    else if (m.type === RTM.NEWADDR) addrs.push(decodeAddr(m.payload));
    else if (m.type === 2) parseAck(m);
    else if (m.type === 3) parseDone(m);
    else parseAttrs(m.payload);
  }
  formatIpAddr(links, addrs, {});
  return msgs.length;
}

describe('netlink parsers under mutation', () => {
  it('the seeds decode whole', () => {
    expect(seeds.length).toBeGreaterThan(3);
    for (const s of seeds) expect(walk(s)).toBeGreaterThan(0);
  });

  it('3,000 mutated and truncated replies: decoded or NetlinkError, nothing else', () => {
    let seed = 0x5eed;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    let errors = 0;
    let decoded = 0;
    for (let k = 0; k < 3000; k++) {
      const base = seeds[rnd(seeds.length)];
      let b = Buffer.from(base);
      switch (k % 4) {
        case 0:
          b = b.subarray(0, rnd(b.length + 1));
          break;
        case 1: // a length field: the message's or an attribute's (u16 at an even offset)
          b.writeUInt16LE(rnd(0x10000), rnd(Math.max(1, b.length - 1)) & ~1);
          break;
        default:
          for (let m = 0; m < 1 + rnd(6); m++) b[rnd(b.length)] = rnd(256);
      }
      try {
        walk(b);
        decoded++;
      } catch (e) {
        if (!(e instanceof NetlinkError)) throw new Error(`case ${k}: ${(e as Error).name}: ${(e as Error).message}\n${b.toString('hex')}`, { cause: e });
        errors++;
      }
    }
    // both outcomes occur: the mutations reach past the headers, and not every one breaks
    expect(errors).toBeGreaterThan(100);
    expect(decoded).toBeGreaterThan(100);
  });
});
