/**
 * MemoryMatchIndex.queryWithin (each value within its own distance, one batch per distance): the
 * answers of `query` value by value, in the order asked, for the exact and perceptual types.
 */
import { describe, expect, it } from 'vitest';
import { MemoryMatchIndex, MultiIndexHashing, type IndexedHash } from '../../src/core/hash-index';
import { uniform as rng } from '../../src/core/prng';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

function flipped(base: Uint8Array, flips: number, r: () => number): Uint8Array {
  const v = base.slice();
  for (let f = 0; f < flips; f++) {
    const bit = Math.floor(r() * 256);
    v[bit >> 3] ^= 1 << (bit & 7);
  }
  return v;
}

describe('MemoryMatchIndex.queryWithin', () => {
  it('answers as one query per value at its own distance, in order', async () => {
    const r = rng(11);
    const index = new MemoryMatchIndex((w) => new MultiIndexHashing(w));
    const centres = Array.from({ length: 40 }, () => new Uint8Array(32).map(() => Math.floor(r() * 256)));
    const entries: IndexedHash[] = [];
    centres.forEach((c, i) => {
      for (let k = 0; k < 6; k++) entries.push({ seq: entries.length + 1, type: i % 2 ? 'pdq' : 'blockhash', value: hex(flipped(c, Math.floor(r() * 70), r)) });
    });
    entries.push({ seq: entries.length + 1, type: 'md5', value: 'ab'.repeat(16) });
    index.add(entries);
    index.markReady();

    for (const type of ['pdq', 'blockhash'] as const) {
      // Queries near the centres (and a few far from all), each with a distance of the robust rules' kind.
      const values = centres.map((c) => hex(flipped(c, Math.floor(r() * 30), r)));
      const radii = values.map((_, i) => [56, 32, 30, 6, 28, 20, 0][i % 7]);
      const got = await index.queryWithin(type, values, radii);
      const want = await Promise.all(values.map((v, i) => index.query(type, v, radii[i])));
      expect(got).toEqual(want);
      expect(got.some((hits) => hits.length > 0)).toBe(true);
    }
    expect(await index.queryWithin('md5', ['ab'.repeat(16), 'cd'.repeat(16)], [0, 0])).toEqual([[{ seq: entries.length, distance: 0 }], []]);
  });
});
