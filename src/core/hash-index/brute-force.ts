/**
 * The reference index: a linear scan over packed words. It defines the right answer that every
 * faster index is tested against, and is the baseline in `npm run bench`.
 */
import { popcount32 } from '../bits';
import { sortHits, type HammingHit, type HammingIndex } from './hamming';

export class BruteForceIndex implements HammingIndex {
  readonly words: number;
  private data: Uint32Array;
  private ids: Int32Array;
  private n = 0;
  /** id -> slot, for O(1) remove (swap with the last slot). */
  private slotOf = new Map<number, number>();

  constructor(words = 8, initialCapacity = 1024) {
    this.words = words;
    this.data = new Uint32Array(initialCapacity * words);
    this.ids = new Int32Array(initialCapacity);
  }

  get count(): number {
    return this.n;
  }

  add(id: number, hash: Uint32Array): void {
    const existing = this.slotOf.get(id);
    if (existing !== undefined) {
      this.data.set(hash.subarray(0, this.words), existing * this.words);
      return;
    }
    if (this.n === this.ids.length) this.grow();
    this.data.set(hash.subarray(0, this.words), this.n * this.words);
    this.ids[this.n] = id;
    this.slotOf.set(id, this.n);
    this.n++;
  }

  remove(id: number): boolean {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return false;
    const last = this.n - 1;
    if (slot !== last) {
      this.data.copyWithin(slot * this.words, last * this.words, (last + 1) * this.words);
      this.ids[slot] = this.ids[last];
      this.slotOf.set(this.ids[slot], slot);
    }
    this.slotOf.delete(id);
    this.n--;
    return true;
  }

  search(query: Uint32Array, maxDistance: number): HammingHit[] {
    const w = this.words;
    const data = this.data;
    const hits: HammingHit[] = [];
    for (let s = 0, off = 0; s < this.n; s++, off += w) {
      let d = 0;
      for (let i = 0; i < w && d <= maxDistance; i++) d += popcount32(data[off + i] ^ query[i]);
      if (d <= maxDistance) hits.push({ id: this.ids[s], distance: d });
    }
    return sortHits(hits);
  }

  private grow(): void {
    const cap = this.ids.length * 2;
    const data = new Uint32Array(cap * this.words);
    data.set(this.data);
    const ids = new Int32Array(cap);
    ids.set(this.ids);
    this.data = data;
    this.ids = ids;
  }
}
