/** The SQL HashStore (drizzle; libsql or D1): reads only; the ledger writes. */
import { and, asc, eq, gt, inArray, notInArray, sql, type SQL } from 'drizzle-orm';
import { isListHashType, LIST_HASH_TYPES, type HashType } from '../core/hashes';
import { isItemKind, itemRefsFromJson, type ItemKind } from '../core/items';
import { chunkRows, type AppDb } from './db';
import { itemNamed } from './ledger/sql';
import { changes, hashes, items, videoFrames } from './schema';
import type {
  ChangeKind,
  ChangeRow,
  ContributionRow,
  FeedbackRow,
  FollowedChange,
  FrameOwner,
  HashDetail,
  HashRow,
  HashStore,
  IndexEntry,
  ItemContributionRow,
  ItemDetail,
  LoggedChange,
  VideoFrameRow,
} from './types';

interface RawDetail {
  seq: number;
  id: string;
  type: string;
  value: string;
  origin: string;
  status: string;
  created_at: number;
  updated_at: number;
  origin_contributors: number | null;
  contribs: string;
  fb: string;
  items: string;
}

interface RawItem {
  id: string;
  origin: string;
  sha256: string;
  kind: string;
  status: string;
  created_at: number;
  contribs: string;
  members: string;
}

/** The shares of an item as the database's JSON gives them, read member by member. */
function itemContributionsFromJson(text: string): ItemContributionRow[] {
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed)) return [];
  return parsed.flatMap((c: unknown): ItemContributionRow[] => {
    if (typeof c !== 'object' || c === null || !('contributor' in c) || !('labels' in c) || !('createdAt' in c) || !('updatedAt' in c) || !('retractedAt' in c))
      return [];
    const labels = Array.isArray(c.labels) ? c.labels.filter((l: unknown) => typeof l === 'string') : [];
    return [
      {
        contributor: String(c.contributor),
        labels,
        createdAt: Number(c.createdAt),
        updatedAt: Number(c.updatedAt),
        retractedAt: c.retractedAt === null ? null : Number(c.retractedAt),
      },
    ];
  });
}

/**
 * The active hashes of a type among these items': item_hashes by the items' key, then each hash by
 * its id. CROSS JOIN keeps that order: left to itself SQLite's planner starts from hashes by type,
 * a walk over every hash of the type.
 */
export function activeOfItemsQuery(itemIds: string[], type: HashType): SQL {
  return sql`select h.seq, h.type, h.value from item_hashes ih cross join hashes h on h.id = ih.hash_id
    where ih.item_id in (${sql.join(
      itemIds.map((x) => sql`${x}`),
      sql`, `,
    )}) and h.type = ${type} and h.status = 'active'`;
}

export class SqlHashStore implements HashStore {
  constructor(private readonly db: AppDb) {}

  async ping(): Promise<void> {
    await this.db.run(sql`select 1`);
  }

  async getById(id: string): Promise<HashDetail | null> {
    const [detail] = await this.detailsWhere(sql`h.id = ${id}`);
    return detail ?? null;
  }

  async itemKinds(ids: string[]): Promise<Map<string, ItemKind>> {
    const out = new Map<string, ItemKind>();
    for (const part of chunkRows(ids, 1)) {
      const rows = await this.db.select({ id: items.id, kind: items.kind }).from(items).where(inArray(items.id, part));
      for (const r of rows) if (isItemKind(r.kind)) out.set(r.id, r.kind);
    }
    return out;
  }

  async getItem(id: string): Promise<ItemDetail | null> {
    const [row] = await this.db.all<RawItem>(sql`
      select i.id, i.origin, i.sha256, i.kind, i.status, i.created_at,
        (select json_group_array(json_object('contributor', c.contributor, 'labels', json(c.labels), 'createdAt', c.created_at,
            'updatedAt', c.updated_at, 'retractedAt', c.retracted_at) order by c.created_at, c.contributor)
          from item_contributions c where c.item_id = i.id) as contribs,
        (select json_group_array(json_object('hashId', ih.hash_id, 'variant', ih.variant) order by ih.rowid)
          from item_hashes ih where ih.item_id = i.id) as members
      from items i where i.id = ${id}`);
    if (!row) return null;
    const members = JSON.parse(String(row.members)) as { hashId: string; variant: string }[];
    const details = new Map<string, HashDetail>();
    for (const part of chunkRows(
      members.map((m) => m.hashId),
      1,
    )) {
      for (const d of await this.detailsWhere(
        sql`h.id in (${sql.join(
          part.map((x) => sql`${x}`),
          sql`, `,
        )})`,
      ))
        details.set(d.id, d);
    }
    return {
      id: String(row.id),
      origin: String(row.origin),
      sha256: String(row.sha256),
      kind: isItemKind(row.kind) ? row.kind : 'image',
      status: row.status === 'retracted' ? 'retracted' : 'active',
      createdAt: Number(row.created_at),
      hashes: members.flatMap((m) => {
        const d = details.get(m.hashId);
        return d ? [{ ...d, variant: m.variant }] : [];
      }),
      contributions: itemContributionsFromJson(String(row.contribs)),
    };
  }

  async getBySeqs(seqs: number[]): Promise<HashDetail[]> {
    const out: HashDetail[] = [];
    // The match hot path: each hash with its contributions and feedback in one statement.
    for (const part of chunkRows([...new Set(seqs)], 1))
      out.push(
        ...(await this.detailsWhere(
          sql`h.seq in (${sql.join(
            part.map((x) => sql`${x}`),
            sql`, `,
          )})`,
        )),
      );
    return out;
  }

  private async detailsWhere(cond: SQL): Promise<HashDetail[]> {
    const rows = await this.db.all<RawDetail>(sql`
      select h.seq, h.id, h.type, h.value, h.origin, h.status, h.created_at, h.updated_at, h.origin_contributors,
        (select json_group_array(json_object('contributor', c.contributor, 'labels', json(c.labels), 'externalId', c.external_id,
            'createdAt', c.created_at, 'updatedAt', c.updated_at, 'retractedAt', c.retracted_at))
          from contributions c where c.hash_id = h.id) as contribs,
        (select json_group_array(json_object('member', f.member, 'verdict', f.verdict, 'reason', f.reason,
            'createdAt', f.created_at, 'updatedAt', f.updated_at))
          from feedback f where f.hash_id = h.id) as fb,
        (select json_group_array(json_object('id', ih.item_id, 'variant', ih.variant) order by ih.rowid)
          from item_hashes ih cross join items it on it.id = ih.item_id where ih.hash_id = h.id and ${sql.raw(itemNamed('h'))}) as items
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
        ...(r.origin_contributors === null ? {} : { originContributors: Number(r.origin_contributors) }),
        contributions: (JSON.parse(String(r.contribs)) as Omit<ContributionRow, 'hashId'>[]).map((c) => ({ hashId: id, ...c })).sort(byCreated),
        feedback: (JSON.parse(String(r.fb)) as Omit<FeedbackRow, 'hashId'>[]).map((f) => ({ hashId: id, ...f })).sort(byCreated),
        items: itemRefsFromJson(String(r.items)).map(({ id, variant }) => ({ id, variant })),
      };
    });
  }

  async listActive(afterSeq: number, limit: number, type?: HashType): Promise<IndexEntry[]> {
    if (type && isListHashType(type)) {
      // A video's frames and a PDF's pages share the table; the hash's type tells them apart.
      const rows = await this.db
        .select({ seq: videoFrames.seq, value: videoFrames.value })
        .from(videoFrames)
        .innerJoin(hashes, eq(hashes.id, videoFrames.hashId))
        .where(and(eq(videoFrames.indexed, true), gt(videoFrames.seq, afterSeq), eq(hashes.status, 'active'), eq(hashes.type, type)))
        .orderBy(asc(videoFrames.seq))
        .limit(limit);
      return rows.map((r) => ({ seq: r.seq, type, value: r.value }));
    }
    const cond = and(gt(hashes.seq, afterSeq), eq(hashes.status, 'active'), type ? eq(hashes.type, type) : notInArray(hashes.type, [...LIST_HASH_TYPES]));
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

  async activeOfItems(itemIds: string[], type: HashType): Promise<IndexEntry[]> {
    const out = new Map<number, IndexEntry>();
    // One parameter an item, and the type.
    for (const part of chunkRows([...new Set(itemIds)], 1, 1))
      for (const r of await this.db.all<{ seq: number; type: HashType; value: string }>(activeOfItemsQuery(part, type)))
        out.set(Number(r.seq), { seq: Number(r.seq), type: r.type, value: String(r.value) });
    return [...out.values()];
  }

  async framesOf(hashId: string): Promise<VideoFrameRow[]> {
    return this.db.select().from(videoFrames).where(eq(videoFrames.hashId, hashId)).orderBy(asc(videoFrames.frame));
  }

  async frameCounts(hashIds: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const part of chunkRows([...new Set(hashIds)], 1)) {
      const rows = await this.db
        .select({ hashId: videoFrames.hashId, n: sql<number>`count(*)` })
        .from(videoFrames)
        .where(inArray(videoFrames.hashId, part))
        .groupBy(videoFrames.hashId);
      for (const r of rows) out.set(r.hashId, Number(r.n));
    }
    return out;
  }

  async framesOfMany(hashIds: string[]): Promise<Map<string, VideoFrameRow[]>> {
    const out = new Map<string, VideoFrameRow[]>();
    for (const part of chunkRows([...new Set(hashIds)], 1)) {
      for (const f of await this.db
        .select()
        .from(videoFrames)
        .where(inArray(videoFrames.hashId, part))
        .orderBy(asc(videoFrames.hashId), asc(videoFrames.frame))) {
        const list = out.get(f.hashId);
        if (list) list.push(f);
        else out.set(f.hashId, [f]);
      }
    }
    return out;
  }

  async framesBySeqs(seqs: number[]): Promise<FrameOwner[]> {
    const found: Omit<FrameOwner, 'indexedFrames'>[] = [];
    for (const part of chunkRows([...new Set(seqs)], 1)) {
      found.push(
        ...(await this.db
          .select({
            seq: videoFrames.seq,
            hashId: videoFrames.hashId,
            frame: videoFrames.frame,
            timestampMs: videoFrames.timestampMs,
            hashSeq: hashes.seq,
            hashType: hashes.type,
          })
          .from(videoFrames)
          .innerJoin(hashes, eq(hashes.id, videoFrames.hashId))
          .where(inArray(videoFrames.seq, part))),
      );
    }
    // Each video's count of indexed frames once (the (hash_id, frame) index finds its frames).
    const counts = new Map<string, number>();
    // One parameter a hash, and `indexed`.
    for (const part of chunkRows([...new Set(found.map((o) => o.hashId))], 1, 1)) {
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
    const rows = await this.db
      .select()
      .from(changes)
      .where(and(gt(changes.seq, afterSeq), inArray(changes.kind, ['add', 'update', 'retract'])))
      .orderBy(asc(changes.seq))
      .limit(limit);
    return rows.map((r) => ({ seq: r.seq, hashId: r.subject, kind: r.kind as ChangeKind, at: r.at, snapshot: JSON.parse(r.snapshot ?? 'null') }));
  }

  async lastChange(): Promise<number> {
    const [row] = await this.db.select({ n: sql<number>`coalesce(max(${changes.seq}), 0)` }).from(changes);
    return Number(row?.n ?? 0);
  }

  async changeAt(seq: number): Promise<LoggedChange | null> {
    const [row] = await this.db.select().from(changes).where(eq(changes.seq, seq));
    return row ?? null;
  }

  async changesAfter(afterSeq: number, limit: number): Promise<FollowedChange[]> {
    const rows = await this.db
      .select({ seq: changes.seq, kind: changes.kind, subject: changes.subject, hashSeq: hashes.seq, type: hashes.type, value: hashes.value })
      .from(changes)
      .leftJoin(hashes, and(inArray(changes.kind, ['add', 'update', 'retract', 'feedback']), eq(hashes.id, changes.subject)))
      .where(gt(changes.seq, afterSeq))
      .orderBy(asc(changes.seq))
      .limit(limit);
    return rows.map((r) => ({
      seq: r.seq,
      kind: r.kind,
      subject: r.subject,
      ...(r.hashSeq !== null ? { hash: { seq: r.hashSeq, type: r.type as HashType, value: r.value! } } : {}),
    }));
  }

  async indexedFramesOf(hashIds: string[]): Promise<(IndexEntry & { hashId: string })[]> {
    const out: (IndexEntry & { hashId: string })[] = [];
    // One parameter a hash, and `indexed`.
    for (const part of chunkRows(hashIds, 1, 1)) {
      const rows = await this.db
        .select({ seq: videoFrames.seq, value: videoFrames.value, hashId: videoFrames.hashId, type: hashes.type })
        .from(videoFrames)
        .innerJoin(hashes, eq(hashes.id, videoFrames.hashId))
        .where(and(inArray(videoFrames.hashId, part), eq(videoFrames.indexed, true)));
      for (const r of rows) out.push({ seq: r.seq, type: r.type as HashType, value: r.value, hashId: r.hashId });
    }
    return out;
  }
}
