/**
 * A HashStore that keeps recently matched hashes (with their contributions and feedback) in memory,
 * so a repeat match costs no database read. Every write through this store drops the hashes it
 * touches before it returns. The node's match index is already per process and follows only this
 * process's writes, so the cache adds no staleness the index does not have (see docs/decisions.md).
 * The details it returns are frozen and shared with the cache (no copy per match): read-only.
 */
import type { HashType } from '../core/hashes';
import type { AuditRow, ChangeRow, Committed, FrameOwner, HashDetail, HashStore, IndexEntry, VideoFrameRow, WriteSet } from './types';

export class CachedHashStore implements HashStore {
  private bySeq = new Map<number, HashDetail>();
  private seqOf = new Map<string, number>();

  constructor(private readonly inner: HashStore, private readonly max = 50_000) {}

  async getBySeqs(seqs: number[]): Promise<HashDetail[]> {
    const out: HashDetail[] = [];
    const missing: number[] = [];
    for (const s of seqs) {
      const d = this.bySeq.get(s);
      if (d) out.push(d);
      else missing.push(s);
    }
    if (missing.length) {
      for (const d of await this.inner.getBySeqs(missing)) {
        if (this.bySeq.size >= this.max) this.clear();
        deepFreeze(d);
        this.bySeq.set(d.seq, d);
        this.seqOf.set(d.id, d.seq);
        out.push(d);
      }
    }
    return out;
  }

  async commit(ws: WriteSet): Promise<Committed> {
    try {
      return await this.inner.commit(ws);
    } finally {
      const ids = [...(ws.updateHashes ?? []).map((u) => u.id), ...(ws.putContributions ?? []).map((c) => c.hashId), ...(ws.putFeedback ?? []).map((f) => f.hashId)];
      for (const id of ids) {
        const seq = this.seqOf.get(id);
        if (seq !== undefined) {
          this.bySeq.delete(seq);
          this.seqOf.delete(id);
        }
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
  findByValues(origin: string, keys: { type: HashType; value: string }[]): Promise<HashDetail[]> {
    return this.inner.findByValues(origin, keys);
  }
  getById(id: string): Promise<HashDetail | null> {
    return this.inner.getById(id);
  }
  listActive(afterSeq: number, limit: number, type?: HashType): Promise<IndexEntry[]> {
    return this.inner.listActive(afterSeq, limit, type);
  }
  findActiveByValue(type: HashType, value: string): Promise<IndexEntry[]> {
    return this.inner.findActiveByValue(type, value);
  }
  framesOf(hashId: string): Promise<VideoFrameRow[]> {
    return this.inner.framesOf(hashId);
  }
  framesBySeqs(seqs: number[]): Promise<FrameOwner[]> {
    return this.inner.framesBySeqs(seqs);
  }
  changesSince(afterSeq: number, limit: number): Promise<ChangeRow[]> {
    return this.inner.changesSince(afterSeq, limit);
  }
  auditEntries(start: number, end: number): Promise<AuditRow[]> {
    return this.inner.auditEntries(start, end);
  }
  auditSize(): Promise<number> {
    return this.inner.auditSize();
  }
}

function deepFreeze<T>(x: T): T {
  if (x !== null && typeof x === 'object' && !Object.isFrozen(x)) {
    Object.freeze(x);
    for (const v of Object.values(x)) deepFreeze(v);
  }
  return x;
}
