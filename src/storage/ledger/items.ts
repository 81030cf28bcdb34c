/**
 * The statements of items (issue 14 item 5): a share of media makes its hashes one item, in the
 * same commit as the hashes; retracting or relabelling an item acts on all its hashes in one commit.
 *
 * A member's share of an item is a row of `item_contributions`; its contributions to the item's
 * hashes are the hashes' own rows (`contributions`), so everything that reads hashes (matching, the
 * feed, federation) sees an item's hashes as before, each now naming its items.
 */
import { sql, type SQL } from 'drizzle-orm';
import { canonicalJson, entryTemplate, Hole } from '../../core/audit';
import type { LedgerItem } from '../types';
import type { Statements } from './hashes';
import { chunkJson, deriveStatus, entrySql, lastChange, read, snapshotSql, write, type Stmt } from './sql';

/** The hashes of an item `ih` (alias) joined to their rows `h`: one seek of each index per hash. */
const itemHashRows = (itemId: string) => sql`item_hashes ih cross join hashes h on h.id = ih.hash_id where ih.item_id = ${itemId}`;

/** The member's share of the item, standing. */
const standingShare = (itemId: string, member: string) =>
  sql`select 1 from item_contributions where item_id = ${itemId} and contributor = ${member} and retracted_at is null`;

/** The media of a share as one JSON argument: `m` rows with k (position), id, sha, kind, labels, c (the audit entry's content). */
function mediaCte(json: string): SQL {
  return sql`m as (select cast(j.key as integer) as k, j.value ->> '$.id' as id, j.value ->> '$.sha' as sha, j.value ->> '$.kind' as kind,
      j.value ->> '$.labels' as labels, j.value ->> '$.c' as c
    from json_each(${json}) j)`;
}

/** The member's share of item `m.id`, standing. */
const standingOf = (member: string) =>
  sql`select 1 from item_contributions ic where ic.item_id = m.id and ic.contributor = ${member} and ic.retracted_at is null`;

/** A share's media statements and, per chunk, where to read each item's state before the commit. */
export interface MediaStatements {
  stmts: Stmt[];
  /** Reads of k (position), existed, mine (the member's share stood), same (with these labels). */
  reads: number[];
}

/**
 * The items of a share of media and the member's share of each, with their audit entries
 * (`item.share`, or `item.relabel` when the member's share stood with other labels), for the
 * statements from `offset` on; what each item looked like before is read first. Items are never
 * deleted and have no foreign keys: the hashes' links to them are written with the hashes.
 */
export function mediaShareStatements(
  p: { at: number; tx: string; contributor: string; origin: string; media: (LedgerItem & { hashes: { type: string; value: string; variant: string }[] })[] },
  offset: number,
): MediaStatements {
  const { at, tx, contributor, origin } = p;
  const stmts: Stmt[] = [];
  const reads: number[] = [];
  const t = entryTemplate({ at, actor: contributor, action: new Hole('action'), subject: { kind: 'item', id: new Hole('id') }, content: new Hole('content') });
  if (t.holes.join() !== 'action,content,id') throw new Error('unexpected audit template for an item share');
  const [a0, a1, a2, a3] = t.parts;
  const encoded = p.media.map((it) =>
    JSON.stringify({
      id: it.id,
      sha: it.sha256,
      kind: it.kind,
      labels: JSON.stringify(it.labels),
      c: canonicalJson({ sha256: it.sha256, kind: it.kind, labels: it.labels, hashes: it.hashes }),
    }),
  );
  let base = 0;
  for (const chunk of chunkJson(encoded)) {
    const m = mediaCte(`[${chunk.join(',')}]`);
    reads.push(
      offset +
        stmts.push(
          read(
            ['k', 'existed', 'mine', 'same'],
            sql`with ${m} select m.k + ${base} as k, exists (select 1 from items it where it.id = m.id) as existed,
            exists (${standingOf(contributor)}) as mine, exists (${standingOf(contributor)} and ic.labels = m.labels) as same from m`,
          ),
        ) -
        1,
    );
    // An item keeps the kind it was first shared as: a share naming stored media as another kind
    // fails here (items.sha256 is NOT NULL), and with it the whole commit; services/sharing.ts
    // words the refusal from the stored kind.
    stmts.push(
      write(sql`with ${m} insert into items (id, origin, sha256, kind, created_at, tx)
        select m.id, ${origin}, null, m.kind, ${at}, ${tx} from m cross join items it on it.id = m.id where it.kind is not m.kind`),
    );
    stmts.push(
      write(
        sql`with ${m} insert into items (id, origin, sha256, kind, created_at, tx) select m.id, ${origin}, m.sha, m.kind, ${at}, ${tx} from m where true on conflict do nothing`,
      ),
      write(sql`with ${m}, x as (select m.k, m.id, m.c, case when exists (${standingOf(contributor)}) then 'item.relabel' else 'item.share' end as act
          from m where not exists (${standingOf(contributor)} and ic.labels = m.labels))
        insert into audit_log (at, action, actor, entry)
        select ${at}, x.act, ${contributor}, ${a0} || json_quote(x.act) || ${a1} || x.c || ${a2} || json_quote(x.id) || ${a3}
        from x order by x.k`),
      write(sql`with ${m}
        insert into item_contributions (item_id, contributor, labels, created_at, updated_at, retracted_at, tx)
        select m.id, ${contributor}, m.labels, ${at}, ${at}, null, ${tx} from m where true
        on conflict (item_id, contributor) do update set
          labels = excluded.labels, updated_at = excluded.updated_at,
          created_at = case when item_contributions.retracted_at is null then item_contributions.created_at else excluded.created_at end,
          retracted_at = null, tx = excluded.tx
        where item_contributions.retracted_at is not null or item_contributions.labels is not excluded.labels`),
    );
    base += chunk.length;
  }
  return { stmts, reads };
}

/** Links the hashes of a share's CTE `i` to the items each names (`i.links`: [{item, variant}]); a link made stays. */
export function itemLinkStatement(items: SQL, hashOfItem: SQL, tx: string): Stmt {
  return write(sql`with ${items}
    insert into item_hashes (item_id, hash_id, variant, tx)
    select x.value ->> '$.item', h.id, x.value ->> '$.variant', ${tx} from i ${hashOfItem} cross join json_each(i.links) x where i.links is not null
    on conflict (item_id, hash_id) do nothing`);
}

/**
 * The contributions an item retraction withdraws: to the item's hashes, by the member (admins: by
 * anyone), standing, and not held by another standing item of the same contributor (a hash two of
 * a member's images share stays while the other stands).
 */
function leavingContributions(itemId: string, contributor: string | null): SQL {
  const all = contributor === null ? 1 : 0;
  // Item first, then each of its hashes' contributions: seeks, never a scan of contributions.
  return sql`item_hashes lh cross join contributions c on c.hash_id = lh.hash_id
    where lh.item_id = ${itemId} and c.retracted_at is null and (${all} = 1 or c.contributor = ${contributor})
    and not exists (select 1 from item_hashes o cross join item_contributions oc on oc.item_id = o.item_id
      where o.hash_id = c.hash_id and o.item_id <> ${itemId} and oc.contributor = c.contributor and oc.retracted_at is null)`;
}

/** The change-log rows of the item's hashes this commit changed (a tombstone where none stands any more). */
function itemChanges(at: number, tx: string, itemId: string): Stmt {
  return write(sql`insert into changes (at, kind, subject, snapshot)
    select ${at}, case when h.tx = ${tx} then (case h.status when 'active' then 'add' else 'retract' end) else 'update' end, h.id, ${snapshotSql('h')}
    from ${itemHashRows(itemId)} and (h.tx = ${tx} or exists (select 1 from contributions c where c.hash_id = h.id and c.tx = ${tx}))
    order by ih.rowid`);
}

/** The commit's result: shares standing, whether it changed anything, how many hashes it touched. */
function itemResult(itemId: string, tx: string): Stmt {
  return read(
    ['contributors', 'changed', 'hashes'],
    sql`select
      (select count(*) from item_contributions where item_id = ${itemId} and retracted_at is null) as contributors,
      exists (select 1 from item_contributions where item_id = ${itemId} and tx = ${tx})
        or exists (select 1 from item_hashes ih cross join contributions c on c.hash_id = ih.hash_id where ih.item_id = ${itemId} and c.tx = ${tx}) as changed,
      (select count(*) from item_hashes ih where ih.item_id = ${itemId} and exists (select 1 from contributions c where c.hash_id = ih.hash_id and c.tx = ${tx})) as hashes`,
  );
}

export function retractItemStatements(p: { at: number; tx: string; actor: string; itemId: string; sha256: string; contributor: string | null }): Statements {
  const { at, tx, itemId } = p;
  const all = p.contributor === null ? 1 : 0;
  const leavingShares = sql`item_id = ${itemId} and retracted_at is null and (${all} = 1 or contributor = ${p.contributor})`;
  const leaving = leavingContributions(itemId, p.contributor);
  const t = entryTemplate({
    at,
    actor: p.actor,
    action: 'item.retract',
    subject: { kind: 'item', id: itemId },
    content: { sha256: p.sha256, contributorsRetracted: new Hole('members'), hashesRetracted: new Hole('hashes') },
  });
  const stmts: Stmt[] = [
    // The entry names what is about to leave, so it is written first.
    write(sql`insert into audit_log (at, action, actor, entry)
      select ${at}, 'item.retract', ${p.actor}, ${entrySql(t, {
        members: sql`select json_group_array(contributor order by contributor) from item_contributions where ${leavingShares}`,
        hashes: sql`select json_group_array(distinct c.hash_id order by c.hash_id) from ${leaving}`,
      })}
      where exists (select 1 from item_contributions where ${leavingShares}) or exists (select 1 from ${leaving})`),
    write(sql`update contributions set retracted_at = ${at}, updated_at = ${at}, tx = ${tx}
      where rowid in (select c.rowid from ${leaving})`),
    write(sql`update item_contributions set retracted_at = ${at}, updated_at = ${at}, tx = ${tx} where ${leavingShares}`),
    deriveStatus(sql`select h.seq from ${itemHashRows(itemId)}`, at, tx),
    itemChanges(at, tx, itemId),
  ];
  const result = stmts.push(itemResult(itemId, tx)) - 1;
  return { stmts, result, last: stmts.push(lastChange()) - 1 };
}

export function relabelItemStatements(p: { at: number; tx: string; member: string; itemId: string; labels: string[] }): Statements {
  const { at, tx, member, itemId } = p;
  const labels = JSON.stringify(p.labels);
  const standing = sql`exists (${standingShare(itemId, member)})`;
  const differing = sql`item_hashes lh cross join contributions c on c.hash_id = lh.hash_id and c.contributor = ${member}
    where lh.item_id = ${itemId} and c.retracted_at is null and c.labels is not ${labels}`;
  const t = entryTemplate({
    at,
    actor: member,
    action: 'item.relabel',
    subject: { kind: 'item', id: itemId },
    content: { labels: p.labels, hashesRelabelled: new Hole('hashes') },
  });
  const stmts: Stmt[] = [
    write(sql`insert into audit_log (at, action, actor, entry)
      select ${at}, 'item.relabel', ${member}, ${entrySql(t, { hashes: sql`select json_group_array(c.hash_id order by c.hash_id) from ${differing}` })}
      where ${standing} and (exists (${standingShare(itemId, member)} and labels is not ${labels}) or exists (select 1 from ${differing}))`),
    write(sql`update item_contributions set labels = ${labels}, updated_at = ${at}, tx = ${tx}
      where item_id = ${itemId} and contributor = ${member} and retracted_at is null and labels is not ${labels}`),
    write(sql`update contributions set labels = ${labels}, updated_at = ${at}, tx = ${tx}
      where ${standing} and rowid in (select c.rowid from ${differing})`),
    itemChanges(at, tx, itemId),
  ];
  const result = stmts.push(itemResult(itemId, tx)) - 1;
  return { stmts, result, last: stmts.push(lastChange()) - 1 };
}
