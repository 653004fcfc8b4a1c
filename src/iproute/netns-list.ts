// `ip netns list`: the names in /run/netns, each with the nsid this namespace has
// assigned to it (RTM_GETNSID), when it has one.
import { listNetnsNames, openNetns } from '../ns/netns.js';
import { Rtnl } from '../link/rtnl.js';

/** One line of `ip netns list`: the name, and the nsid this namespace has for it (null when none). */
export interface NetnsEntry {
  name: string;
  /** The id the current namespace knows it by, or null when none is assigned. */
  id: number | null;
}

/** Names in /run/netns with their nsid as seen from here (null when none is assigned). */
export function netnsList(): NetnsEntry[] {
  const names = listNetnsNames();
  if (names.length === 0) return [];
  let rt: Rtnl | null = null;
  try {
    rt = Rtnl.open(null);
  } catch {
    rt = null; // without CAP_NET_ADMIN or netlink: names only, as ip does
  }
  try {
    return names.map((name) => {
      if (!rt) return { name, id: null };
      try {
        using ns = openNetns(name);
        return { name, id: rt.getNsid(ns.fd) };
      } catch {
        return { name, id: null };
      }
    });
  } finally {
    rt?.close();
  }
}
