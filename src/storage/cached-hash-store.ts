/**
 * A HashStore that keeps recently matched hashes (with their contributions and feedback) in memory,
 * so a repeat match costs no database read. The change follower (services/change-follower.ts) calls
 * `forget` with every hash the change log says changed, whichever process wrote it; a read that was
 * under way when something was forgotten is not kept (it may predate the change), and an entry is
 * dropped after `maxAgeMs` in any case. The details it returns are frozen and shared with the cache
 * (no copy per match): read-only.
 */
import type { HashType } from '../core/hashes';
import type { ItemKind } from '../core/items';
import type { ChangeRow, FollowedChange, FrameOwner, HashDetail, HashStore, IndexEntry, ItemDetail, LoggedChange, VideoFrameRow } from './types';

export class CachedHashStore implements HashStore {
  private bySeq = new Map<number, { at: number; detail: HashDetail }>();
  private seqOf = new Map<string, number>();
  /** Counts `forget` calls: a read keeps its results only if none came while it ran. */
  private generation = 0;

  constructor(
    private readonly inner: HashStore,
    private readonly opts: { max?: number; maxAgeMs?: number; now?: () => number } = {},
  ) {}

  async getBySeqs(seqs: number[]): Promise<HashDetail[]> {
    const out: HashDetail[] = [];
    const missing: number[] = [];
    const now = (this.opts.now ?? Date.now)();
    const maxAge = this.opts.maxAgeMs ?? 30_000;
    for (const s of seqs) {
      const hit = this.bySeq.get(s);
      if (hit && now - hit.at < maxAge) out.push(hit.detail);
      else missing.push(s);
    }
    if (missing.length) {
      const gen = this.generation;
      const found = await this.inner.getBySeqs(missing);
      const keep = gen === this.generation;
      for (const d of found) {
        deepFreeze(d);
        if (keep) {
          if (this.bySeq.size >= (this.opts.max ?? 50_000)) this.clear();
          this.bySeq.set(d.seq, { at: now, detail: d });
          this.seqOf.set(d.id, d.seq);
        }
        out.push(d);
      }
    }
    return out;
  }

  /** Drops these hashes (by id): they changed. */
  forget(ids: Iterable<string>): void {
    this.generation++;
    for (const id of ids) {
      const seq = this.seqOf.get(id);
      if (seq !== undefined) {
        this.bySeq.delete(seq);
        this.seqOf.delete(id);
      }
    }
  }

  private clear(): void {
    this.bySeq.clear();
    this.seqOf.clear();
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }
  getById(id: string): Promise<HashDetail | null> {
    return this.inner.getById(id);
  }
  getItem(id: string): Promise<ItemDetail | null> {
    return this.inner.getItem(id);
  }
  itemKinds(ids: string[]): Promise<Map<string, ItemKind>> {
    return this.inner.itemKinds(ids);
  }
  listActive(afterSeq: number, limit: number, type?: HashType): Promise<IndexEntry[]> {
    return this.inner.listActive(afterSeq, limit, type);
  }
  findActiveByValue(type: HashType, value: string): Promise<IndexEntry[]> {
    return this.inner.findActiveByValue(type, value);
  }
  activeOfItems(itemIds: string[], type: HashType): Promise<IndexEntry[]> {
    return this.inner.activeOfItems(itemIds, type);
  }
  framesOf(hashId: string): Promise<VideoFrameRow[]> {
    return this.inner.framesOf(hashId);
  }
  frameCounts(hashIds: string[]): Promise<Map<string, number>> {
    return this.inner.frameCounts(hashIds);
  }
  framesOfMany(hashIds: string[]): Promise<Map<string, VideoFrameRow[]>> {
    return this.inner.framesOfMany(hashIds);
  }
  framesBySeqs(seqs: number[]): Promise<FrameOwner[]> {
    return this.inner.framesBySeqs(seqs);
  }
  changesSince(afterSeq: number, limit: number): Promise<ChangeRow[]> {
    return this.inner.changesSince(afterSeq, limit);
  }
  lastChange(): Promise<number> {
    return this.inner.lastChange();
  }
  changeAt(seq: number): Promise<LoggedChange | null> {
    return this.inner.changeAt(seq);
  }
  changesAfter(afterSeq: number, limit: number): Promise<FollowedChange[]> {
    return this.inner.changesAfter(afterSeq, limit);
  }
  indexedFramesOf(hashIds: string[]): Promise<(IndexEntry & { hashId: string })[]> {
    return this.inner.indexedFramesOf(hashIds);
  }
}

function deepFreeze<T>(x: T): T {
  if (x !== null && typeof x === 'object' && !Object.isFrozen(x)) {
    Object.freeze(x);
    for (const v of Object.values(x)) deepFreeze(v);
  }
  return x;
}
