// libc, loaded once for every wrapper in src/sys (koffi caches nothing across loads, and one
// handle keeps one errno story: koffi.errno() is read right after each call).
import koffi from './koffi.js';

export const libc = koffi.load('libc.so.6');
