/** core/text: what a message echoes of a client's input. */
import { describe, expect, it } from 'vitest';
import { firstInvalidUtf8, shown } from '../../src/core/text';

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

describe('firstInvalidUtf8: where bytes stop being UTF-8', () => {
  const strict = new TextDecoder('utf-8', { fatal: true });
  const valid = (b: Uint8Array) => {
    try {
      strict.decode(b);
      return true;
    } catch {
      return false;
    }
  };

  it.each([
    ['ASCII', [0x61, 0x62], -1],
    ['two, three and four bytes', [0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80], -1],
    ['a lead byte then ASCII', [0x61, 0xc3, 0x28], 1],
    ['a byte never in UTF-8', [0x61, 0x62, 0xff], 2],
    ['an overlong form', [0xc0, 0xaf], 0],
    ['an overlong three-byte form', [0xe0, 0x80, 0xaf], 0],
    ['a surrogate', [0x61, 0xed, 0xa0, 0x80], 1],
    ['above U+10FFFF', [0xf4, 0x90, 0x80, 0x80], 0],
    ['cut short', [0x61, 0xe2, 0x82], 1],
    ['a stray continuation byte', [0x80], 0],
  ])('%s', (_what, bytes, at) => {
    expect(firstInvalidUtf8(new Uint8Array(bytes))).toBe(at);
  });

  it("agrees with the platform's strict decoder on 20,000 random byte strings, and the bytes before the offset decode", () => {
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    for (let n = 0; n < 20_000; n++) {
      // Mostly bytes near UTF-8's boundaries, so that valid sequences come up often.
      const b = new Uint8Array(1 + (next() % 12)).map(
        () => [0x41, 0x7f, 0x80, 0x9f, 0xa0, 0xbf, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xc0][next() % 15],
      );
      const at = firstInvalidUtf8(b);
      expect(at === -1, String([...b])).toBe(valid(b));
      if (at >= 0) expect(valid(b.subarray(0, at)), String([...b])).toBe(true);
    }
  });
});
