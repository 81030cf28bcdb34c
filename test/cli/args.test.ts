/**
 * The CLIs' argument parser: a word with one leading dash is a value (a base64url key id may start
 * with '-'; `client key revoke ID -1Xy…` failed as an unknown option '-1' for one key in 64), given
 * back as it was; -h and the long options are options.
 */
import { describe, expect, it } from 'vitest';
import { parse } from '../../src/cli/args';

describe('parse', () => {
  it('takes a positional that starts with one dash as it is, beside options', () => {
    const r = parse(['revoke', 'client-1', '-1XyZ_a', '--json'], {});
    expect(r.positionals).toEqual(['revoke', 'client-1', '-1XyZ_a']);
    expect(r.values.json).toBe(true);
  });

  it("takes an option's value that starts with one dash, and a repeated one's", () => {
    const r = parse(['--reason', '-not-ours', '--hash', '-a', '--hash', 'b'], { reason: { type: 'string' }, hash: { type: 'string', multiple: true } });
    expect(r.values.reason).toBe('-not-ours');
    expect(r.values.hash).toEqual(['-a', 'b']);
  });

  it('still reads -h, a lone dash (stdin) and words after --', () => {
    const r = parse(['-h', '-', '--', '--x'], {});
    expect(r.values.help).toBe(true);
    expect(r.positionals).toEqual(['-', '--x']);
  });
});
