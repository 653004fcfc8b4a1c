// The numbers and struct offsets vping hands to the kernel, checked against the C headers of
// this machine (compiled with cc), and the per-CPU open(2) flags against both CPUs' headers.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as libc from '../../src/sys/libc.js';
import * as sock from '../../src/sys/socket.js';
import * as errno from '../../src/sys/errno.js';

const dir = mkdtempSync(join(tmpdir(), 'vping-abi-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Compile and run a C program printing `name value` lines; returns them as a map. */
function cValues(body: string): Map<string, number> {
  const src = join(dir, `p${Math.random().toString(36).slice(2)}.c`);
  writeFileSync(src, `#define _GNU_SOURCE
#include <stdio.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <linux/errqueue.h>
#include <linux/net_tstamp.h>
#define P(n) printf("%s %ld\\n", #n, (long)(n));
#define O(s, f, n) printf("%s %ld\\n", n, (long)offsetof(s, f));
int main(void) { ${body} return 0; }
`);
  const exe = src.replace(/\.c$/, '');
  execFileSync('cc', ['-o', exe, src]);
  const out = execFileSync(exe, { encoding: 'utf8' });
  return new Map(out.trim().split('\n').map((l) => {
    const at = l.lastIndexOf(' ');
    return [l.slice(0, at), Number(l.slice(at + 1))];
  }));
}

describe('ABI tables against the C headers', () => {
  it('errno numbers', () => {
    const names = Object.keys(errno);
    const c = cValues(names.map((n) => `P(${n})`).join(' '));
    for (const n of names) expect((errno as Record<string, number>)[n], n).toBe(c.get(n));
  });

  it('socket, poll and open numbers in libc.ts', () => {
    const names = ['AF_INET', 'AF_INET6', 'AF_NETLINK', 'AF_PACKET', 'SOCK_RAW', 'SOCK_DGRAM', 'SOCK_CLOEXEC', 'SOCK_NONBLOCK',
      'O_CREAT', 'O_EXCL', 'O_NONBLOCK', 'O_CLOEXEC', 'O_DIRECTORY', 'O_NOFOLLOW', 'MSG_DONTWAIT', 'MSG_ERRQUEUE', 'MSG_WAITFORONE',
      'MSG_PEEK', 'MSG_TRUNC', 'POLLIN', 'POLLOUT', 'POLLERR', 'POLLHUP', 'POLLNVAL', 'SOL_SOCKET', 'SO_RCVBUF', 'SO_SNDBUF', 'SO_TIMESTAMPNS',
      'SO_TIMESTAMPING', 'SO_BINDTODEVICE', 'SO_ATTACH_FILTER', 'SO_MARK'];
    const c = cValues(names.map((n) => `P(${n})`).join(' '));
    for (const n of names) expect((libc as unknown as Record<string, number>)[n], n).toBe(c.get(n));
  });

  it('socket options and struct offsets in socket.ts', () => {
    const c = cValues(`P(IPPROTO_IP) P(IPPROTO_IPV6) P(IP_RECVERR) P(IPV6_RECVERR) P(IP_TTL) P(IP_RECVTTL) P(IPV6_UNICAST_HOPS)
      P(IPV6_RECVHOPLIMIT) P(IPV6_HOPLIMIT) P(SO_RCVTIMEO) P(SO_SNDTIMEO) P(SCM_TIMESTAMPING)
      P(SOF_TIMESTAMPING_TX_SOFTWARE) P(SOF_TIMESTAMPING_TX_SCHED) P(SOF_TIMESTAMPING_RX_SOFTWARE) P(SOF_TIMESTAMPING_SOFTWARE)
      P(SOF_TIMESTAMPING_OPT_ID) P(SOF_TIMESTAMPING_OPT_TSONLY)
      P(SO_EE_ORIGIN_LOCAL) P(SO_EE_ORIGIN_ICMP) P(SO_EE_ORIGIN_ICMP6) P(SO_EE_ORIGIN_TIMESTAMPING) P(SCM_TSTAMP_SND) P(SCM_TSTAMP_SCHED)
      O(struct iovec, iov_len, "iov.len") P(sizeof(struct iovec))
      O(struct mmsghdr, msg_hdr.msg_namelen, "mm.namelen") O(struct mmsghdr, msg_hdr.msg_iov, "mm.iov") O(struct mmsghdr, msg_hdr.msg_iovlen, "mm.iovlen")
      O(struct mmsghdr, msg_hdr.msg_control, "mm.control") O(struct mmsghdr, msg_hdr.msg_controllen, "mm.controllen")
      O(struct mmsghdr, msg_hdr.msg_flags, "mm.flags") O(struct mmsghdr, msg_len, "mm.len") P(sizeof(struct mmsghdr))
      O(struct cmsghdr, cmsg_level, "cmsg.level") O(struct cmsghdr, cmsg_type, "cmsg.type") P(CMSG_LEN(0))
      O(struct sockaddr_in, sin_addr, "sin.addr") P(sizeof(struct sockaddr_in))
      O(struct sockaddr_in6, sin6_addr, "sin6.addr") O(struct sockaddr_in6, sin6_scope_id, "sin6.scope") P(sizeof(struct sockaddr_in6))
      O(struct pollfd, revents, "pollfd.revents") P(sizeof(struct pollfd))
      O(struct sock_extended_err, ee_origin, "ee.origin") O(struct sock_extended_err, ee_info, "ee.info") P(sizeof(struct sock_extended_err))`);
    const want: [string, number][] = [
      ['IPPROTO_IP', sock.IPPROTO_IP], ['IPPROTO_IPV6', sock.IPPROTO_IPV6], ['IP_RECVERR', sock.IP_RECVERR], ['IPV6_RECVERR', sock.IPV6_RECVERR],
      ['IP_TTL', sock.IP_TTL], ['IP_RECVTTL', sock.IP_RECVTTL], ['IPV6_UNICAST_HOPS', sock.IPV6_UNICAST_HOPS], ['IPV6_RECVHOPLIMIT', sock.IPV6_RECVHOPLIMIT],
      ['IPV6_HOPLIMIT', sock.IPV6_HOPLIMIT], ['SO_RCVTIMEO', sock.SO_RCVTIMEO], ['SO_SNDTIMEO', sock.SO_SNDTIMEO],
      ['SCM_TIMESTAMPING', sock.SCM_TIMESTAMPING],
      ['SOF_TIMESTAMPING_TX_SOFTWARE', sock.SOF_TIMESTAMPING.TX_SOFTWARE], ['SOF_TIMESTAMPING_TX_SCHED', sock.SOF_TIMESTAMPING.TX_SCHED],
      ['SOF_TIMESTAMPING_RX_SOFTWARE', sock.SOF_TIMESTAMPING.RX_SOFTWARE], ['SOF_TIMESTAMPING_SOFTWARE', sock.SOF_TIMESTAMPING.SOFTWARE],
      ['SOF_TIMESTAMPING_OPT_ID', sock.SOF_TIMESTAMPING.OPT_ID], ['SOF_TIMESTAMPING_OPT_TSONLY', sock.SOF_TIMESTAMPING.OPT_TSONLY],
      ['SO_EE_ORIGIN_LOCAL', sock.SO_EE_ORIGIN.LOCAL], ['SO_EE_ORIGIN_ICMP', sock.SO_EE_ORIGIN.ICMP], ['SO_EE_ORIGIN_ICMP6', sock.SO_EE_ORIGIN.ICMP6],
      ['SO_EE_ORIGIN_TIMESTAMPING', sock.SO_EE_ORIGIN_TIMESTAMPING], ['SCM_TSTAMP_SND', sock.SCM_TSTAMP.SND], ['SCM_TSTAMP_SCHED', sock.SCM_TSTAMP.SCHED],
      ['iov.len', sock.IOVEC.len], ['sizeof(struct iovec)', sock.IOVEC.size],
      ['mm.namelen', sock.MMSGHDR.namelen], ['mm.iov', sock.MMSGHDR.iov], ['mm.iovlen', sock.MMSGHDR.iovlen], ['mm.control', sock.MMSGHDR.control],
      ['mm.controllen', sock.MMSGHDR.controllen], ['mm.flags', sock.MMSGHDR.flags], ['mm.len', sock.MMSGHDR.len], ['sizeof(struct mmsghdr)', sock.MMSGHDR.size],
      ['cmsg.level', sock.CMSG.level], ['cmsg.type', sock.CMSG.type], ['CMSG_LEN(0)', sock.CMSG.data],
      ['sin.addr', sock.SOCKADDR_IN.addr], ['sizeof(struct sockaddr_in)', sock.SOCKADDR_IN.size],
      ['sin6.addr', sock.SOCKADDR_IN6.addr], ['sin6.scope', sock.SOCKADDR_IN6.scopeId], ['sizeof(struct sockaddr_in6)', sock.SOCKADDR_IN6.size],
      ['pollfd.revents', sock.POLLFD.revents], ['sizeof(struct pollfd)', sock.POLLFD.size],
      ['ee.origin', sock.SOCK_EE.origin], ['ee.info', sock.SOCK_EE.info], ['sizeof(struct sock_extended_err)', sock.SOCK_EE.size],
    ];
    for (const [k, v] of want) expect(v, k).toBe(c.get(k));
    // OPT_RX_FILTER (linux 6.x, 1 << 17) is newer than this machine's libc headers: the uapi value
    expect(sock.SOF_TIMESTAMPING.OPT_RX_FILTER).toBe(1 << 17);
  });

  it('open(2) flags per CPU: this machine from its headers, the other from the kernel uapi values', () => {
    const c = cValues('P(O_DIRECTORY) P(O_NOFOLLOW)');
    const arch = process.arch === 'arm64' ? 'arm64' : 'x64';
    expect(libc.ARCH_OPEN_FLAGS[arch]).toEqual({ O_DIRECTORY: c.get('O_DIRECTORY'), O_NOFOLLOW: c.get('O_NOFOLLOW') });
    // arch/arm64/include/uapi/asm/fcntl.h and include/uapi/asm-generic/fcntl.h
    expect(libc.ARCH_OPEN_FLAGS.arm64).toEqual({ O_DIRECTORY: 0o40000, O_NOFOLLOW: 0o100000 });
    expect(libc.ARCH_OPEN_FLAGS.x64).toEqual({ O_DIRECTORY: 0o200000, O_NOFOLLOW: 0o400000 });
  });
});
