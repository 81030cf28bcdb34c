/**
 * The slots: every hash the index holds, in two typed arrays (`hashes`, `words` per slot, and `ids`).
 * Slots below `baseCount` are the base, sorted by id (id -> slot is a binary search); the slots
 * after it are the overflow, found by id through its table. A removed or replaced slot keeps its id
 * with the sign bit set (dead) until the next compaction.
 */
import type { Built, Snapshot } from './compaction';
import { OverflowIds } from './overflow';

const DEAD = 0x80000000 | 0;

export class Slots {
  hashes: Uint32Array;
  ids: Int32Array;
  top = 0; // slots in use, live or dead
  live = 0;
  dead = 0;
  baseCount = 0;
  private readonly overflowIds = new OverflowIds();

  /** `shared`: arrays on SharedArrayBuffers, for a helper thread to read. */
  constructor(
    readonly words: number,
    private readonly shared: boolean,
    capacity: number,
  ) {
    this.hashes = this.u32(capacity * words);
    this.ids = this.i32(capacity);
  }

  /** Slots holding new base tables (a compaction's next generation). */
  static of(words: number, shared: boolean, b: Built, expectedOverflow: number): Slots {
    const slots = new Slots(words, shared, 0);
    slots.install(b, expectedOverflow);
    return slots;
  }

  u32(n: number): Uint32Array {
    return this.shared ? new Uint32Array(new SharedArrayBuffer(4 * n)) : new Uint32Array(n);
  }

  i32(n: number): Int32Array {
    return this.shared ? new Int32Array(new SharedArrayBuffer(4 * n)) : new Int32Array(n);
  }

  /** A new overflow slot for (id, hash); returns it. */
  append(id: number, hash: Uint32Array): number {
    this.ensureCapacity(this.top + 1);
    const slot = this.top++;
    this.hashes.set(hash.subarray(0, this.words), slot * this.words);
    this.ids[slot] = id;
    this.live++;
    this.overflowIds.insert(this.ids, slot, this.baseCount, this.top);
    return slot;
  }

  /** Appends `ids.length` hashes without entering them anywhere: only a compaction follows this. */
  appendUnindexed(ids: ArrayLike<number>, hashes: Uint32Array): void {
    const n = ids.length;
    this.ensureCapacity(this.top + n);
    this.hashes.set(hashes.subarray(0, n * this.words), this.top * this.words);
    for (let i = 0; i < n; i++) this.ids[this.top + i] = ids[i];
    this.top += n;
  }

  kill(slot: number): void {
    if (slot >= this.baseCount) this.overflowIds.delete(this.ids, this.ids[slot]);
    this.ids[slot] |= DEAD;
    this.live--;
    this.dead++;
  }

  /** The live slot holding `id`, or -1: the overflow's id table, then a binary search of the base. */
  find(id: number): number {
    const inOverflow = this.overflowIds.find(this.ids, id);
    if (inOverflow >= 0) return inOverflow;
    let lo = 0;
    let hi = this.baseCount - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = this.ids[mid] & 0x7fffffff;
      if (v < id) lo = mid + 1;
      else if (v > id) hi = mid - 1;
      else return this.ids[mid] >= 0 ? mid : -1;
    }
    return -1;
  }

  /** What a compaction builds from: the ids as they are now (copied), the hashes (never rewritten). */
  snapshot(): Snapshot {
    return { ids: this.ids.slice(0, this.top), hashes: this.hashes, top: this.top, baseCount: this.baseCount, removed: [] };
  }

  /** The slots of new base tables take over: no overflow, no dead slots; `expectedOverflow` sizes the overflow's id table. */
  install(b: Built, expectedOverflow = 0): void {
    this.hashes = b.hashes;
    this.ids = b.ids;
    this.top = this.live = this.baseCount = b.n;
    this.dead = 0;
    this.overflowIds.clear(expectedOverflow);
  }

  bytes(): number {
    return this.hashes.byteLength + this.ids.byteLength + this.overflowIds.bytes();
  }

  /** Growth copies into new arrays: a job reading the old ones still sees a consistent base. */
  private ensureCapacity(slots: number): void {
    if (slots <= this.ids.length) return;
    const cap = Math.max(slots, this.ids.length + Math.max(1024, this.ids.length >>> 3));
    const hashes = this.u32(cap * this.words);
    hashes.set(this.hashes.subarray(0, this.top * this.words));
    const ids = this.i32(cap);
    ids.set(this.ids.subarray(0, this.top));
    this.hashes = hashes;
    this.ids = ids;
  }
}
