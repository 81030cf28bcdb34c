/** core/text: what a message echoes of a client's input. */
import { describe, expect, it } from 'vitest';
import { shown } from '../../src/core/text';

describe('shown: a client value as a message quotes it', () => {
  it.each([
    ['a short string, in quotes', 'abc', 40, '"abc"'],
    ['exactly max characters, whole', 'x'.repeat(40), 40, `"${'x'.repeat(40)}"`],
    ['longer: cut with an ellipsis', 'x'.repeat(41), 40, `"${'x'.repeat(40)}…"`],
    ['another limit', 'y'.repeat(100), 64, `"${'y'.repeat(64)}…"`],
    ['C0 controls escaped', 'a\u0000b\nc', 40, '"a\\u0000b\\nc"'],
    ['DEL and C1 controls escaped', 'a\u007fb\u0085c\u009b', 40, '"a\\u007fb\\u0085c\\u009b"'],
    ['line separators and bidirectional overrides escaped', 'a\u2028b\u202ec\u2066', 40, '"a\\u2028b\\u202ec\\u2066"'],
    ['never cut inside a surrogate pair', `${'z'.repeat(39)}😀tail`, 40, `"${'z'.repeat(39)}…"`],
    ['a lone surrogate escaped', 'a\ud800b', 40, '"a\\ud800b"'],
  ])('%s', (_what, input, max, out) => {
    expect(shown(input, max)).toBe(out);
  });

  it('other values by their kind', () => {
    expect([undefined, null, 5, Number.NaN, true, [1], { a: 1 }].map((v) => shown(v))).toEqual([
      'nothing',
      'null',
      '5',
      'not a number',
      'true',
      'an array',
      'an object',
    ]);
  });
});
