// The package entry exposes the library the README shows.
import { describe, expect, it } from 'vitest';
import * as vping from '../../src/index.js';

describe('library entry', () => {
  it('exports the README surface', () => {
    for (const name of ['labUp', 'labDown', 'labStatus', 'addNetns', 'delNetns', 'withNetns', 'openNetns', 'Rtnl', 'startPing', 'ping',
      'formatIpAddr', 'showAddrText', 'netnsList', 'VpingError', 'NetlinkError']) {
      expect(typeof (vping as Record<string, unknown>)[name], name).toBe('function');
    }
  });
});
