/**
 * Multi-index hashing must give exactly the answers of the brute-force scan: every radius 0..64,
 * data shaped like a bank of perceptual hashes (clusters of near-duplicates plus unrelated hashes),
 * every piece layout the index may pick, and any sequence of adds, removes, replacements and
 * compactions. Seeded, so a failure names the seed, radius and query that reproduce it.
 */
import { describe, expect, it } from 'vitest';
import { BruteForceIndex } from '../../src/core/hash-index';
import type { HammingIndex } from '../../src/core/hash-index';
import type { HammingHit } from '../../src/core/hash-index';
import { claimQueries, MultiIndexHashing, searchBaseRange, type MihOffload, type MihOptions } from '../../src/core/hash-index';
import { mulberry32 as prng } from '../../src/core/prng';

function randomHash(rnd: () => number, words = 8): Uint32Array {
  const h = new Uint32Array(words);
  for (let i = 0; i < words; i++) h[i] = rnd();
  return h;
}

/** A copy of `base` with `k` random bits flipped (some may flip back: distance <= k). */
function flip(rnd: () => number, base: Uint32Array, k: number): Uint32Array {
  const h = base.slice();
  for (let i = 0; i < k; i++) {
    const b = rnd() % (h.length * 32);
    h[b >>> 5] ^= 1 << (b & 31);
  }
  return h;
}

/** Half unrelated hashes, half clusters of 2..30 near-duplicates of a base (0..40 bits flipped). */
function bank(rnd: () => number, n: number, words = 8): Uint32Array[] {
  const out: Uint32Array[] = [];
  while (out.length < n) {
    const base = randomHash(rnd, words);
    const size = rnd() % 2 ? 1 : 2 + (rnd() % 29);
    for (let c = 0; c < size && out.length < n; c++) out.push(flip(rnd, base, rnd() % 41));
  }
  return out;
}

/** Stored hashes with 0..40 bits flipped, exact copies, and unrelated hashes. */
function queries(rnd: () => number, stored: Uint32Array[], count: number, words = 8): Uint32Array[] {
  const qs: Uint32Array[] = [];
  for (let i = 0; i < count; i++) {
    const kind = i % 4;
    if (kind === 3 || stored.length === 0) qs.push(randomHash(rnd, words));
    else qs.push(flip(rnd, stored[rnd() % stored.length], kind === 0 ? 0 : rnd() % 41));
  }
  return qs;
}

/** Each query alone (`search`) and all of them as one batch (`searchMany`). */
async function expectSame(mih: HammingIndex, brute: HammingIndex, qs: Uint32Array[], radii: number[], label: string): Promise<void> {
  expect(mih.count, `${label}: count`).toBe(brute.count);
  const packed = pack(qs);
  for (const r of radii) {
    const wants = qs.map((q) => brute.search(q, r));
    for (let i = 0; i < qs.length; i++) {
      const got = mih.search(qs[i], r);
      if (JSON.stringify(got) !== JSON.stringify(wants[i])) expect(got, `${label}: radius ${r}, query ${i}`).toEqual(wants[i]);
    }
    const many = await mih.searchMany!(packed, r);
    if (JSON.stringify(many) !== JSON.stringify(wants)) expect(many, `${label}: radius ${r}, searchMany`).toEqual(wants);
  }
}

function pack(qs: Uint32Array[]): Uint32Array {
  const out = new Uint32Array(qs.length * (qs[0]?.length ?? 8));
  qs.forEach((q, i) => out.set(q, i * q.length));
  return out;
}

/**
 * A stand-in for the helper thread: claims about half of each batch at once, then (when `until`
 * resolves) looks it up on a structured clone of the job, as a thread receives it: the tables
 * shared, not copied. With `fail`, it rejects instead.
 */
function halfHelper(until: () => Promise<void> = async () => {}, fail = false): MihOffload {
  return async (job) => {
    const count = job.queries.length / job.tables.words;
    const claims: [number, number][] = [];
    for (let got = 0, c: [number, number] | null; got < count / 2 && (c = claimQueries(job)); got += c[1] - c[0]) claims.push(c);
    await until();
    if (fail) throw new Error('helper thread died');
    const copy = structuredClone(job);
    return claims.flatMap(([from, to]) => searchBaseRange(copy, from, to).map((hits, i): [number, HammingHit[]] => [from + i, hits]));
  };
}

/** `searchMany` shares every batch with the stand-in helper. */
const SPLIT: MihOptions = { offload: halfHelper(), offloadAbove: 0 };

const ALL_RADII = Array.from({ length: 65 }, (_, r) => r);

function loadBoth(hashes: Uint32Array[], options: MihOptions): { mih: MultiIndexHashing; brute: BruteForceIndex } {
  const words = hashes[0].length;
  const packed = new Uint32Array(hashes.length * words);
  hashes.forEach((h, i) => packed.set(h, i * words));
  const ids = hashes.map((_, i) => i * 3 + 1);
  const mih = MultiIndexHashing.build(ids, packed, words, options);
  const brute = new BruteForceIndex(words);
  hashes.forEach((h, i) => brute.add(ids[i], h));
  return { mih, brute };
}

describe('MultiIndexHashing: same answers as the brute-force scan', () => {
  it('every radius 0..64, default layout, probing forced even where a scan is cheaper', async () => {
    const rnd = prng(1);
    const stored = bank(rnd, 6000);
    const { mih, brute } = loadBoth(stored, { scanWhenCheaper: false, ...SPLIT });
    await expectSame(mih, brute, queries(rnd, stored, 12), ALL_RADII, 'seed 1');
  });

  it.each([
    [12, 2],
    [13, 3],
    [14, 4],
    [16, 5],
    [20, 6],
  ])('every radius 0..64 with %i pieces (seed %i)', async (substrings, seed) => {
    const rnd = prng(seed);
    const stored = bank(rnd, substrings === 12 ? 2000 : 3000); // 12 pieces of 21-22 bits: 128 MB of offsets, slow probes at r = 64
    const { mih, brute } = loadBoth(stored, { substrings, scanWhenCheaper: false, ...SPLIT });
    expect(mih.substrings).toBe(substrings);
    await expectSame(mih, brute, queries(rnd, stored, substrings <= 13 ? 3 : 5), ALL_RADII, `seed ${seed}`);
  });

  it('with the scan fallback on (the default), radii up to 256 and beyond', async () => {
    const rnd = prng(7);
    const stored = bank(rnd, 5000);
    const { mih, brute } = loadBoth(stored, SPLIT);
    await expectSame(mih, brute, queries(rnd, stored, 12), [0, 8, 20, 31, 40, 50, 64, 100, 255, 256, 1000], 'seed 7');
  });

  it('a still scene: thousands of near-duplicates found through most pieces, in the base and in the overflow', async () => {
    const rnd = prng(9);
    const base = randomHash(rnd);
    // 9000 variants of one hash (its first 12 bits in every combination, then again with 2 more bits
    // flipped), plus unrelated ones: each query has thousands of candidates through every piece.
    const scene = Array.from({ length: 9000 }, (_, i) => {
      const h = Uint32Array.from(base);
      h[0] ^= (i % 4096) << 20;
      if (i >= 4096) h[1] ^= (i % 7) + 1;
      return h;
    });
    const stored = [...scene, ...bank(rnd, 3000)];
    const qs = [flip(rnd, base, 3), flip(rnd, base, 20), base, randomHash(rnd)];
    const built = loadBoth(stored, SPLIT);
    await expectSame(built.mih, built.brute, qs, [0, 6, 12, 24, 31, 40], 'built');
    // The same, added after a small build: the scene sits in the overflow.
    const small = loadBoth(stored.slice(9000), SPLIT);
    small.mih.addMany(
      Int32Array.from(scene, (_, i) => 100_000 + i),
      pack(scene),
    );
    scene.forEach((h, i) => small.brute.add(100_000 + i, h));
    await expectSame(small.mih, small.brute, qs, [0, 6, 12, 24, 31, 40], 'overflow');
  });

  it('128-bit hashes (4 words)', async () => {
    const rnd = prng(8);
    const stored = bank(rnd, 3000, 4);
    const { mih, brute } = loadBoth(stored, { scanWhenCheaper: false, ...SPLIT });
    await expectSame(mih, brute, queries(rnd, stored, 8, 4), ALL_RADII, 'seed 8');
  });

  it('interleaved adds, removes, replacements, batches and compactions', async () => {
    const rnd = prng(9);
    const mih = new MultiIndexHashing(8, { scanWhenCheaper: false, ...SPLIT });
    const brute = new BruteForceIndex(8);
    const seen: Uint32Array[] = [];
    const idSpace = 12_000;
    for (let round = 0; round < 12; round++) {
      const ops = round === 0 ? 6000 : 1500;
      for (let i = 0; i < ops; i++) {
        const op = rnd() % 10;
        const id = rnd() % idSpace;
        if (op < 6) {
          // add: a new hash, a near-duplicate of an earlier one, or a replacement of this id
          const h = seen.length && op < 3 ? flip(rnd, seen[rnd() % seen.length], rnd() % 41) : randomHash(rnd);
          seen.push(h);
          mih.add(id, h);
          brute.add(id, h);
        } else if (op < 9) {
          expect(mih.remove(id)).toBe(brute.remove(id));
        } else if (round % 3 === 1 && i % 500 === 0) {
          mih.compact();
        }
      }
      if (round % 4 === 2) {
        // a batch large enough for the bulk path, with ids repeated inside it and already present
        const n = 5000;
        const ids = Array.from({ length: n }, () => rnd() % idSpace);
        const packed = new Uint32Array(n * 8);
        for (let i = 0; i < n; i++) {
          const h = seen.length && i % 2 ? flip(rnd, seen[rnd() % seen.length], rnd() % 41) : randomHash(rnd);
          packed.set(h, i * 8);
          brute.add(ids[i], h);
        }
        mih.addMany(ids, packed);
      }
      const radii = [0, 31, ...Array.from({ length: 6 }, () => rnd() % 65)];
      await expectSame(mih, brute, queries(rnd, seen, 8), radii, `seed 9, round ${round}`);
    }
    expect(mih.count).toBeGreaterThan(1000);
  });

  // A turn runs one step, or (turnMs with a clock that moves 1 ms each time it is read) about three.
  it.each([
    ['one step a turn', () => ({})],
    [
      'steps for turnMs a turn',
      () => ({
        turnMs: 3,
        clock: (
          (t) => () =>
            t++
        )(0),
      }),
    ],
  ])(
    'compactions in steps (defer, %s): answers stay exact while the new tables are built, through adds, removes, replacements and batches',
    async (_, turns) => {
      const rnd = prng(21);
      // The steps run when the test says: between any two operations, a few at a time.
      const pending: (() => void)[] = [];
      const runSome = (k: number) => {
        for (let i = 0; i < k && pending.length; i++) pending.shift()!();
      };
      const mih = new MultiIndexHashing(8, { scanWhenCheaper: false, defer: (step) => pending.push(step), stepSlots: 500, ...SPLIT, ...turns() });
      const brute = new BruteForceIndex(8);
      const seen: Uint32Array[] = [];
      const idSpace = 9000;
      let steps = 0;
      for (let round = 0; round < 10; round++) {
        for (let i = 0; i < 1500; i++) {
          const op = rnd() % 10;
          const id = rnd() % idSpace;
          if (op < 6) {
            const h = seen.length && op < 3 ? flip(rnd, seen[rnd() % seen.length], rnd() % 41) : randomHash(rnd);
            seen.push(h);
            mih.add(id, h);
            brute.add(id, h);
          } else if (op < 9) {
            expect(mih.remove(id)).toBe(brute.remove(id));
          } else {
            steps += pending.length ? 1 : 0;
            runSome(rnd() % 3);
          }
          expect(mih.count).toBe(brute.count);
        }
        if (round % 3 === 1) {
          // a batch added while a build may be under way: through the overflow
          const n = 700;
          const ids = Array.from({ length: n }, () => rnd() % idSpace);
          const packed = new Uint32Array(n * 8);
          for (let i = 0; i < n; i++) {
            const h = randomHash(rnd);
            packed.set(h, i * 8);
            brute.add(ids[i], h);
          }
          mih.addMany(ids, packed);
        }
        // Queries in the middle of a build, then after it.
        await expectSame(mih, brute, queries(rnd, seen, 6), [0, 31, rnd() % 65], `seed 21, round ${round}, mid-build ${pending.length > 0}`);
        runSome(Infinity);
        await expectSame(mih, brute, queries(rnd, seen, 6), [0, 31, rnd() % 65], `seed 21, round ${round}, built`);
      }
      expect(steps).toBeGreaterThan(50);
      // compact() finishes a build under way and folds in everything since.
      for (let i = 0; i < 3000; i++) {
        const h = randomHash(rnd);
        mih.add(idSpace + i, h);
        brute.add(idSpace + i, h);
      }
      mih.compact();
      // Adds after compact(), then every step left over runs: a step of a dropped compaction must not
      // install its older tables over the newer ones.
      for (let i = 0; i < 300; i++) {
        const h = randomHash(rnd);
        mih.add(2 * idSpace + i, h);
        brute.add(2 * idSpace + i, h);
      }
      runSome(Infinity);
      await expectSame(mih, brute, queries(rnd, seen, 8), [0, 31, 64], 'after compact()');
      expect(mih.count).toBe(brute.count);
      // A bulk add as large as the index (the bulk path compacts at once) while a compaction runs in steps.
      for (let i = 0; i < 400; i++) {
        const h = randomHash(rnd);
        mih.add(3 * idSpace + i, h);
        brute.add(3 * idSpace + i, h);
      }
      const n = mih.count + 10;
      const bulk = new Uint32Array(n * 8);
      const bulkIds = Array.from({ length: n }, (_, i) => 4 * idSpace + i);
      for (let i = 0; i < n; i++) {
        const h = randomHash(rnd);
        bulk.set(h, i * 8);
        brute.add(bulkIds[i], h);
      }
      mih.addMany(bulkIds, bulk);
      for (let i = 0; i < 50; i++) {
        const h = randomHash(rnd);
        mih.add(5 * idSpace + i, h);
        brute.add(5 * idSpace + i, h);
      }
      runSome(Infinity);
      await expectSame(mih, brute, queries(rnd, seen, 8), [0, 31], 'after a bulk add during a compaction in steps');
      expect(mih.count).toBe(brute.count);
    },
  );

  it('heavy churn on a few ids (the id tables under deletes and wrap-around)', () => {
    const rnd = prng(12);
    const mih = new MultiIndexHashing(8, { scanWhenCheaper: false });
    const brute = new BruteForceIndex(8);
    const current = new Map<number, Uint32Array>();
    for (let i = 0; i < 30_000; i++) {
      const id = rnd() % 700;
      if (rnd() % 2) {
        const h = randomHash(rnd);
        mih.add(id, h);
        brute.add(id, h);
        current.set(id, h);
      } else {
        expect(mih.remove(id), `op ${i}: remove ${id}`).toBe(brute.remove(id));
        current.delete(id);
      }
      if (i % 1000 === 999) {
        expect(mih.count, `op ${i}`).toBe(brute.count);
        for (const [cid, h] of current) expect(mih.search(h, 0), `op ${i}: id ${cid}`).toEqual(brute.search(h, 0));
      }
    }
  });

  it.each([
    // [what, ms the clock moves per add, compactions expected for 30,000 adds onto 100,000]
    ['arriving fast (a backlog): the overflow grows to a quarter of the base, one compaction', 0, 1],
    ['arriving slowly: a compaction at every sixteenth of the base', 31_000, 4],
  ])('adds %s', async (_, msPerAdd, compactions) => {
    const rnd = prng(31);
    const stored = bank(rnd, 100_000);
    const packed = new Uint32Array(stored.length * 8);
    stored.forEach((h, i) => packed.set(h, i * 8));
    let now = 0;
    const pending: (() => void)[] = [];
    const mih = MultiIndexHashing.build(
      stored.map((_, i) => i),
      packed,
      8,
      { defer: (step) => pending.push(step), turnMs: 3, clock: () => now },
    );
    const brute = new BruteForceIndex(8);
    stored.forEach((h, i) => brute.add(i, h));
    let started = 0;
    for (let i = 0; i < 30_000; i++) {
      now += msPerAdd;
      const h = i % 2 ? flip(rnd, stored[rnd() % stored.length], rnd() % 20) : randomHash(rnd);
      stored.push(h);
      mih.add(100_000 + i, h);
      brute.add(100_000 + i, h);
      // A compaction starts by deferring its first step; each runs to its end before the next add.
      if (pending.length) started++;
      while (pending.length) pending.shift()!();
      if (i === 24_000) await expectSame(mih, brute, queries(rnd, stored, 12), [0, 31], `${msPerAdd} ms an add, 24,000 added`);
    }
    expect(started).toBe(compactions);
    await expectSame(mih, brute, queries(rnd, stored, 12), [0, 31, 64], `${msPerAdd} ms an add, 30,000 added`);
  });

  it('builds from unsorted ids with duplicates (the last one wins)', async () => {
    const rnd = prng(10);
    const stored = bank(rnd, 4000);
    const ids = stored.map(() => rnd() % 3000);
    const packed = new Uint32Array(stored.length * 8);
    stored.forEach((h, i) => packed.set(h, i * 8));
    const mih = MultiIndexHashing.build(ids, packed, 8, SPLIT);
    const brute = new BruteForceIndex(8);
    stored.forEach((h, i) => brute.add(ids[i], h));
    await expectSame(mih, brute, queries(rnd, stored, 12), [0, 10, 31, 64], 'seed 10');
    // and keeps working incrementally afterwards
    for (let i = 0; i < 500; i++) {
      const id = rnd() % 3000;
      if (i % 3 === 0) expect(mih.remove(id)).toBe(brute.remove(id));
      else {
        const h = flip(rnd, stored[rnd() % stored.length], rnd() % 20);
        mih.add(id, h);
        brute.add(id, h);
      }
    }
    await expectSame(mih, brute, queries(rnd, stored, 12), [0, 10, 31, 64], 'seed 10, after updates');
  });
});

describe('MultiIndexHashing: searchMany while the index changes', () => {
  it("the helper's half reads the tables as of the call, through removals, compactions, growth and adds meanwhile", async () => {
    const rnd = prng(13);
    const stored = bank(rnd, 12_000);
    let hold = false;
    const gates: (() => void)[] = [];
    const offload = halfHelper(() => new Promise<void>((resolve) => (hold ? gates.push(resolve) : resolve())));
    const mih = MultiIndexHashing.build(
      stored.map((_, i) => i),
      pack(stored),
      8,
      { scanWhenCheaper: false, offload, offloadAbove: 0 },
    );
    const brute = new BruteForceIndex(8);
    stored.forEach((h, i) => brute.add(i, h));
    const liveIds = new Set(stored.map((_, i) => i));
    let nextId = stored.length;
    for (const [round, r] of [10, 31, 64].entries()) {
      const live = [...liveIds];
      const qs = queries(rnd, stored, 30);
      const before = qs.map((q) => brute.search(q, r));
      hold = true;
      const pending = mih.searchMany(pack(qs), r);
      hold = false;
      expect(gates).toHaveLength(1);
      // Meanwhile: removals enough for a compaction (in place, were the job's tables not pinned),
      // replacements, and adds (overflow, growth of the slot arrays).
      const touched = new Set<number>();
      while (touched.size < 5000) {
        const id = live[rnd() % live.length];
        if (touched.has(id)) continue;
        touched.add(id);
        liveIds.delete(id);
        expect(mih.remove(id)).toBe(brute.remove(id));
      }
      for (let i = 0; i < 300; i++) {
        const id = live[rnd() % live.length];
        touched.add(id);
        liveIds.add(id);
        const h = flip(rnd, stored[rnd() % stored.length], rnd() % 41);
        mih.add(id, h);
        brute.add(id, h);
      }
      for (let i = 0; i < 3000; i++) {
        const h = flip(rnd, stored[rnd() % stored.length], rnd() % 41);
        liveIds.add(nextId);
        mih.add(nextId, h);
        brute.add(nextId++, h);
      }
      gates.shift()!();
      const got = await pending;
      for (let i = 0; i < qs.length; i++) {
        for (const h of got[i]) expect(before[i], `round ${round}, query ${i}: reported ${h.id}`).toContainEqual(h);
        for (const h of before[i]) if (!touched.has(h.id)) expect(got[i], `round ${round}, query ${i}: missed ${h.id}`).toContainEqual(h);
      }
      await expectSame(mih, brute, qs, [r], `seed 13, round ${round}, after`);
    }
  });
});

describe('MultiIndexHashing: searchMany when the helper fails', () => {
  it('looks up the queries the helper had claimed itself', async () => {
    const rnd = prng(14);
    const stored = bank(rnd, 3000);
    const { mih, brute } = loadBoth(stored, { offload: halfHelper(undefined, true), offloadAbove: 0 });
    await expectSame(mih, brute, queries(rnd, stored, 40), [0, 31, 64], 'seed 14');
  });
});

describe('MultiIndexHashing: searchMany leaves the base to the helper', () => {
  it('claims none of a costly batch while the helper runs (the main thread stays free), and answers as the scan does', async () => {
    const rnd = prng(15);
    const stored = bank(rnd, 3000);
    const claimedBeforeHelper: number[] = [];
    const answeredByHelper: boolean[] = [];
    const whole: MihOffload = async (job) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      claimedBeforeHelper.push(Atomics.load(job.next, 0));
      const count = job.queries.length / job.tables.words;
      const out: [number, HammingHit[]][] = [];
      for (let c = claimQueries(job); c; c = claimQueries(job)) {
        const from = c[0];
        searchBaseRange(job, from, c[1]).forEach((hits, i) => out.push([from + i, hits]));
      }
      answeredByHelper.push(out.length === count);
      return out;
    };
    const { mih, brute } = loadBoth(stored, { offload: whole, offloadAbove: 0 });
    const extra = flip(rnd, stored[0], 2);
    mih.add(stored.length, extra); // one in the overflow, which this thread looks up
    brute.add(stored.length, extra);
    await expectSame(mih, brute, queries(rnd, stored, 40), [0, 31, 64], 'seed 15');
    expect(claimedBeforeHelper.length).toBeGreaterThan(0);
    expect(claimedBeforeHelper.every((n) => n === 0)).toBe(true);
    expect(answeredByHelper.every(Boolean)).toBe(true); // it found every query unclaimed and took them all
  });
});

describe('MultiIndexHashing: searchMany with huge hit lists', () => {
  it('a query with more hits than a call takes arguments (200,000 copies of one hash), on both threads', async () => {
    const rnd = prng(21);
    const h = randomHash(rnd);
    const n = 200_000;
    const packed = new Uint32Array(n * 8);
    for (let i = 0; i < n; i++) packed.set(h, i * 8);
    const mih = MultiIndexHashing.build(
      Int32Array.from({ length: n }, (_, i) => i),
      packed,
      8,
      SPLIT,
    );
    mih.add(n, h); // one in the overflow too
    // The stand-in helper claims queries 0-15 (two chunks of 8), this thread 16-19: the copies are
    // asked for on both sides.
    const qs = Array.from({ length: 20 }, () => randomHash(rnd));
    qs[0] = h;
    qs[16] = flip(rnd, h, 3);
    const many = await mih.searchMany!(pack(qs), 8);
    expect(many.map((hits) => hits.length)).toEqual(qs.map((_, i) => (i === 0 || i === 16 ? n + 1 : 0)));
    expect(new Set(many[0].map((x) => x.id)).size).toBe(n + 1);
    expect(many[16].every((x) => x.distance === 3)).toBe(true);
  });
});

describe('MultiIndexHashing: edges', () => {
  it('an empty index, odd radii and the id range', () => {
    const mih = new MultiIndexHashing();
    const q = new Uint32Array(8);
    expect(mih.search(q, 31)).toEqual([]);
    expect(mih.remove(5)).toBe(false);
    mih.add(5, q);
    expect(mih.search(q, -1)).toEqual([]);
    expect(mih.search(q, Number.NaN)).toEqual([]);
    expect(mih.search(q, 0.5)).toEqual([{ id: 5, distance: 0 }]);
    expect(mih.search(new Uint32Array(8).fill(0xffffffff), 256)).toEqual([{ id: 5, distance: 256 }]);
    expect(() => mih.add(-1, q)).toThrow(RangeError);
    expect(() => mih.add(2 ** 31, q)).toThrow(RangeError);
    expect(() => mih.add(1.5, q)).toThrow(RangeError);
    expect(() => mih.search(new Uint32Array(4), 3)).toThrow(RangeError);
    mih.add(2 ** 31 - 1, q);
    expect(mih.search(q, 0).map((h) => h.id)).toEqual([5, 2 ** 31 - 1]);
    expect(mih.remove(5)).toBe(true);
    expect(mih.remove(5)).toBe(false);
    expect(mih.count).toBe(1);
  });

  it('reports its memory by typed array', () => {
    const rnd = prng(11);
    const { mih } = loadBoth(bank(rnd, 2000), {});
    const mem = mih.memory();
    expect(mem.hashBytes).toBe(2000 * 32);
    expect(mem.totalBytes).toBeGreaterThan(mem.hashBytes);
  });
});
