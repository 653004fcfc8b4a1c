// V8's on-disk compile cache (module.enableCompileCache, Node 22.1 and later), in the
// effective user's ~/.cache/vping/compile-cache. On Node 20 there is none and nothing happens.
//
// vping runs as root, and code read from a place another user can write would run as root
// too: so the directory is the effective user's home from the password database (not $HOME
// or $XDG_CACHE_HOME, which `sudo` may keep from the calling user), and it is used only if
// that user owns it and nobody else may write to it.
import { mkdirSync, statSync } from 'node:fs';
import module from 'node:module';
import { userInfo } from 'node:os';
import { join } from 'node:path';

type WithCache = typeof module & { enableCompileCache?: (dir?: string) => { status: number; directory?: string } };

/**
 * Turn the cache on for this process and the workers it starts (they read NODE_COMPILE_CACHE),
 * in `home`/.cache/vping/compile-cache. 'off': this Node has no cache, or it is turned off;
 * 'refused': the directory is not the user's alone, or cannot be made.
 */
export function enableCompileCache(home = userInfo().homedir): 'enabled' | 'off' | 'refused' {
  const m = module as WithCache;
  if (typeof m.enableCompileCache !== 'function' || process.env.NODE_DISABLE_COMPILE_CACHE) return 'off';
  try {
    const dir = join(home, '.cache', 'vping', 'compile-cache');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = statSync(dir);
    if (st.uid !== process.geteuid?.() || (st.mode & 0o022) !== 0) return 'refused';
    const r = m.enableCompileCache(dir);
    if (!r.directory) return 'refused';
    // workers take the directory from the environment
    process.env.NODE_COMPILE_CACHE = r.directory;
    return 'enabled';
  } catch {
    // no home, a read-only one: compile as without a cache
    return 'refused';
  }
}
