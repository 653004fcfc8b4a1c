// NetlinkConn and Rtnl over a scripted kernel (no root): sequence and port filtering,
// dumps over several datagrams to NLMSG_DONE, DUMP_INTR retries, batched acks out of
// order, and the errors users read.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NLM_F, NLMSG, RTM } from '../../src/netlink/consts.js';
import { NetlinkError } from '../../src/netlink/errors.js';
import { Rtnl } from '../../src/link/rtnl.js';
import { formatIpAddr } from '../../src/iproute/format.js';
import { splitMessages, type NlMessage } from '../../src/netlink/nlmsg.js';
import { type NlEndpoint } from '../../src/netlink/transport.js';

const FIX = new URL('../fixtures/rtnl/', import.meta.url);

// naive framing (independent of the production writer)
const u32 = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return b;
};
const pad4 = (b: Buffer) => Buffer.concat([b, Buffer.alloc((4 - (b.length % 4)) % 4)]);
const nla = (type: number, p: Buffer) => pad4(Buffer.concat([Buffer.from([(4 + p.length) & 0xff, (4 + p.length) >> 8, type & 0xff, type >> 8]), p]));
function msg(type: number, flags: number, seq: number, pid: number, body: Buffer): Buffer {
  const p = pad4(body);
  const h = Buffer.alloc(16);
  h.writeUInt32LE(16 + p.length, 0);
  h.writeUInt16LE(type, 4);
  h.writeUInt16LE(flags, 6);
  h.writeUInt32LE(seq, 8);
  h.writeUInt32LE(pid, 12);
  return Buffer.concat([h, p]);
}
const PORT = 777;
const ack = (seq: number, errno = 0, text?: string) =>
  msg(NLMSG.ERROR, NLM_F.CAPPED | (text ? NLM_F.ACK_TLVS : 0), seq, PORT, Buffer.concat([u32(-errno), Buffer.alloc(16), text ? nla(1, Buffer.from(text + '\0')) : Buffer.alloc(0)]));
const done = (seq: number, flags: number = NLM_F.MULTI, errno = 0) => msg(NLMSG.DONE, flags, seq, PORT, u32(-errno));

/** A kernel in a script: for each request received, a function returns the datagrams to queue. */
class FakeKernel implements NlEndpoint {
  readonly portId = PORT;
  readonly requests: NlMessage[][] = [];
  readonly #queue: Buffer[] = [];
  constructor(readonly script: (reqs: NlMessage[], n: number) => Buffer[]) {}
  send(data: Uint8Array): void {
    const reqs = splitMessages(Buffer.from(data));
    this.requests.push(reqs);
    this.#queue.push(...this.script(reqs, this.requests.length - 1));
  }
  recv(): Buffer {
    const d = this.#queue.shift();
    if (!d) throw new Error('fake kernel: recv with nothing queued (the client would block forever)');
    return d;
  }
  close(): void {}
}

/** Link messages of the fixture (captured from the kernel), re-addressed to a request. */
const fixture = readFileSync(new URL('ipa-fx1.hex', FIX), 'utf8').trim().split('\n').map((l) => Buffer.from(l, 'hex'));
const fixtureMsgs = fixture.flatMap((d) => splitMessages(d));
const readdress = (m: NlMessage, seq: number, flags = m.flags) => msg(m.type, flags, seq, PORT, Buffer.from(m.payload));

describe('dumps', () => {
  it('reads every datagram to NLMSG_DONE and drops messages for other seqs or ports', () => {
    const links = fixtureMsgs.filter((m) => m.type === RTM.NEWLINK);
    const k = new FakeKernel(([req]) => [
      msg(RTM.NEWLINK, NLM_F.MULTI, req.seq + 1000, PORT, Buffer.alloc(16)), // stale seq: ignored
      Buffer.concat([readdress(links[0], req.seq), msg(RTM.NEWLINK, NLM_F.MULTI, req.seq, 12345, Buffer.alloc(3))]), // foreign port: ignored (even malformed)
      readdress(links[1], req.seq),
      done(req.seq),
    ]);
    const got = Rtnl.over(k).links();
    expect(got.map((l) => l.name)).toEqual(['lo', 'tap1']);
    const [req] = k.requests[0];
    expect(req.type).toBe(RTM.GETLINK);
    expect(req.flags).toBe(NLM_F.REQUEST | NLM_F.DUMP);
  });

  it('retries a dump marked NLM_F_DUMP_INTR and keeps only the clean attempt', () => {
    const links = fixtureMsgs.filter((m) => m.type === RTM.NEWLINK);
    const k = new FakeKernel(([req], n) =>
      n === 0
        ? [readdress(links[0], req.seq, NLM_F.MULTI | NLM_F.DUMP_INTR), done(req.seq, NLM_F.MULTI | NLM_F.DUMP_INTR)]
        : [Buffer.concat([readdress(links[0], req.seq), readdress(links[1], req.seq), done(req.seq)])],
    );
    const got = Rtnl.over(k).links();
    expect(k.requests).toHaveLength(2);
    expect(k.requests[1][0].seq).not.toBe(k.requests[0][0].seq);
    expect(got.map((l) => l.index)).toEqual([1, 2]);
  });

  it('gives up after repeated interruptions with a clear error', () => {
    const k = new FakeKernel(([req]) => [done(req.seq, NLM_F.MULTI | NLM_F.DUMP_INTR)]);
    expect(() => Rtnl.over(k).addrs()).toThrow(/interrupted/);
  });

  it('an error in NLMSG_DONE is a NetlinkError with the errno name', () => {
    const k = new FakeKernel(([req]) => [done(req.seq, NLM_F.MULTI, 22)]);
    try {
      Rtnl.over(k).links();
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(NetlinkError);
      expect((e as NetlinkError).code).toBe('EINVAL');
      expect((e as NetlinkError).op).toBe('link show');
    }
  });

  it('formatIpAddr over the replayed dumps equals what ip printed from the same bytes', () => {
    const k = new FakeKernel(([req]) => {
      const want = req.type === RTM.GETLINK ? RTM.NEWLINK : RTM.NEWADDR;
      return [...fixtureMsgs.filter((m) => m.type === want).map((m) => readdress(m, req.seq)), done(req.seq)];
    });
    const rt = Rtnl.over(k);
    const text = formatIpAddr(rt.links(), rt.addrs(), { nsidNames: new Map([[0, 'fx2']]) });
    expect(text).toBe(readFileSync(new URL('ipa-fx1.txt', FIX), 'utf8'));
  });
});

describe('batches and acks', () => {
  it('matches acks to requests by seq, in any order, and keeps going after a failure', () => {
    const k = new FakeKernel((reqs) => [ack(reqs[2].seq), ack(reqs[0].seq), ack(reqs[1].seq, 19, 'no such device')]);
    const errs = Rtnl.over(k).batch().setLink('lo', { up: true }).setLink('tap9', { up: true }).deleteLink(5).send();
    expect(k.requests[0]).toHaveLength(3);
    expect(errs[0]).toBeNull();
    expect(errs[2]).toBeNull();
    expect(errs[1]).toBeInstanceOf(NetlinkError);
    expect(errs[1]).toMatchObject({ code: 'ENODEV', errno: 19, kernelMessage: 'no such device', message: 'Cannot find device "tap9"' });
  });

  it('an EEXIST keeps the kernel wording and names the operation', () => {
    const k = new FakeKernel((reqs) => [ack(reqs[0].seq, 17)]);
    try {
      Rtnl.over(k).batch().addAddr(2, '10.1.2.3/24', {}, 'tap1').run();
      expect.unreachable();
    } catch (e) {
      expect((e as NetlinkError).code).toBe('EEXIST');
      expect((e as Error).message).toBe('addr add 10.1.2.3/24 dev tap1: RTNETLINK answers: File exists');
    }
  });

  it('getNsid reads NETNSA_NSID and maps NOT_ASSIGNED (-1) to null', () => {
    let answer = 3;
    const k = new FakeKernel(([req]) => [msg(RTM.NEWNSID, 0, req.seq, PORT, Buffer.concat([Buffer.alloc(4), nla(1, u32(answer))]))]);
    const rt = Rtnl.over(k);
    expect(rt.getNsid(9)).toBe(3);
    answer = -1;
    expect(rt.getNsid(9)).toBeNull();
    const body = k.requests[0][0].payload;
    expect(body.readUInt16LE(4 + 2)).toBe(3); // NETNSA_FD
    expect(body.readUInt32LE(8)).toBe(9);
  });
});
