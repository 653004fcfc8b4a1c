import { describe, expect, it } from 'vitest';
import { SysError, UsageError, VpingError, errnoName } from '../../src/sys/errors.js';

describe('errors', () => {
  it('names errno values as the kernel headers do', () => {
    expect(errnoName(19)).toBe('ENODEV');
    expect(errnoName(17)).toBe('EEXIST');
    expect(errnoName(11)).toBe('EAGAIN');
  });
  it('a SysError carries errno, code and operation', () => {
    const e = new SysError('setns(ns1)', 1);
    expect(e).toBeInstanceOf(VpingError);
    expect(e.code).toBe('EPERM');
    expect(e.errno).toBe(1);
    expect(e.message.startsWith('setns(ns1): ')).toBe(true);
  });
  it('a UsageError has the stable code EUSAGE', () => {
    expect(new UsageError('x').code).toBe('EUSAGE');
  });
});
