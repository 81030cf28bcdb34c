/** The SQL HashStore (drizzle; libsql or D1). */
import { and, asc, eq, gt, gte, inArray, lt, ne, sql, type SQL } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import type { HashType } from '../core/hashes';
import { chunkRows, type AppDb } from './db';
import { auditLog, clientKeys, clients, contributions, feedback, hashBuckets, hashChanges, hashes, nodeKeys, videoFrames } from './schema';
import { Committed, type AuditRow, type ChangeRow, type ContributionRow, type FeedbackRow, type FrameOwner, type HashDetail, type HashRow, type HashStore, type IndexEntry, type VideoFrameRow, type WriteSet } from './types';

interface RawDetail {
  seq: number;
  id: string;
  type: string;
  value: string;
  origin: string;
  status: string;
  created_at: number;
  updated_at: number;
  contribs: string;
  fb: string;
}

export interface SqlHashStoreOptions {
  /** Also write the SQL multi-index buckets of perceptual hashes (Workers: see bucket-index.ts). */
  buckets?: boolean;
}

export class SqlHashStore implements HashStore {
  constructor(
    private readonly db: AppDb,
    private readonly opts: SqlHashStoreOptions = {},
  ) {}

  async ping(): Promise<void> {
    await this.db.run(sql`select 1`);
  }

  async findByValues(origin: string, keys: { type: HashType; value: string }[]): Promise<HashDetail[]> {
    const out: HashDetail[] = [];
    // (type, value) pairs: 2 parameters each, plus origin.
    for (const part of chunkRows(keys, 2)) {
      const pairs = sql.join(
        part.map((k) => sql`(h.type = ${k.type} and h.value = ${k.value})`),
        sql` or `,
      );
      out.push(...(await this.detailsWhere(sql`h.origin = ${origin} and (${pairs})`)));
    }
    return out;
  }

  async getById(id: string): Promise<HashDetail | null> {
    const [detail] = await this.detailsWhere(sql`h.id = ${id}`);
    return detail ?? null;
  }

  async getBySeqs(seqs: number[]): Promise<HashDetail[]> {
    const out: HashDetail[] = [];
    // The match hot path: each hash with its contributions and feedback in one statement.
    for (const part of chunkRows([...new Set(seqs)], 1)) out.push(...(await this.detailsWhere(sql`h.seq in (${sql.join(part.map((x) => sql`${x}`), sql`, `)})`)));
    return out;
  }

  private async detailsWhere(cond: SQL): Promise<HashDetail[]> {
    const rows = await this.db.all<RawDetail>(sql`
      select h.seq, h.id, h.type, h.value, h.origin, h.status, h.created_at, h.updated_at,
        (select json_group_array(json_object('contributor', c.contributor, 'labels', json(c.labels), 'externalId', c.external_id,
            'createdAt', c.created_at, 'updatedAt', c.updated_at, 'retractedAt', c.retracted_at))
          from contributions c where c.hash_id = h.id) as contribs,
        (select json_group_array(json_object('member', f.member, 'verdict', f.verdict, 'reason', f.reason,
            'createdAt', f.created_at, 'updatedAt', f.updated_at))
          from feedback f where f.hash_id = h.id) as fb
      from hashes h where ${cond}`);
    return rows.map((r) => {
      const id = String(r.id);
      const byCreated = (a: { createdAt: number }, b: { createdAt: number }) => a.createdAt - b.createdAt;
      return {
        seq: Number(r.seq),
        id,
        type: r.type as HashType,
        value: String(r.value),
        origin: String(r.origin),
        status: r.status as HashRow['status'],
        createdAt: Number(r.created_at),
        updatedAt: Number(r.updated_at),
        contributions: (JSON.parse(String(r.contribs)) as Omit<ContributionRow, 'hashId'>[]).map((c) => ({ hashId: id, ...c })).sort(byCreated),
        feedback: (JSON.parse(String(r.fb)) as Omit<FeedbackRow, 'hashId'>[]).map((f) => ({ hashId: id, ...f })).sort(byCreated),
      };
    });
  }

  async listActive(afterSeq: number, limit: number, type?: HashType): Promise<IndexEntry[]> {
    if (type === 'vpdq') {
      const rows = await this.db
        .select({ seq: videoFrames.seq, value: videoFrames.value })
        .from(videoFrames)
        .innerJoin(hashes, eq(hashes.id, videoFrames.hashId))
        .where(and(eq(videoFrames.indexed, true), gt(videoFrames.seq, afterSeq), eq(hashes.status, 'active')))
        .orderBy(asc(videoFrames.seq))
        .limit(limit);
      return rows.map((r) => ({ seq: r.seq, type: 'vpdq', value: r.value }));
    }
    const cond = and(gt(hashes.seq, afterSeq), eq(hashes.status, 'active'), type ? eq(hashes.type, type) : ne(hashes.type, 'vpdq'));
    return (await this.db
      .select({ seq: hashes.seq, type: hashes.type, value: hashes.value })
      .from(hashes)
      .where(cond)
      .orderBy(asc(hashes.seq))
      .limit(limit)) as IndexEntry[];
  }

  async findActiveByValue(type: HashType, value: string): Promise<IndexEntry[]> {
    return (await this.db
      .select({ seq: hashes.seq, type: hashes.type, value: hashes.value })
      .from(hashes)
      .where(and(eq(hashes.type, type), eq(hashes.value, value), eq(hashes.status, 'active')))) as IndexEntry[];
  }

  async framesOf(hashId: string): Promise<VideoFrameRow[]> {
    return this.db.select().from(videoFrames).where(eq(videoFrames.hashId, hashId)).orderBy(asc(videoFrames.frame));
  }

  async framesBySeqs(seqs: number[]): Promise<FrameOwner[]> {
    const found: Omit<FrameOwner, 'indexedFrames'>[] = [];
    for (const part of chunkRows([...new Set(seqs)], 1)) {
      found.push(
        ...(await this.db
          .select({ seq: videoFrames.seq, hashId: videoFrames.hashId, frame: videoFrames.frame, timestampMs: videoFrames.timestampMs, hashSeq: hashes.seq })
          .from(videoFrames)
          .innerJoin(hashes, eq(hashes.id, videoFrames.hashId))
          .where(inArray(videoFrames.seq, part))),
      );
    }
    // Each video's count of indexed frames once (the (hash_id, frame) index finds its frames).
    const counts = new Map<string, number>();
    for (const part of chunkRows([...new Set(found.map((o) => o.hashId))], 1)) {
      const rows = await this.db
        .select({ hashId: videoFrames.hashId, n: sql<number>`count(*)` })
        .from(videoFrames)
        .where(and(inArray(videoFrames.hashId, part), eq(videoFrames.indexed, true)))
        .groupBy(videoFrames.hashId);
      for (const r of rows) counts.set(r.hashId, Number(r.n));
    }
    return found.map((o) => ({ ...o, indexedFrames: counts.get(o.hashId) ?? 0 }));
  }

  async changesSince(afterSeq: number, limit: number): Promise<ChangeRow[]> {
    const rows = await this.db.select().from(hashChanges).where(gt(hashChanges.seq, afterSeq)).orderBy(asc(hashChanges.seq)).limit(limit);
    return rows.map((r) => ({ seq: r.seq, hashId: r.hashId, kind: r.kind, at: r.at, snapshot: JSON.parse(r.snapshot) }));
  }

  async auditEntries(start: number, end: number): Promise<AuditRow[]> {
    const rows = await this.db
      .select()
      .from(auditLog)
      .where(and(gte(auditLog.seq, start + 1), lt(auditLog.seq, end + 1)))
      .orderBy(asc(auditLog.seq));
    return rows.map((r) => ({ index: r.seq - 1, at: r.at, action: r.action, actor: r.actor, entry: r.entry }));
  }

  async auditSize(): Promise<number> {
    const [row] = await this.db.select({ n: sql<number>`coalesce(max(${auditLog.seq}), 0)` }).from(auditLog);
    return Number(row?.n ?? 0);
  }

  async commit(ws: WriteSet): Promise<Committed> {
    const db = this.db;
    const stmts: BatchItem<'sqlite'>[] = [];
    for (const c of ws.putClients ?? []) {
      stmts.push(db.insert(clients).values(c).onConflictDoUpdate({ target: clients.id, set: { name: c.name, role: c.role, status: c.status, updatedAt: c.updatedAt } }));
    }
    for (const k of ws.putClientKeys ?? []) {
      const row = { ...k, jwk: JSON.stringify(k.jwk) };
      stmts.push(db.insert(clientKeys).values(row).onConflictDoUpdate({ target: [clientKeys.clientId, clientKeys.kid], set: { status: row.status, revokedAt: row.revokedAt } }));
    }
    for (const k of ws.putNodeKeys ?? []) {
      const row = { ...k, publicJwk: JSON.stringify(k.publicJwk) };
      stmts.push(db.insert(nodeKeys).values(row).onConflictDoUpdate({ target: nodeKeys.kid, set: { status: row.status, retiredAt: row.retiredAt } }));
    }
    const inserted = ws.insertHashes ?? [];
    for (const part of chunkRows(inserted, 8)) stmts.push(db.insert(hashes).values(part));
    if (this.opts.buckets) {
      // The bucket rows are derived from the hash rows inside the same batch (seq is assigned there).
      const perceptual = inserted.filter((h) => h.type === 'pdq' || h.type === 'blockhash').map((h) => h.id);
      for (const ids of chunkRows(perceptual, 1)) {
        for (let piece = 0; piece < 16; piece++) {
          const rows = db
            .select({ type: hashes.type, piece: sql<number>`${piece}`.as('piece'), key: sql<string>`substr(${hashes.value}, ${1 + 4 * piece}, 4)`.as('key'), seq: hashes.seq })
            .from(hashes)
            .where(inArray(hashes.id, ids));
          stmts.push(db.insert(hashBuckets).select(rows).onConflictDoNothing());
        }
      }
    }
    for (const part of chunkRows(ws.insertFrames ?? [], 7)) stmts.push(db.insert(videoFrames).values(part));
    for (const u of ws.updateHashes ?? []) {
      stmts.push(db.update(hashes).set({ status: u.status, updatedAt: u.updatedAt }).where(eq(hashes.id, u.id)));
    }
    for (const part of chunkRows(ws.putContributions ?? [], 7)) {
      stmts.push(
        db
          .insert(contributions)
          .values(part.map((c) => ({ ...c, labels: JSON.stringify(c.labels) })))
          .onConflictDoUpdate({
            target: [contributions.hashId, contributions.contributor],
            set: {
              labels: sql`excluded.labels`,
              externalId: sql`excluded.external_id`,
              updatedAt: sql`excluded.updated_at`,
              retractedAt: sql`excluded.retracted_at`,
            },
          }),
      );
    }
    for (const part of chunkRows(ws.putFeedback ?? [], 6)) {
      stmts.push(
        db
          .insert(feedback)
          .values(part)
          .onConflictDoUpdate({
            target: [feedback.hashId, feedback.member],
            set: { verdict: sql`excluded.verdict`, reason: sql`excluded.reason`, updatedAt: sql`excluded.updated_at` },
          }),
      );
    }
    for (const part of chunkRows(ws.changes ?? [], 4)) {
      stmts.push(db.insert(hashChanges).values(part.map((c) => ({ ...c, snapshot: JSON.stringify(c.snapshot) }))));
    }
    for (const part of chunkRows(ws.audit ?? [], 4)) stmts.push(db.insert(auditLog).values(part));
    // Read back the keys of the new hashes inside the same batch.
    const readBack = inserted.length
      ? chunkRows(inserted.map((h) => h.id), 1).map((ids) => db.select({ id: hashes.id, seq: hashes.seq }).from(hashes).where(inArray(hashes.id, ids)))
      : [];
    const videoIds = [...new Set((ws.insertFrames ?? []).map((f) => f.hashId))];
    const frameReadBack = chunkRows(videoIds, 1).map((ids) =>
      db.select({ seq: videoFrames.seq, value: videoFrames.value }).from(videoFrames).where(and(inArray(videoFrames.hashId, ids), eq(videoFrames.indexed, true))),
    );
    const all = [...stmts, ...readBack, ...frameReadBack];
    const out = new Committed();
    if (all.length === 0) return out;
    const results = await db.batch(all as [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]]);
    for (const r of results.slice(stmts.length, stmts.length + readBack.length) as { id: string; seq: number }[][]) for (const row of r) out.set(row.id, row.seq);
    for (const r of results.slice(stmts.length + readBack.length) as { seq: number; value: string }[][]) for (const f of r) out.frames.push({ seq: f.seq, type: 'vpdq', value: f.value });
    return out;
  }
}
