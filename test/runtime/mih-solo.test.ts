/**
 * A costly batch of one query (a robust image query's PDQ within 56 bits) is the helper thread's
 * alone: the calling thread, the node's main thread, does not look it up while the helper runs,
 * and does when there is no helper running. The answers are the brute-force ones either way.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { BruteForceIndex, MultiIndexHashing } from '../../src/core/hash-index';
import { mulberry32 as prng } from '../../src/core/prng';
import { MihHelper } from '../../src/runtime/node/match-helper';

const rnd = prng(56);
const randomHash = () => Uint32Array.from({ length: 8 }, () => rnd());
function near(h: Uint32Array, k: number): Uint32Array {
  const out = h.slice();
  for (let i = 0; i < k; i++) {
    const b = rnd() & 255;
    out[b >>> 5] ^= 1 << (b & 31);
  }
  return out;
}

describe('a batch of one costly query', () => {
  const helper = new MihHelper((e) => {
    throw e;
  });
  afterAll(() => helper.close());

  const stored = Array.from({ length: 20_000 }, randomHash);
  const brute = new BruteForceIndex(8);
  stored.forEach((h, i) => brute.add(i, h));
  const build = () => {
    const packed = new Uint32Array(stored.length * 8);
    stored.forEach((h, i) => packed.set(h, i * 8));
    return MultiIndexHashing.build(
      stored.map((_, i) => i),
      packed,
      8,
      { offload: helper.offload, offloadAbove: 0, scanWhenCheaper: false },
    );
  };

  it('is looked up by the helper thread alone, with the brute-force answer', async () => {
    const mih = build();
    await helper.start();
    for (const r of [56, 31, 8]) {
      const q = near(stored[rnd() % stored.length], r - 3);
      const before = helper.threadQueries;
      expect(await mih.searchMany(q, r), `r=${r}`).toEqual([brute.search(q, r)]);
      expect(helper.threadQueries - before, `r=${r}: queries the thread looked up`).toBe(1);
    }
  });

  it('is looked up by the calling thread when no helper runs', async () => {
    const mih = build();
    await helper.close();
    const q = near(stored[7], 40);
    const before = helper.threadQueries;
    expect(await mih.searchMany(q, 56)).toEqual([brute.search(q, 56)]);
    expect(helper.threadQueries).toBe(before);
  });
});
