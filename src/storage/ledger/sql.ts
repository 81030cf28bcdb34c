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
  return sql.raw(`case when exists (select 1 from item_hashes ie where ie.hash_id = ${h}.id)
    then json_set(${hash}, '$.items', json((select json_group_array(json_object('id', ih.item_id, 'variant', ih.variant) order by ih.rowid) from item_hashes ih where ih.hash_id = ${h}.id)))
    else ${hash} end`);
};

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
