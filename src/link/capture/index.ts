export * from './tpacket.js';
export * from './ring.js';
export * from './session.js';
