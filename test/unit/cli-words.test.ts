// What a new user types: help on every command group, and a mistyped command or verb gets
// "did you mean …" in its one line (exit 2), as git and npm answer.
import { describe, expect, it } from 'vitest';
import { isOneLineError, vping } from '../helpers/cli.js';

describe('help and mistyped words', () => {
  it('--help works on link, addr and netns (and help as a verb on link and addr)', () => {
    for (const args of [['link', '--help'], ['link', 'help'], ['addr', '--help'], ['addr', 'help'], ['netns', '--help']]) {
      const r = vping(args);
      expect(r.status, args.join(' ')).toBe(0);
      expect(r.stdout, args.join(' ')).toMatch(/^Usage: vping (link|addr|netns)/);
    }
  });

  it('a mistyped command or verb: one line with the suggestion, exit 2', () => {
    const cases: [string[], string][] = [
      [['lnk'], "vping: unknown command 'lnk' (did you mean link?) (see vping --help)"],
      [['netns', 'ad', 'x'], 'vping: netns: unknown command "ad" (did you mean add?) (add, del, list, identify, pids, exec)'],
      [['link', 'sett', 'tap1', 'up'], 'vping: link: unknown command "sett" (did you mean set?) (add, set, del, show)'],
      [['addr', 'ad', '10.0.0.1/24', 'dev', 'x'], 'vping: addr: unknown command "ad" (did you mean add?) (add, del, show)'],
    ];
    for (const [args, line] of cases) {
      const r = vping(args);
      expect(isOneLineError(r), args.join(' ')).toBe(true);
      expect(r.stderr.trim()).toBe(line);
    }
  });

  it('lab down does not offer --mtu (nothing to build)', () => {
    expect(vping(['lab', 'down', '--help']).stdout).not.toContain('--mtu');
    expect(vping(['lab', 'up', '--help']).stdout).toContain('--mtu');
  });
});
