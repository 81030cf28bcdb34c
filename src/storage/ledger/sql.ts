/**
 * The pieces the ledger's statements are made of. Every statement of a commit runs in one batch
 * (one transaction, with the write lock held from its first statement: libsql `BEGIN IMMEDIATE`,
 * D1 runs a batch alone), so a statement sees exactly what the statements before it left, and
 * conditions written in SQL decide on the state the commit really changes. A commit marks the rows
 * it changes with its own token (`tx`), so later statements of the same batch find them.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { EntryTemplate } from '../../core/audit';

/** One statement of a batch; `read` ones return rows. */
export interface Stmt {
  q: SQL;
  read?: boolean;
}

export const write = (q: SQL): Stmt => ({ q });

/**
 * A read inside a batch. Its rows come back as one JSON array of objects in one column: libsql and
 * D1 hand back raw rows of a batch in different shapes (objects, arrays), one value reads the same
 * on both.
 */
export function read(columns: string[], q: SQL): Stmt {
  const pairs = columns.map((c) => `'${c}', r.${c}`).join(', ');
  return { q: sql`select json_group_array(json_object(${sql.raw(pairs)})) as rows from (${q}) r`, read: true };
}

/**
 * JSON-array arguments are cut so that no statement carries more than this many characters in one
 * parameter (D1 takes strings up to 2 MB; a batch of 1000 hashes is ~300 kB).
 */
const MAX_JSON_PARAM = 500_000;

/** Cuts rows, each already JSON, into groups that stay under MAX_JSON_PARAM together (one row at least per group). */
export function chunkJson(rows: string[]): string[][] {
  const out: string[][] = [];
  let cur: string[] = [];
  let size = 2;
  for (const r of rows) {
    const n = r.length + 1;
    if (cur.length && size + n > MAX_JSON_PARAM) {
      out.push(cur);
      cur = [];
      size = 2;
    }
    cur.push(r);
    size += n;
  }
  if (cur.length) out.push(cur);
  return out;
}

/**
 * An audit entry from a template (core/audit-event entryTemplate) whose holes are filled by SQL
 * expressions. The expressions must produce canonical JSON text: `json_quote` of plain identifiers,
 * integers, `json_group_array` of plain identifiers.
 */
export function entrySql(t: EntryTemplate, fill: Record<string, SQL>): SQL {
  const pieces: SQL[] = [sql`${t.parts[0]}`];
  t.holes.forEach((h, i) => {
    const e = fill[h];
    if (!e) throw new Error(`no SQL for audit entry hole ${h}`);
    pieces.push(sql`(${e})`, sql`${t.parts[i + 1]}`);
  });
  return sql.join(pieces, sql` || `);
}

/** The contributions of hash `h` (an alias) still standing. */
const standing = (h: string) => sql.raw(`select 1 from contributions sc where sc.hash_id = ${h}.id and sc.retracted_at is null`);

/**
 * The hash `h` as the feed shows it after a change: its labels are the union of the standing
 * contributions' labels, sorted; its contributors, how many stand. (A video's frames are rows of their own.)
 */
export const snapshotSql = (h: string) => {
  const hash = `json_object('id', ${h}.id, 'type', ${h}.type, 'value', ${h}.value, 'status', ${h}.status,
    'labels', json((select json_group_array(l order by l) from
      (select distinct lj.value as l from contributions lc, json_each(lc.labels) lj where lc.hash_id = ${h}.id and lc.retracted_at is null))),
    'contributors', (select count(*) from contributions cc where cc.hash_id = ${h}.id and cc.retracted_at is null))`;
  // The items it belongs to, first shared first, only when it belongs to one (a feed row of a hash
  // shared alone keeps its shape); CASE evaluates one branch, so the object is built once.
  return sql.raw(`case when exists (select 1 from item_hashes ie cross join items it on it.id = ie.item_id where ie.hash_id = ${h}.id and ${itemNamed(h)})
    then json_set(${hash}, '$.items', json((select json_group_array(json_object('id', ih.item_id, 'variant', ih.variant) order by ih.rowid)
      from item_hashes ih cross join items it on it.id = ih.item_id where ih.hash_id = ${h}.id and ${itemNamed(h)})))
    else ${hash} end`);
};

/**
 * Which of a hash's items (`it`, of the hash aliased `h`) it names (in the feed, matches, federation): an
 * active hash the items that stand, a retracted one every item it was part of (a tombstone says
 * what it was). Shared as SQL text with the stores' reads (hash-store.ts).
 */
export const itemNamed = (h: string) => `(${h}.status = 'retracted' or it.status = 'active')`;

/**
 * The labels a member gives a hash (SQL expressions): the union of `direct` (its share
 * of the hash alone, JSON or null) and the labels of its standing shares of the standing items that
 * hold the hash, sorted, as JSON. A retracted item is no source until its media is shared again (the
 * share's statements make it active before they work out the contributions); a member's share is
 * withdrawn with its last contribution to the item's hashes (hashes.ts, retractStatements). Seeks only: the hash's links by
 * item_hashes_hash, each share and each item by its key.
 */
export function memberLabelsSql(hash: SQL, member: SQL, direct: SQL): SQL {
  return sql`(select json_group_array(ml.l order by ml.l) from (
      select lj.value as l from json_each(coalesce(${direct}, '[]')) lj
      union
      select lj.value from item_hashes lih cross join item_contributions lic on lic.item_id = lih.item_id and lic.contributor = ${member}
        cross join items lit on lit.id = lih.item_id cross join json_each(lic.labels) lj
      where lih.hash_id = ${hash} and lic.retracted_at is null and lit.status = 'active') ml)`;
}

/** An item (`it`, of this node) that no longer stands: no member's share of it stands, or none of its hashes is active. */
const itemFallen = `it.origin = '' and it.status = 'active'
  and (not exists (select 1 from item_contributions sic where sic.item_id = it.id and sic.retracted_at is null)
    or not exists (select 1 from item_hashes sih cross join hashes sh on sh.id = sih.hash_id where sih.item_id = it.id and sh.status = 'active'))`;

/**
 * Retracts the item `itemId`, or the items hash `hashId` belongs to, when it no longer stands (its
 * hashes retracted one by one, or no share of it standing), marked with the commit's token. Only a
 * new share of the item makes it active again (the media share's statements): a hash of it shared
 * again alone does not. By the item's id, or, for a hash's items, an upsert whose rows come from
 * the hash's links (the links, then each item, by their keys, whatever the tables' sizes; every
 * row conflicts, so it only updates).
 */
export function deriveItemStatus(of: { itemId: string } | { hashId: string }, tx: string): Stmt {
  if ('itemId' in of) {
    return write(sql`update items as it set status = 'retracted', tx = ${tx} where it.id = ${of.itemId} and ${sql.raw(itemFallen)}`);
  }
  return write(sql`insert into items (id, origin, sha256, kind, status, created_at, tx)
    select it.id, it.origin, it.sha256, it.kind, 'retracted', it.created_at, ${tx}
    from item_hashes ih cross join items it on it.id = ih.item_id where ih.hash_id = ${of.hashId} and ${sql.raw(itemFallen)}
    on conflict (id) do update set status = 'retracted', tx = excluded.tx`);
}

/** The change log's last sequence, read at the end of a commit's batch. */
export const lastChange = () => read(['last'], sql`select coalesce(max(seq), 0) as last from changes`);

/**
 * Sets the status of the hashes whose seq the subquery gives to what their standing contributions
 * say (active while one stands), marking those that change with the commit's token.
 */
export function deriveStatus(seqs: SQL, at: number, tx: string): Stmt {
  return write(sql`update hashes set
      status = case when exists (${standing('hashes')}) then 'active' else 'retracted' end,
      updated_at = ${at}, tx = ${tx}
    where seq in (${seqs})
      and status is not (case when exists (${standing('hashes')}) then 'active' else 'retracted' end)`);
}
