// vping's library: what the CLI does, a script can do by import, with the same errors.
export { VpingError, UsageError, SysError, isVpingError } from './sys/errors.js';
export { openFds } from './sys/fd.js';
export * from './ns/index.js';
export * from './link/index.js';
export * from './icmp/index.js';
export * from './lab/index.js';
export * from './iproute/show.js';
export * from './iproute/netns-list.js';
