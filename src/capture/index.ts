export { SOL_PACKET, PACKET, TPACKET_V3, ETH_P_ALL, PACKET_TYPE, SLL, REQ3, BLOCK, TP3, TP_STATUS, STATS3, FPROG } from './tpacket.js';
export * from './ring.js';
export * from './session.js';
