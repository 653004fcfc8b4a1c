// koffi, loaded the short way where it can be. Its own loader (an ES module, a CommonJS
// platform package, and a read of the node binary's ELF headers to tell glibc from musl)
// takes about 8.5 ms on every thread that loads it, before the native module's 2.4 ms; vping
// loads it on the main thread and on each engine worker, at every start. On glibc Linux
// (x64, arm64) the native module of koffi's own platform package is loaded directly; on any
// other system, or any other layout of node_modules, or if that load fails, koffi's loader
// runs as before. Either way it is the same native module, and its exports are koffi's.
import { createRequire } from 'node:module';
import type koffiModule from 'koffi';

type Koffi = typeof koffiModule;
const require = createRequire(import.meta.url);

function load(): Koffi {
  const arch = process.arch;
  if (process.platform === 'linux' && (arch === 'x64' || arch === 'arm64')) {
    try {
      const native = require(`@koromix/koffi-linux-${arch}/linux_${arch}/koffi.node`) as Koffi & { version?: unknown };
      if (typeof native.version === 'string') return native;
    } catch {
      // musl, a package manager's other layout, a missing binary: koffi's own loader decides
    }
  }
  return require('koffi') as Koffi;
}

const koffi: Koffi = load();
export default koffi;
