/** The in-memory twin of SqlHashStore and SqlAuthStore, for fast service tests. Same contracts, same ordering. */
import type { HashType } from '../../core/hashes';
import { assembleDetails } from '../details';
import { Committed, type AuditRow, type AuthStore, type ChangeRow, type ClientKeyRow, type ClientRow, type ContributionRow, type FeedbackRow, type FrameOwner, type HashDetail, type HashRow, type HashStore, type IndexEntry, type NodeKeyRow, type VideoFrameRow, type WriteSet } from '../types';

const clone = <T>(x: T): T => structuredClone(x);

export class MemoryHashStore implements HashStore, AuthStore {
  private hashes = new Map<string, HashRow>();
  private bySeq = new Map<number, string>();
  private contributions = new Map<string, ContributionRow>();
  private feedback = new Map<string, FeedbackRow>();
  private changes: ChangeRow[] = [];
  private audit: AuditRow[] = [];
  private nextSeq = 1;
  private frames: VideoFrameRow[] = [];
  private clients = new Map<string, ClientRow>();
  private keys = new Map<string, ClientKeyRow>();
  private nodeKeyRows = new Map<string, NodeKeyRow>();
  private jtis = new Map<string, number>();

  async getClient(id: string): Promise<ClientRow | null> {
    return clone(this.clients.get(id) ?? null);
  }

  async listClients(): Promise<ClientRow[]> {
    return clone([...this.clients.values()].sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id)));
  }

  async clientKeys(clientId: string): Promise<ClientKeyRow[]> {
    return clone([...this.keys.values()].filter((k) => k.clientId === clientId).sort((a, b) => a.createdAt - b.createdAt));
  }

  async countActiveAdmins(): Promise<number> {
    return [...this.clients.values()].filter((c) => c.role === 'admin' && c.status === 'active').length;
  }

  async nodeKeys(): Promise<NodeKeyRow[]> {
    return clone([...this.nodeKeyRows.values()].sort((a, b) => a.createdAt - b.createdAt));
  }

  async useJti(clientId: string, jti: string, expiresAt: number, now: number): Promise<boolean> {
    for (const [k, exp] of this.jtis) if (exp < now) this.jtis.delete(k);
    const key = `${clientId}|${jti}`;
    if (this.jtis.has(key)) return false;
    this.jtis.set(key, expiresAt);
    return true;
  }

  async ping(): Promise<void> {}

  async findByValues(origin: string, keys: { type: HashType; value: string }[]): Promise<HashDetail[]> {
    const want = new Set(keys.map((k) => `${k.type}:${k.value}`));
    return this.details([...this.hashes.values()].filter((h) => h.origin === origin && want.has(`${h.type}:${h.value}`)));
  }

  async getById(id: string): Promise<HashDetail | null> {
    const h = this.hashes.get(id);
    return h ? this.details([h])[0] : null;
  }

  async getBySeqs(seqs: number[]): Promise<HashDetail[]> {
    const rows = [...new Set(seqs)].map((s) => this.bySeq.get(s)).filter((id): id is string => !!id).map((id) => this.hashes.get(id)!);
    return this.details(rows);
  }

  async listActive(afterSeq: number, limit: number, type?: HashType): Promise<IndexEntry[]> {
    if (type === 'vpdq') {
      return this.frames
        .filter((f) => f.indexed && f.seq > afterSeq && this.hashes.get(f.hashId)?.status === 'active')
        .slice(0, limit)
        .map((f) => ({ seq: f.seq, type: 'vpdq', value: f.value }));
    }
    return [...this.hashes.values()]
      .filter((h) => h.seq > afterSeq && h.status === 'active' && (type ? h.type === type : h.type !== 'vpdq'))
      .sort((a, b) => a.seq - b.seq)
      .slice(0, limit)
      .map((h) => ({ seq: h.seq, type: h.type, value: h.value }));
  }

  async findActiveByValue(type: HashType, value: string): Promise<IndexEntry[]> {
    return [...this.hashes.values()].filter((h) => h.type === type && h.value === value && h.status === 'active').map((h) => ({ seq: h.seq, type: h.type, value: h.value }));
  }

  async framesOf(hashId: string): Promise<VideoFrameRow[]> {
    return clone(this.frames.filter((f) => f.hashId === hashId).sort((a, b) => a.frame - b.frame));
  }

  async framesBySeqs(seqs: number[]): Promise<FrameOwner[]> {
    const want = new Set(seqs);
    const found = this.frames.filter((f) => want.has(f.seq));
    const counts = new Map<string, number>();
    for (const id of new Set(found.map((f) => f.hashId))) counts.set(id, this.frames.filter((g) => g.hashId === id && g.indexed).length);
    return found.map((f) => ({ seq: f.seq, hashId: f.hashId, frame: f.frame, timestampMs: f.timestampMs, hashSeq: this.hashes.get(f.hashId)!.seq, indexedFrames: counts.get(f.hashId)! }));
  }

  async changesSince(afterSeq: number, limit: number): Promise<ChangeRow[]> {
    return clone(this.changes.filter((c) => c.seq > afterSeq).slice(0, limit));
  }

  async auditEntries(start: number, end: number): Promise<AuditRow[]> {
    return clone(this.audit.slice(Math.max(0, start), Math.max(0, end)));
  }

  async auditSize(): Promise<number> {
    return this.audit.length;
  }

  async commit(ws: WriteSet): Promise<Committed> {
    // Check every constraint before touching anything: all or nothing, as the SQL batch.
    const newKeys = new Set<string>();
    for (const h of ws.insertHashes ?? []) {
      const key = `${h.origin}|${h.type}|${h.value}`;
      const clash = this.hashes.has(h.id) || newKeys.has(key) || [...this.hashes.values()].some((x) => `${x.origin}|${x.type}|${x.value}` === key);
      if (clash) throw new Error(`UNIQUE constraint failed: hashes (${h.id})`);
      newKeys.add(key);
    }
    const frameKeys = new Set(this.frames.map((f) => `${f.hashId}|${f.frame}`));
    for (const f of ws.insertFrames ?? []) {
      const key = `${f.hashId}|${f.frame}`;
      if (frameKeys.has(key)) throw new Error(`UNIQUE constraint failed: video_frames (${key})`);
      frameKeys.add(key);
    }
    const seqs = new Committed();
    for (const c of ws.putClients ?? []) {
      const prev = this.clients.get(c.id);
      this.clients.set(c.id, { ...clone(c), createdAt: prev?.createdAt ?? c.createdAt });
    }
    for (const k of ws.putClientKeys ?? []) {
      const key = `${k.clientId}|${k.kid}`;
      const prev = this.keys.get(key);
      this.keys.set(key, prev ? { ...prev, status: k.status, revokedAt: k.revokedAt } : clone(k));
    }
    for (const k of ws.putNodeKeys ?? []) {
      const prev = this.nodeKeyRows.get(k.kid);
      this.nodeKeyRows.set(k.kid, prev ? { ...prev, status: k.status, retiredAt: k.retiredAt } : clone(k));
    }
    for (const h of ws.insertHashes ?? []) {
      const seq = this.nextSeq++;
      this.hashes.set(h.id, { ...clone(h), seq });
      this.bySeq.set(seq, h.id);
      seqs.set(h.id, seq);
    }
    for (const f of ws.insertFrames ?? []) {
      const row = { ...clone(f), seq: this.frames.length + 1 };
      this.frames.push(row);
      if (row.indexed) seqs.frames.push({ seq: row.seq, type: 'vpdq', value: row.value });
    }
    for (const u of ws.updateHashes ?? []) {
      const h = this.hashes.get(u.id);
      if (h) Object.assign(h, { status: u.status, updatedAt: u.updatedAt });
    }
    for (const c of ws.putContributions ?? []) {
      const k = `${c.hashId}|${c.contributor}`;
      const prev = this.contributions.get(k);
      this.contributions.set(k, { ...clone(c), createdAt: prev?.createdAt ?? c.createdAt });
    }
    for (const f of ws.putFeedback ?? []) {
      const k = `${f.hashId}|${f.member}`;
      const prev = this.feedback.get(k);
      this.feedback.set(k, { ...clone(f), createdAt: prev?.createdAt ?? f.createdAt });
    }
    for (const c of ws.changes ?? []) this.changes.push({ ...clone(c), seq: this.changes.length + 1 });
    for (const a of ws.audit ?? []) this.audit.push({ ...clone(a), index: this.audit.length });
    return seqs;
  }

  private details(rows: HashRow[]): HashDetail[] {
    const ids = new Set(rows.map((r) => r.id));
    return clone(
      assembleDetails(
        rows,
        [...this.contributions.values()].filter((c) => ids.has(c.hashId)),
        [...this.feedback.values()].filter((f) => ids.has(f.hashId)),
      ),
    );
  }
}
