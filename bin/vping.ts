#!/usr/bin/env node
// The vping command's entry: V8's compile cache first, then the CLI (cli.ts). Where Node has
// one (22.1 and later), the code compiled from vping's modules, commander and koffi is kept on
// disk, so a later start reads it instead of compiling again, on the main thread and in the
// engine workers. It is kept in the user's own cache directory, never in a shared /tmp.
// NODE_DISABLE_COMPILE_CACHE turns it off (compile-cache.ts).
import { enableCompileCache } from './compile-cache.js';

enableCompileCache();
await import('./cli.js');
