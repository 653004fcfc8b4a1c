import { VpingError } from '../sys/errors.js';

/** A packet the reply parser cannot read (truncated, bad header length): the only error it throws. */
export class IcmpParseError extends VpingError {
  constructor(message: string) {
    super('EICMPPARSE', message);
  }
}
