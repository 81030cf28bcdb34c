/** The SQL FederationStore: the peers this node pulls from, and its own hashes' changes for its feed. Reads only; the ledger writes. */
import { asc, eq, sql } from 'drizzle-orm';
import type { ServedItemRef } from '../core/federation';
import type { HashType } from '../core/hashes';
import { isItemKind, itemRefsFromJson } from '../core/items';
import { parseJson } from '../core/json';
import type { AppDb } from './db';
import { peers } from './schema';
import type { ChangeKind, FederationStore, LocalChange, PeerRow } from './types';

interface RawChange {
  seq: number;
  kind: string;
  at: number;
  subject: string;
  snapshot: string;
  ext: string | null;
  items: string;
}

export class SqlFederationStore implements FederationStore {
  constructor(private readonly db: AppDb) {}

  async listPeers(): Promise<PeerRow[]> {
    return (await this.db.select().from(peers).orderBy(asc(peers.createdAt), asc(peers.id))).map(toPeer);
  }

  async getPeer(id: string): Promise<PeerRow | null> {
    const [row] = await this.db.select().from(peers).where(eq(peers.id, id));
    return row ? toPeer(row) : null;
  }

  async heldOf(origin: string, hashes: { type: string; value: string }[]): Promise<Set<string>> {
    if (!hashes.length) return new Set();
    // One seek of the (type, value, origin) index per hash; only the rows found come back.
    const rows = await this.db.all<{ type: string; value: string }>(sql`
      select h.type, h.value from json_each(${JSON.stringify(hashes.map((h) => [h.type, h.value]))}) j
      cross join hashes h on h.type = j.value ->> 0 and h.value = j.value ->> 1 and h.origin = ${origin}`);
    return new Set(rows.map((r) => `${r.type}:${r.value}`));
  }

  async unseenOf(peerId: string, limit: number): Promise<{ type: HashType; value: string }[]> {
    return this.db.all<{ type: HashType; value: string }>(
      sql`select type, value from peer_unseen where peer_id = ${peerId} order by type, value limit ${limit}`,
    );
  }

  async localChanges(after: number, upTo: number, limit: number): Promise<LocalChange[]> {
    // The log in order (its primary key), each row's hash found by id; pulled hashes are passed over.
    const rows = await this.db.all<RawChange>(sql`
      select c.seq, c.kind, c.at, c.subject, c.snapshot,
        (select sc.external_id from contributions sc where sc.hash_id = h.id and sc.retracted_at is null order by sc.created_at, sc.contributor limit 1) as ext,
        (select json_group_array(json_object('id', it.id, 'variant', s.value ->> '$.variant', 'sha256', it.sha256, 'kind', it.kind) order by s.key)
          from json_each(c.snapshot, '$.items') s cross join items it on it.id = s.value ->> '$.id') as items
      from changes c cross join hashes h on h.id = c.subject
      where c.seq > ${after} and c.seq <= ${upTo} and c.kind in ('add', 'update', 'retract') and h.origin = ''
      order by c.seq limit ${limit}`);
    return rows.map((r) => ({
      seq: Number(r.seq),
      kind: changeKind(r.kind),
      at: Number(r.at),
      hashId: String(r.subject),
      snapshot: JSON.parse(String(r.snapshot)),
      externalId: r.ext === null ? null : String(r.ext),
      items: itemRefsFromJson(String(r.items)).flatMap(({ id, variant, sha256, kind }): ServedItemRef[] =>
        typeof sha256 === 'string' && isItemKind(kind) ? [{ id, variant, sha256, kind }] : [],
      ),
    }));
  }
}

function toPeer({ tx: _, lastRefusal: __, labels, ...r }: typeof peers.$inferSelect): PeerRow {
  return { ...r, labels: labels === null ? null : labelList(labels) };
}

/** A peer's labels as stored (a JSON array of label ids, written by the ledger). */
function labelList(json: string): string[] {
  const list = parseJson(json);
  return Array.isArray(list) ? list.filter((l) => typeof l === 'string') : [];
}

/** The kind of a change the query selected (it selects only these three). */
function changeKind(kind: string): ChangeKind {
  if (kind === 'add' || kind === 'update' || kind === 'retract') return kind;
  throw new Error(`unexpected change kind ${kind} in the federation feed`);
}
