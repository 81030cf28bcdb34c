/**
 * The helper thread for large match batches: a real worker thread searching half of each batch on
 * the index's shared tables gives the brute-force answers, also while the main thread removes,
 * compacts and adds during the search, and after the thread is closed; a costly batch of one query
 * is the thread's alone (the main thread stays free), and the caller's when no thread runs.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { BruteForceIndex } from '../../src/core/hash-index';
import { MultiIndexHashing } from '../../src/core/hash-index';
import { mulberry32 as prng } from '../../src/core/prng';
import { MihHelper } from '../../src/runtime/node/match-helper';

const rnd = prng(21);
const randomHash = () => Uint32Array.from({ length: 8 }, () => rnd());
function near(h: Uint32Array, k: number): Uint32Array {
  const out = h.slice();
  for (let i = 0; i < k; i++) {
    const b = rnd() & 255;
    out[b >>> 5] ^= 1 << (b & 31);
  }
  return out;
}
function pack(hs: Uint32Array[]): Uint32Array {
  const out = new Uint32Array(hs.length * 8);
  hs.forEach((h, i) => out.set(h, i * 8));
  return out;
}

describe('MihHelper: half of each batch on a worker thread', () => {
  const helper = new MihHelper((e) => {
    throw e;
  });
  afterAll(() => helper.close());

  it('gives the brute-force answers, through changes made while the thread searches, and after it is closed', async () => {
    await helper.start();
    const stored: Uint32Array[] = [];
    while (stored.length < 20_000) {
      const base = randomHash();
      for (let c = rnd() % 4 ? 1 : 8; c > 0; c--) stored.push(near(base, rnd() % 41));
    }
    const mih = MultiIndexHashing.build(
      stored.map((_, i) => i),
      pack(stored),
      8,
      { offload: helper.offload, offloadAbove: 0, scanWhenCheaper: false },
    );
    const brute = new BruteForceIndex(8);
    stored.forEach((h, i) => brute.add(i, h));
    const queries = () => Array.from({ length: 200 }, (_, i) => (i % 2 ? near(stored[rnd() % stored.length], rnd() % 32) : randomHash()));

    for (const r of [0, 16, 31, 64]) {
      const qs = queries();
      expect(await mih.searchMany(pack(qs), r), `r=${r}`).toEqual(qs.map((q) => brute.search(q, r)));
    }
    expect(helper.threadJobs).toBe(4);
    // The thread takes chunks as it gets to them: on a busy machine it may take none of a batch.
    for (let tries = 0; helper.threadQueries === 0 && tries < 50; tries++) {
      const qs = queries();
      expect(await mih.searchMany(pack(qs), 31)).toEqual(qs.map((q) => brute.search(q, 31)));
    }
    expect(helper.threadQueries).toBeGreaterThan(0);
    const jobs = helper.threadJobs;

    // Removals (a compaction), replacements and adds while the thread works on its half.
    const qs = queries();
    const before = qs.map((q) => brute.search(q, 31));
    const pending = mih.searchMany(pack(qs), 31);
    const touched = new Set<number>();
    while (touched.size < 6000) {
      const id = rnd() % stored.length;
      if (touched.has(id)) continue;
      touched.add(id);
      mih.remove(id);
      brute.remove(id);
    }
    for (let i = 0; i < 2000; i++) {
      const id = rnd() % (stored.length + 3000);
      const h = near(stored[rnd() % stored.length], rnd() % 41);
      touched.add(id);
      mih.add(id, h);
      brute.add(id, h);
    }
    const got = await pending;
    for (let i = 0; i < qs.length; i++) {
      for (const h of got[i]) expect(before[i], `query ${i}: reported ${h.id}`).toContainEqual(h);
      for (const h of before[i]) if (!touched.has(h.id)) expect(got[i], `query ${i}: missed ${h.id}`).toContainEqual(h);
    }
    const after = queries();
    expect(await mih.searchMany(pack(after), 31)).toEqual(after.map((q) => brute.search(q, 31)));
    expect(helper.threadJobs).toBe(jobs + 2);

    await helper.close();
    expect(await mih.searchMany(pack(after), 31)).toEqual(after.map((q) => brute.search(q, 31)));
    expect(helper.threadJobs).toBe(jobs + 2);
  });
});

// A costly batch of one query (a robust image query's PDQ within 56 bits) is the helper thread's
// alone: the calling thread, the node's main thread, does not look it up while the helper runs.
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
