// The one error type of the frame decoders and of the pcap/pcapng readers. Printers do
// not throw it for short frames (they print tcpdump's `[|proto]` marker instead); the
// readers throw it for a file they cannot walk (a block length that lies, a bad magic).
import { VpingError } from '../sys/errors.js';

export class DecodeError extends VpingError {
  /** Byte offset in the input where decoding stopped. */
  readonly offset: number;
  constructor(message: string, offset: number) {
    super('EDECODE', message);
    this.offset = offset;
  }
}

/**
 * Thrown inside a printer when a field lies past the captured bytes; the top-level
 * printer catches it and prints ` [|proto]`, as tcpdump's nd_trunc_longjmp does.
 */
export class Truncated {
  constructor(readonly proto: string) {}
}
