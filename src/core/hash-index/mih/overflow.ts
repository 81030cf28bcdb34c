/**
 * The overflow: slots added since the last compaction. They are chained per piece (a node carries
 * the key's high bits and the filter, so a chain walk reads no hash) and found by id through a small
 * open-addressing table. Both are dropped at the next compaction, which folds the slots into the base.
 */
import { hammingWithin, popcount16 } from '../../bits';
import type { HammingHit } from '../hamming';
import type { Plan } from './cost';
import { extract, filterOfSlot } from './layout';
import type { MihScratch, MihTables } from './probe';

/**
 * The chains of every piece: entry x is slot baseCount + x. The heads are sized once per cycle (at
 * `clear`, for the overflow expected before the next compaction), so a growing overflow only copies
 * its nodes into a larger array: no chain is relinked on an add (relinking 64 k slots of 16 pieces
 * at 1 M hashes held the thread for tens of milliseconds).
 */
export class OverflowChains {
  private size = 0; // heads per piece, a power of two, fixed until clear()
  private capacity = 0; // entries the nodes hold
  private expected = 0;
  private heads: Int32Array | null = null; // [piece * size + (key & (size - 1))] -> entry
  private nodes: Int32Array | null = null; // [2 (entry * m + piece)] = next entry, [+1] = (key >>> log2(size)) << 16 | filter

  get empty(): boolean {
    return this.heads === null;
  }

  /** Drops every chain; `expected`: the overflow the next cycle is expected to reach (sizes the heads). */
  clear(expected = 0): void {
    this.heads = this.nodes = null;
    this.size = this.capacity = 0;
    this.expected = expected;
  }

  bytes(): number {
    return (this.heads?.byteLength ?? 0) + (this.nodes?.byteLength ?? 0);
  }

  /** Chains `slot` (the newest overflow slot) into each piece. */
  add(t: MihTables, slot: number): void {
    const x = slot - t.baseCount;
    const m = t.shape.m;
    if (this.heads === null) {
      // No more heads than a piece has keys: beyond that a chain holds one key whatever the size.
      const keys = 2 ** Math.max(8, ...t.shape.widths);
      this.size = 256;
      while (this.size < Math.max(this.expected, x + 1) && this.size < keys) this.size *= 2;
      this.heads = new Int32Array(this.size * m).fill(-1);
      this.capacity = Math.max(256, x + 1);
      this.nodes = new Int32Array(2 * this.capacity * m);
      for (let s = t.baseCount; s < slot; s++) this.link(t, s);
    } else if (x >= this.capacity) {
      this.capacity = Math.max(2 * this.capacity, x + 1);
      const nodes = new Int32Array(2 * this.capacity * m);
      if (this.nodes) nodes.set(this.nodes);
      this.nodes = nodes;
    }
    this.link(t, slot);
  }

  private link(t: MihTables, slot: number): void {
    const { m, starts, widths } = t.shape;
    const x = slot - t.baseCount;
    const mask = this.size - 1;
    const bits = 31 - Math.clz32(this.size); // >= 8, so key >>> bits fits 16 bits
    for (let j = 0; j < m; j++) {
      const key = extract(t.hashes, slot * t.words, starts[j], widths[j]);
      const head = j * this.size + (key & mask);
      this.nodes![2 * (x * m + j)] = this.heads![head];
      this.nodes![2 * (x * m + j) + 1] = ((key >>> bits) << 16) | filterOfSlot(t.hashes, t.words, t.shape, t.f, slot, j);
      this.heads![head] = x;
    }
  }

  /** The overflow's hits (after `queryKeys`), each slot once; none that `s.seen` marks for this query. */
  probe(t: MihTables, query: Uint32Array, r: number, plan: Plan, s: MihScratch, hits: HammingHit[]): void {
    if (this.heads === null) return;
    const { m, widths, partner } = t.shape;
    const w = t.words;
    const h = t.hashes;
    const ids = t.ids;
    const heads = this.heads;
    const nodes = this.nodes!;
    const ovMask = this.size - 1;
    const ovBits = 31 - Math.clz32(this.size);
    const stamp = s.begin(h.length / w);
    const seen = s.seen;
    for (let j = 0; j < m; j++) {
      if (plan.radii[j] < 0) continue;
      const { masks, pops } = s.ball(widths[j], plan.radii[j]);
      const fmask = partner[j] >= 0 ? (1 << t.f) - 1 : 0;
      const qf = s.qfilter[j];
      for (let i = 0; i < masks.length; i++) {
        const k = s.qkeys[j] ^ masks[i];
        const limit = plan.bounds[j] - pops[i];
        for (let x = heads[j * this.size + (k & ovMask)]; x >= 0; x = nodes[2 * (x * m + j)]) {
          const info = nodes[2 * (x * m + j) + 1];
          if (info >>> 16 !== k >>> ovBits || popcount16((info ^ qf) & fmask) > limit) continue;
          const slot = t.baseCount + x;
          if (ids[slot] < 0 || seen[slot] === stamp) continue;
          const d = hammingWithin(h, slot * w, query, 0, w, r);
          if (d <= r) {
            seen[slot] = stamp;
            hits.push({ id: ids[slot], distance: d });
          }
        }
      }
    }
  }
}

/** The live overflow slots by id: linear probing, backward-shift deletion (no tombstones). */
export class OverflowIds {
  private table: Int32Array | null = null; // slots, -1 = empty
  private count = 0;
  private expected = 0;

  get empty(): boolean {
    return this.table === null;
  }

  /** Drops every entry; `expected`: the entries the next cycle is expected to reach (sizes the table, so it rarely grows). */
  clear(expected = 0): void {
    this.table = null;
    this.count = 0;
    this.expected = expected;
  }

  bytes(): number {
    return this.table?.byteLength ?? 0;
  }

  /** The live overflow slot holding `id`, or -1. */
  find(ids: Int32Array, id: number): number {
    const at = this.at(ids, id);
    return at < 0 ? -1 : this.table![at];
  }

  /** Adds `slot`; when the table grows, the live slots in [from, to) other than `slot` are entered again. */
  insert(ids: Int32Array, slot: number, from: number, to: number): void {
    if (this.table === null || (this.count + 1) * 10 > this.table.length * 7) {
      let size = 64;
      while ((Math.max(this.count, this.expected) + 1) * 10 > size * 7) size *= 2;
      this.table = new Int32Array(size).fill(-1);
      this.count = 0;
      for (let s = from; s < to; s++) if (s !== slot && ids[s] >= 0) this.insert(ids, s, from, to);
    }
    const t = this.table;
    const mask = t.length - 1;
    let i = idHome(ids[slot], t.length);
    while (t[i] >= 0) i = (i + 1) & mask;
    t[i] = slot;
    this.count++;
  }

  /** Removes `id`, which must be present. */
  delete(ids: Int32Array, id: number): void {
    const t = this.table!;
    const mask = t.length - 1;
    let hole = this.at(ids, id);
    t[hole] = -1;
    this.count--;
    for (let j = (hole + 1) & mask; t[j] >= 0; j = (j + 1) & mask) {
      const home = idHome(ids[t[j]], t.length);
      // the entry at j may move into the hole unless its home lies cyclically in (hole, j]
      if (hole <= j ? home > hole && home <= j : home > hole || home <= j) continue;
      t[hole] = t[j];
      t[j] = -1;
      hole = j;
    }
  }

  private at(ids: Int32Array, id: number): number {
    const t = this.table;
    if (t === null) return -1;
    const mask = t.length - 1;
    for (let i = idHome(id, t.length); ; i = (i + 1) & mask) {
      if (t[i] < 0) return -1;
      if (ids[t[i]] === id) return i;
    }
  }
}

/** Fibonacci hashing: the top log2(size) bits of id * 2^32 / phi. */
function idHome(id: number, size: number): number {
  return Math.imul(id, 0x9e3779b1) >>> (Math.clz32(size) + 1);
}
