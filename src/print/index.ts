export * from './errors.js';
export * from './context.js';
export * from './time.js';
export * from './hexdump.js';
export * from './printer.js';
export { macString, ip4String, ip6String } from './bytes.js';
export { ETHERTYPE, ethertypeName } from './ether.js';
