import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  canonicalTlsh,
  formatTlsh,
  normaliseText,
  packTlsh,
  parseTlsh,
  scanTlsh,
  textTlsh,
  tlshDigest,
  tlshDigestBytes,
  tlshDistance,
  TLSH_MIN_BYTES,
} from '../../src/core/tlsh';
import { LENGTH_TOPS, lengthCode } from '../../src/core/tlsh/tables';
import { mulberry32 } from '../../src/core/prng';
import { conformancePath } from '../support/conformance';

// Trend Micro's own test vectors (../shared/conformance/tlsh, see its README). conformancePath
// throws naming the folder it looked in when the data is absent, so these tests fail, not pass.
const dir = conformancePath('tlsh');
const utf8 = (s: string) => new TextEncoder().encode(s);

/** Lines of an expected file, split on tabs. */
function table(name: string): string[][] {
  return readFileSync(`${dir}/expected/${name}`, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => l.split('\t'));
}

const digests = table('example_data.128.1.len.out_EXP');
const ours = new Map<string, string | null>();
const digestOf = (path: string) => {
  if (!ours.has(path)) ours.set(path, tlshDigest(readFileSync(`${dir}/${path}`)));
  return ours.get(path)!;
};

describe('TLSH conformance (../shared/conformance/tlsh, reference 4.12.1)', () => {
  it('has the 80 digests and 80 scores of each kind', () => {
    expect(digests).toHaveLength(80);
    expect(table('example_data.128.1.len.scores_EXP')).toHaveLength(80);
    expect(table('example_data.128.1.xlen.scores_EXP')).toHaveLength(80);
  });

  it.each(digests)('digest %s of %s', (expected, path) => {
    expect(digestOf(path)).toBe(expected);
  });

  it.each([
    ['example_data.128.1.len.scores_EXP', true],
    ['example_data.128.1.xlen.scores_EXP', false],
  ] as const)('every score in %s (lengthTerm %s), from digests computed here', (file, lengthTerm) => {
    const rows = table(file);
    const got = rows.map(([a, b]) => tlshDistance(digestOf(a)!, digestOf(b)!, { lengthTerm }));
    expect(got).toEqual(rows.map((r) => Number(r[2])));
    // The file is not trivial: it has the self-distance 0 and scores in the hundreds.
    expect(Math.min(...got)).toBe(0);
    expect(Math.max(...got)).toBeGreaterThan(200);
  });

  it("python-threatexchange's text_tlsh test vector (py-tlsh on the raw UTF-8)", () => {
    const s = "A minimum string length must be 256 bytes! That's so much text this means it's not super useful for finding short text!";
    expect(tlshDigest(utf8(s))).toBe('T1DFB092A1724AC2C0D3CA48452291EA04A5B75EB903A6E7577A54118FFA8148E98F9426');
  });
});

describe('TLSH refusals', () => {
  const text = utf8('The quick brown fox jumps over the lazy dog, again and again!!');

  it(`refuses fewer than ${TLSH_MIN_BYTES} bytes and accepts exactly ${TLSH_MIN_BYTES}`, () => {
    expect(tlshDigest(text.subarray(0, 49))).toBeNull();
    expect(tlshDigest(text.subarray(0, 50))).toMatch(/^T1[0-9A-F]{70}$/);
    expect(tlshDigest(new Uint8Array(0))).toBeNull();
  });

  it('refuses inputs with too little variety however long', () => {
    expect(tlshDigest(new Uint8Array(100_000).fill(0x61))).toBeNull(); // one byte repeated: q3 = 0
    expect(tlshDigest(utf8('ab'.repeat(50_000)))).toBeNull(); // two windows only
    expect(tlshDigest(utf8('abcdefgh'.repeat(10_000)))).toBeNull(); // 8 windows: most buckets empty
  });

  it('refuses at exactly half the 128 buckets filled and accepts one more', () => {
    // 1000 bytes repeating a short run of letters: with these seeds the run of 26 fills 64 buckets
    // (q3 > 0, so only the half-empty rule refuses it) and the run of 29 fills 65.
    const periodic = (period: number) => {
      const rnd = mulberry32(period);
      const unit = Array.from({ length: period }, () => 97 + (rnd() % 26));
      return Uint8Array.from({ length: 1000 }, (_, i) => unit[i % period]);
    };
    expect(tlshDigest(periodic(26))).toBeNull();
    expect(tlshDigest(periodic(29))).toBe('T124110430101131CC44050FF4C15014DF740C0035D03D1D1D03D30131135144441D3004');
  });

  it('accepts the same lengths when the bytes vary', () => {
    const rnd = mulberry32(7);
    const bytes = Uint8Array.from({ length: 100_000 }, () => rnd() & 255);
    expect(tlshDigest(bytes)).toMatch(/^T1[0-9A-F]{70}$/);
  });
});

describe('TLSH distance', () => {
  const sample = digests.slice(0, 20).map(([d]) => d);

  it('is symmetric and zero from a digest to itself, with and without the length term', () => {
    for (const lengthTerm of [true, false]) {
      for (const a of sample) {
        expect(tlshDistance(a, a, { lengthTerm })).toBe(0);
        for (const b of sample) expect(tlshDistance(a, b, { lengthTerm })).toBe(tlshDistance(b, a, { lengthTerm }));
      }
    }
  });

  it('the length term only adds', () => {
    for (const a of sample) for (const b of sample) expect(tlshDistance(a, b)).toBeGreaterThanOrEqual(tlshDistance(a, b, { lengthTerm: false }));
  });

  it('a small edit stays near, an unrelated text far', () => {
    const base = readFileSync(`${dir}/example_data/0Alice.txt`, 'utf8');
    const edited = base.replace('Alice', 'Alicia').replace(/ and /g, ' & ').slice(0, -100);
    const d = (x: string, y: string) => tlshDistance(tlshDigest(utf8(x))!, tlshDigest(utf8(y))!);
    const other = readFileSync(`${dir}/example_data/Fitness_Myths.txt`, 'utf8');
    expect(d(base, edited)).toBeLessThan(60);
    expect(d(base, other)).toBeGreaterThan(150);
  });

  it('throws on a malformed digest rather than scoring it', () => {
    expect(() => tlshDistance('T1' + '0'.repeat(69), sample[0])).toThrow(RangeError);
    expect(() => tlshDistance(sample[0], 'TNULL')).toThrow(/not a TLSH digest/);
  });
});

describe('TLSH digest forms', () => {
  const d = digests[0][0];

  it('parses T1 + 70 hex and the bare 70 hex of older tools, either case, to the same bytes', () => {
    const raw = parseTlsh(d)!;
    expect(raw).toHaveLength(35);
    expect(formatTlsh(raw)).toBe(d);
    expect(parseTlsh(d.slice(2))).toEqual(raw);
    expect(parseTlsh(d.toLowerCase())).toEqual(raw);
    expect(canonicalTlsh(d.slice(2).toLowerCase())).toBe(d);
    expect(tlshDistance(d.slice(2), digests[1][0])).toBe(tlshDistance(d, digests[1][0]));
  });

  it.each([
    ['empty', ''],
    ['TNULL (py-tlsh refusal)', 'TNULL'],
    ['one digit short', d.slice(0, -1)],
    ['one digit long', d + '0'],
    ['version 2 prefix', 'T2' + d.slice(2)],
    ['non-hex digit', d.slice(0, 10) + 'G' + d.slice(11)],
    ['3-byte checksum build (74 hex)', 'T1' + '0'.repeat(74)],
    ['256-bucket build (134 hex)', 'T1' + '0'.repeat(134)],
    ['whitespace', ` ${d.slice(1)}`],
  ])('refuses %s', (_name, s) => {
    expect(parseTlsh(s)).toBeNull();
    expect(canonicalTlsh(s)).toBeNull();
  });

  it('tlshDigestBytes is the parsed form of tlshDigest', () => {
    const bytes = readFileSync(`${dir}/example_data/small.txt`);
    expect(tlshDigestBytes(bytes)).toEqual(parseTlsh(tlshDigest(bytes)!));
  });
});

describe('TLSH length code', () => {
  it("equals the reference's single-precision log formula at every bucket top and the next length", () => {
    const formula = (n: number) => {
      const l = Math.fround(Math.log(Math.fround(n)));
      if (n <= 656) return Math.floor(l / 0.4054651);
      if (n <= 3199) return Math.floor(l / 0.26236426 - 8.72777);
      return Math.floor(l / 0.09531018 - 62.5472);
    };
    expect(LENGTH_TOPS).toHaveLength(170);
    for (let i = 0; i < LENGTH_TOPS.length; i++) {
      expect(formula(LENGTH_TOPS[i])).toBe(i);
      expect(lengthCode(LENGTH_TOPS[i])).toBe(i);
      if (i + 1 < LENGTH_TOPS.length) expect([formula(LENGTH_TOPS[i] + 1), lengthCode(LENGTH_TOPS[i] + 1)]).toEqual([i + 1, i + 1]);
    }
    expect(lengthCode(LENGTH_TOPS[169] + 1)).toBe(-1);
  });
});

describe('normaliseText', () => {
  it.each([
    ['case', 'Hello WORLD', 'hello world'],
    ['NFKC compatibility forms', 'ﬁle Ｆｕｌｌ x² ①', 'file full x2 1'],
    ['composed and decomposed accents agree', 'Cafe\u0301 CAFÉ', 'café café'],
    ['Turkish dotted capital I, locale-independent', 'İstanbul', 'i\u0307stanbul'],
    ['final sigma by Unicode context', 'ΟΔΟΣ', 'οδος'],
    ['whitespace runs of every kind', 'a \t\r\n b\u00a0\u00a0c\u2028d\u0085e\u3000f\u2003g', 'a b c d e f g'],
    ['trimmed', '\n\t  spaced out \u00a0\n', 'spaced out'],
    ['zero-width characters are kept', 'a\u200bb', 'a\u200bb'],
    ['all whitespace', ' \n\t ', ''],
    ['empty', '', ''],
  ])('%s', (_name, input, expected) => {
    expect(normaliseText(input)).toBe(expected);
    expect(normaliseText(expected)).toBe(expected);
  });

  it('is idempotent on text with tricky case mappings', () => {
    for (const s of ['ẞ ß ǅ ǈ Ω K Å ℍ Ⅸ ﬀ İ ı', 'ＡＢＣ\u00a0ｄｅｆ', '\u1e9e\u0130\u03a3.']) {
      expect(normaliseText(normaliseText(s))).toBe(normaliseText(s));
    }
  });
});

describe('textTlsh', () => {
  const alice = readFileSync(`${dir}/example_data/0Alice.txt`, 'utf8');

  it('is TLSH of the UTF-8 of the normalised text', () => {
    expect(textTlsh(alice)).toBe(tlshDigest(utf8(normaliseText(alice))));
    expect(textTlsh(alice)).not.toBe(tlshDigest(utf8(alice))); // the file has capitals and line breaks
  });

  it('re-typesetting and case do not move it', () => {
    const retyped = alice.toUpperCase().split(/\s+/).join('\n\n  ');
    expect(textTlsh(retyped)).toBe(textTlsh(alice));
  });

  it('is null for short text', () => {
    expect(textTlsh('too short')).toBeNull();
    expect(textTlsh('x'.repeat(40) + '          ' + 'y'.repeat(10))).toBeNull();
  });
});

describe('scanTlsh', () => {
  it('finds exactly the digests within the radius, nearest first, with their distances', () => {
    const all = digests.map(([d]) => d);
    const bank = packTlsh(all)!;
    const query = parseTlsh(all[5])!;
    for (const lengthTerm of [true, false]) {
      // A radius that takes about a quarter of the bank.
      const radius = all.map((d) => tlshDistance(all[5], d, { lengthTerm })).sort((a, b) => a - b)[20];
      const hits = scanTlsh(query, bank, radius, { lengthTerm });
      const expected = all
        .map((d, index) => ({ index, distance: tlshDistance(all[5], d, { lengthTerm }) }))
        .filter((h) => h.distance <= radius)
        .sort((a, b) => a.distance - b.distance || a.index - b.index);
      expect(hits).toEqual(expected);
      expect(hits[0]).toEqual({ index: 5, distance: 0 });
      expect(hits.length).toBeGreaterThan(1);
      expect(hits.length).toBeLessThan(all.length);
    }
  });

  it('agrees with tlshDistance at every radius on a bank of near and far digests (the early exit drops no hit)', () => {
    const rnd = mulberry32(3);
    const query = parseTlsh(digests[0][0])!;
    const printed = Array.from({ length: 3000 }, (_, i) => {
      const raw = i % 3 === 0 ? Uint8Array.from({ length: 35 }, () => rnd() & 255) : query.slice();
      for (let k = 0; k < i % 12; k++) raw[rnd() % 35] ^= 1 << (rnd() % 8);
      return formatTlsh(raw);
    });
    const bank = packTlsh(printed)!;
    for (const lengthTerm of [true, false]) {
      const all = printed.map((d, index) => ({ index, distance: tlshDistance(digests[0][0], d, { lengthTerm }) }));
      for (const radius of [0, 5, 17, 30, 60, 100, 250]) {
        const expected = all.filter((h) => h.distance <= radius).sort((a, b) => a.distance - b.distance || a.index - b.index);
        expect(scanTlsh(query, bank, radius, { lengthTerm })).toEqual(expected);
      }
      expect(all.filter((h) => h.distance <= 30).length).toBeGreaterThan(100);
      expect(all.filter((h) => h.distance > 250).length).toBeGreaterThan(100);
    }
  });

  it('packTlsh refuses a bank with a malformed digest', () => {
    expect(packTlsh([digests[0][0], 'nope'])).toBeNull();
  });
});
