// The printers' truncation marker. A short frame is not an error: the printer prints
// tcpdump's `[|proto]` instead (DecodeError, for files that cannot be walked, is pcap's).

/**
 * Thrown inside a printer when a field lies past the captured bytes; the top-level
 * printer catches it and prints ` [|proto]`, as tcpdump's nd_trunc_longjmp does.
 */
export class Truncated {
  constructor(readonly proto: string) {}
}
