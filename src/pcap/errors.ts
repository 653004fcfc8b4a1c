// The one error type of the pcap/pcapng readers (and of a decoder that cannot go on): a file
// they cannot walk (a block length that lies, a bad magic), with the offset where it stopped.
import { VpingError } from '../sys/errors.js';

export class DecodeError extends VpingError {
  /** Byte offset in the input where decoding stopped. */
  readonly offset: number;
  constructor(message: string, offset: number) {
    super('EDECODE', message);
    this.offset = offset;
  }
}
