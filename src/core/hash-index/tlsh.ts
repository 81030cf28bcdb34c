/**
 * The index of `tlsh` hashes: a packed bank of 35-byte digests scanned in full for each query, with
 * TLSH's exact early exit (core/tlsh `scanTlsh`). TLSH distance is no Hamming distance, so the
 * multi-index hashing of the PDQ types does not apply. Measured (README, "Documents, text and
 * links"): a few ms a query at 100 k digests, about ten times that at 1 M; documents are far fewer
 * than images in a consortium's lists, so a scan is what this index does below a few million.
 */
import { parseTlshInto, scanTlsh, TLSH_BYTES } from '../tlsh';
import type { IndexHit } from './match';

export class TlshIndex {
  private bank = new Uint8Array(1024 * TLSH_BYTES);
  private ids = new Int32Array(1024);
  private n = 0;
  /** id -> slot, for O(1) remove (the last slot moves into the hole). */
  private readonly slotOf = new Map<number, number>();

  get count(): number {
    return this.n;
  }

  /** Adds (or replaces) the digest of `id`; a malformed digest is ignored (the store only holds canonical ones). */
  add(id: number, digest: string): void {
    let slot = this.slotOf.get(id);
    if (slot === undefined) {
      if (this.n === this.ids.length) this.grow();
      slot = this.n;
      if (!parseTlshInto(digest, this.bank, slot * TLSH_BYTES)) return;
      this.ids[slot] = id;
      this.slotOf.set(id, slot);
      this.n++;
      return;
    }
    parseTlshInto(digest, this.bank, slot * TLSH_BYTES);
  }

  remove(id: number): void {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return;
    const last = this.n - 1;
    if (slot !== last) {
      this.bank.copyWithin(slot * TLSH_BYTES, last * TLSH_BYTES, (last + 1) * TLSH_BYTES);
      this.ids[slot] = this.ids[last];
      this.slotOf.set(this.ids[slot], slot);
    }
    this.slotOf.delete(id);
    this.n--;
  }

  /** Every stored digest within `maxDistance` of `query` (inclusive), nearest first; none for a malformed query. */
  search(query: string, maxDistance: number): IndexHit[] {
    const q = new Uint8Array(TLSH_BYTES);
    if (!parseTlshInto(query, q, 0)) return [];
    return scanTlsh(q, this.bank.subarray(0, this.n * TLSH_BYTES), maxDistance)
      .map((h) => ({ seq: this.ids[h.index], distance: h.distance }))
      .sort((a, b) => a.distance - b.distance || a.seq - b.seq);
  }

  private grow(): void {
    const bank = new Uint8Array(this.bank.length * 2);
    bank.set(this.bank);
    const ids = new Int32Array(this.ids.length * 2);
    ids.set(this.ids);
    this.bank = bank;
    this.ids = ids;
  }
}
