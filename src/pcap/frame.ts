// What a captured frame carries besides its bytes, shared by the capture rings that make
// frames, the files that store them and the printers that show them.

/** Direction of a frame as AF_PACKET's sll_pkttype says it (PACKET_HOST 0 … PACKET_OUTGOING 4). */
export type Direction = 'in' | 'out' | 'broadcast' | 'multicast' | 'otherhost' | 'unknown';
