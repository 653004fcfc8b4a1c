// libpcap through koffi, for one thing: compiling a filter expression ("icmp or arp")
// into classic BPF with pcap_compile on a dead handle, so that the kernel runs it
// (SO_ATTACH_FILTER) and `vping capture -r` can run it too (bpf_filter). libpcap is
// loaded on first use; without it, a clear error names the Debian package.
import type { LibraryHandle } from 'koffi';
import koffi from './koffi.js';
import { VpingError } from './errors.js';

export const LIBPCAP = 'libpcap.so.0.8';
export const LIBPCAP_PACKAGE = 'libpcap0.8';
/** MAXIMUM_SNAPLEN of libpcap. */
export const PCAP_MAX_SNAPLEN = 262144;
const PCAP_NETMASK_UNKNOWN = 0xffffffff;

type Fn = ReturnType<LibraryHandle['func']>;
interface PcapFns {
  open_dead: Fn;
  compile: Fn;
  geterr: Fn;
  freecode: Fn;
  close: Fn;
  bpf_filter: Fn;
  lib_version: Fn;
}
let fns: PcapFns | null = null;

/** A filter that libpcap refused, with libpcap's own message. */
export class FilterError extends VpingError {
  constructor(expr: string, message: string) {
    super('EFILTER', `bad filter "${expr}": ${message}`);
  }
}

function load(): PcapFns {
  if (fns) return fns;
  let lib: LibraryHandle;
  try {
    lib = koffi.load(LIBPCAP);
  } catch (e) {
    throw new VpingError(
      'ENOLIBPCAP',
      `filter expressions need libpcap (${LIBPCAP}), which is not installed: install the Debian package ${LIBPCAP_PACKAGE} (apt-get install ${LIBPCAP_PACKAGE}) [${(e as Error).message.split('\n')[0]}]`,
    );
  }
  fns = {
    open_dead: lib.func('void *pcap_open_dead(int linktype, int snaplen)'),
    compile: lib.func('int pcap_compile(void *p, void *prog, const char *str, int optimize, uint32_t netmask)'),
    geterr: lib.func('const char *pcap_geterr(void *p)'),
    freecode: lib.func('void pcap_freecode(void *prog)'),
    close: lib.func('void pcap_close(void *p)'),
    bpf_filter: lib.func('unsigned int bpf_filter(void *pc, void *pkt, unsigned int wirelen, unsigned int buflen)'),
    lib_version: lib.func('const char *pcap_lib_version()'),
  };
  return fns;
}

/** Is libpcap loadable here? */
export function havePcap(): boolean {
  try {
    load();
    return true;
  } catch {
    return false;
  }
}

/** libpcap's version string (pcap_lib_version), for messages and reports. */
export function pcapVersion(): string {
  return load().lib_version() as string;
}

/**
 * Compile `expr` for `linktype` (1 = Ethernet). Returns the program as the kernel's
 * `struct sock_filter` array (8 bytes an instruction: code u16, jt u8, jf u8, k u32 —
 * the same layout as libpcap's struct bpf_insn). Throws FilterError with libpcap's text.
 */
export function compileFilter(expr: string, linktype = 1, snaplen = PCAP_MAX_SNAPLEN): Buffer {
  const f = load();
  const p = f.open_dead(linktype, snaplen);
  if (!p) throw new VpingError('ENOMEM', 'pcap_open_dead failed');
  // struct bpf_program: bf_len u32 @0, bf_insns ptr @8
  const prog = Buffer.alloc(16);
  try {
    if ((f.compile(p, prog, expr, 1, PCAP_NETMASK_UNKNOWN) as number) < 0) {
      throw new FilterError(expr, f.geterr(p) as string);
    }
    try {
      const n = prog.readUInt32LE(0);
      const insns = prog.readBigUInt64LE(8);
      const out = Buffer.alloc(n * 8);
      if (n > 0) Buffer.from(koffi.view(insns, n * 8)).copy(out);
      return out;
    } finally {
      f.freecode(prog);
    }
  } finally {
    f.close(p);
  }
}

/** A compiled program, runnable in user space (for reading files with a filter). */
export class UserFilter {
  readonly #insns: Buffer;
  constructor(readonly insns: Buffer) {
    // bpf_filter takes a bare insn pointer; keep the bytes alive and unmoved.
    this.#insns = Buffer.allocUnsafeSlow(insns.length);
    insns.copy(this.#insns);
  }
  /** The snap length the program returns (0 = rejected). */
  run(frame: Uint8Array, wirelen: number): number {
    if (this.#insns.length === 0) return wirelen;
    return load().bpf_filter(this.#insns, frame, wirelen, frame.length) as number;
  }
}
