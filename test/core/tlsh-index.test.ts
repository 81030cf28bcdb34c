/** The tlsh part of the match index: the same hits as a full scan, through adds, replacements and removals. */
import { describe, expect, it } from 'vitest';
import { BruteForceIndex, MemoryMatchIndex, TlshIndex } from '../../src/core/hash-index';
import { uniform } from '../../src/core/prng';
import { formatTlsh, textTlsh, tlshDistance } from '../../src/core/tlsh';
import { prose } from '../support/pdf';

/** Digests near one another (texts from one generator) and random ones. */
function digests(n: number, seed: number): string[] {
  const r = uniform(seed);
  return Array.from({ length: n }, (_, i) =>
    i % 3 === 0 ? textTlsh(prose(seed + i, 300))! : formatTlsh(Uint8Array.from({ length: 35 }, () => Math.floor(r() * 256))),
  );
}

const byDistance = (a: { seq: number; distance: number }, b: { seq: number; distance: number }) => a.distance - b.distance || a.seq - b.seq;

describe('TlshIndex', () => {
  it('finds exactly what comparing every stored digest finds, at several radii, as digests come and go', () => {
    const idx = new TlshIndex();
    const stored = new Map<number, string>();
    const pool = digests(600, 7);
    pool.forEach((d, i) => {
      idx.add(i + 1, d);
      stored.set(i + 1, d);
    });
    // Replace some, remove others (the last slot moves into each hole).
    for (let i = 1; i <= 600; i += 7) {
      idx.remove(i);
      stored.delete(i);
    }
    for (let i = 2; i <= 600; i += 11) {
      const d = pool[(i * 13) % 600];
      idx.add(i, d);
      stored.set(i, d);
    }
    expect(idx.count).toBe(stored.size);
    for (const q of digests(12, 99)) {
      for (const radius of [0, 20, 40, 80, 200]) {
        const want = [...stored]
          .map(([seq, d]) => ({ seq, distance: tlshDistance(q, d) }))
          .filter((h) => h.distance <= radius)
          .sort(byDistance);
        expect(idx.search(q, radius)).toEqual(want);
      }
    }
  });

  it('takes digests in any accepted form, ignores malformed ones, and answers a malformed query with nothing', () => {
    const idx = new TlshIndex();
    const d = textTlsh(prose(1, 400))!;
    idx.add(1, d.toLowerCase());
    idx.add(2, d.slice(2)); // without T1, as TLSH before 4.0 printed it
    idx.add(3, 'T1XYZ');
    expect(idx.count).toBe(2);
    expect(idx.search(d, 0)).toEqual([
      { seq: 1, distance: 0 },
      { seq: 2, distance: 0 },
    ]);
    expect(idx.search('not a digest', 300)).toEqual([]);
  });

  it('is what MemoryMatchIndex uses for type tlsh (counted, removed by entry)', async () => {
    const idx = new MemoryMatchIndex((w) => new BruteForceIndex(w));
    const [a, b] = digests(2, 3).map((d, i) => ({ seq: i + 10, type: 'tlsh' as const, value: d }));
    idx.add([a, b]);
    expect(idx.counts().tlsh).toBe(2);
    expect((await idx.query('tlsh', a.value, 0)).map((h) => h.seq)).toEqual([10]);
    idx.remove([a]);
    expect(await idx.queryMany('tlsh', [a.value, b.value], 0)).toEqual([[], [{ seq: 11, distance: 0 }]]);
  });
});
