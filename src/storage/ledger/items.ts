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
import { chunkRows } from '../db';
import type { LedgerItem } from '../types';
import type { Statements } from './hashes';
import { chunkJson, deriveItemStatus, deriveStatus, entrySql, lastChange, memberLabelsSql, read, snapshotSql, write, type Stmt } from './sql';

/** The hashes of an item `ih` (alias) joined to their rows `h`: one seek of each index per hash. */
const itemHashRows = (itemId: string) => sql`item_hashes ih cross join hashes h on h.id = ih.hash_id where ih.item_id = ${itemId}`;

/** The member's share of the item, standing. */
const standingShare = (itemId: string, member: string) =>
  sql`select 1 from item_contributions where item_id = ${itemId} and contributor = ${member} and retracted_at is null`;

/**
 * The media of a share as one JSON argument: `m` rows with k (position), id, sha, kind, labels, the
 * audit entry's content in two pieces (c1 up to its `hashes`, c2 after them: an entry lists between
 * them the hashes the share relabelled without naming them).
 */
function mediaCte(json: string): SQL {
  return sql`m as (select cast(j.key as integer) as k, j.value ->> '$.id' as id, j.value ->> '$.sha' as sha, j.value ->> '$.kind' as kind,
      j.value ->> '$.labels' as labels, j.value ->> '$.c1' as c1, j.value ->> '$.c2' as c2
    from json_each(${json}) j)`;
}

/**
 * The token a share stamps on a member's contribution to a hash of one of its items that it did not
 * name, when its share of the item changed and with it the contribution's labels: the change-log rows
 * of those hashes are written after the hashes' own (which give the hashes the share names theirs),
 * then the contributions get the commit's token. Also read by the share's outcome (hashes.ts).
 */
export const unnamedToken = (tx: string) => `${tx}/items`;

/** The labels contribution `c` has from its sources standing now (its share alone, its standing items). */
const sourcesLabels = memberLabelsSql(sql`c.hash_id`, sql`c.contributor`, sql`c.direct_labels`);

/** The member's share of item `m.id`, standing. */
const standingOf = (member: string) =>
  sql`select 1 from item_contributions ic where ic.item_id = m.id and ic.contributor = ${member} and ic.retracted_at is null`;

/** A share's media statements and, per chunk, where to read each item's state before the commit. */
export interface MediaStatements {
  stmts: Stmt[];
  /** Statements that go after the hashes' (the change-log rows of the other hashes of items that began standing again). */
  after: Stmt[];
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
  p: {
    at: number;
    tx: string;
    contributor: string;
    origin: string;
    media: (LedgerItem & { hashes: { type: string; value: string; variant: string }[] })[];
    /** Every hash the request names, with an item or alone: the hashes' statements work out the member's labels on each. */
    named: { type: string; value: string }[];
  },
  offset: number,
): MediaStatements {
  const { at, tx, contributor, origin } = p;
  // The ids of the hashes the request names, as a subquery of no outer column: SQLite runs it once a
  // statement, into an index of its own that each hash of an item then seeks (never a scan of the
  // request's list a hash, which costs hashes x named under the write lock). A hash not stored yet
  // is in no item yet. The list cut in JSON arguments like the items (one, but for a huge request).
  const namedIds = p.named.length
    ? sql.join(
        chunkJson(p.named.map((h) => JSON.stringify([h.type, h.value]))).map(
          (part) =>
            sql`select nh.id from json_each(${`[${part.join(',')}]`}) nx cross join hashes nh on nh.origin = ${origin} and nh.type = nx.value ->> 0 and nh.value = nx.value ->> 1`,
        ),
        sql` union all `,
      )
    : sql`select null where false`;
  // The member's share stood before with other labels (the entry's action is item.relabel): a token
  // of its own until the entry is written, then the commit's.
  const relabelTx = `${tx}/relabel`;
  const unnamedTx = unnamedToken(tx);
  const stmts: Stmt[] = [];
  const after: Stmt[] = [];
  const reads: number[] = [];
  const t = entryTemplate({ at, actor: contributor, action: new Hole('action'), subject: { kind: 'item', id: new Hole('id') }, content: new Hole('content') });
  if (t.holes.join() !== 'action,content,id') throw new Error('unexpected audit template for an item share');
  const [a0, a1, a2, a3] = t.parts;
  const encoded = p.media.map((it) => {
    const c = canonicalJson({ sha256: it.sha256, kind: it.kind, labels: it.labels, hashes: it.hashes });
    // `hashes` is the content's first key and `hashesRelabelled` would follow it (RFC 8785 order).
    const c1 = `{"hashes":${canonicalJson(it.hashes)}`;
    if (!c.startsWith(c1)) throw new Error('unexpected canonical form of an item share');
    return JSON.stringify({
      id: it.id,
      sha: it.sha256,
      kind: it.kind,
      labels: JSON.stringify(it.labels),
      c1,
      c2: c.slice(c1.length),
    });
  });
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
      // The member's share: new, back after a retraction, or relabelled (marked so for the entry).
      write(sql`with ${m}
        insert into item_contributions (item_id, contributor, labels, created_at, updated_at, retracted_at, tx)
        select m.id, ${contributor}, m.labels, ${at}, ${at}, null, ${tx} from m where true
        on conflict (item_id, contributor) do update set
          labels = excluded.labels, updated_at = excluded.updated_at,
          created_at = case when item_contributions.retracted_at is null then item_contributions.created_at else excluded.created_at end,
          retracted_at = null, tx = case when item_contributions.retracted_at is null then ${relabelTx} else excluded.tx end
        where item_contributions.retracted_at is not null or item_contributions.labels is not excluded.labels`),
    );
    // A retracted item shared again stands again (a new one was made active). By id and origin, the
    // ids as parameters: a seek of the key each, whatever the table's size (a subquery's ids leave
    // the planner free to scan a small table).
    const ids = p.media.slice(base, base + chunk.length).map((it) => it.id);
    for (const part of chunkRows(ids, 1, 2)) {
      stmts.push(
        write(sql`update items set status = 'active', tx = ${tx}
          where id in (${sql.join(
            part.map((id) => sql`${id}`),
            sql`, `,
          )}) and origin = '' and status is not 'active'`),
      );
    }
    // A share names an item, not only the hashes it sends: where the member's share of the item
    // changed, its standing contributions to the item's other hashes take the labels of what holds
    // each now, as a relabel of the item gives them (decisions.md, "A share naming an item relabels
    // the member's share of it"). Every hash the request names, with this item, another or alone, is
    // worked out with the share's own (hashes.ts), from what holds it after the commit and against
    // what it showed before it: touched here, a hash named alone with labels that leave it as it was
    // would get a change-log row (and be listed in the entry) for nothing.
    // The shares first (CROSS JOIN keeps the order): a share that changed nothing seeks no hash.
    const share = sql`cross join item_contributions ic on ic.item_id = m.id and ic.contributor = ${contributor} and ic.tx in (${tx}, ${relabelTx})`;
    stmts.push(
      write(sql`with ${m} update contributions as c set labels = ${sourcesLabels}, updated_at = ${at}, tx = ${unnamedTx}
        where rowid in (select c.rowid from m ${share}
            cross join item_hashes ih on ih.item_id = m.id cross join contributions c on c.hash_id = ih.hash_id and c.contributor = ${contributor}
          where c.retracted_at is null and c.labels is not ${sourcesLabels} and ih.hash_id not in (${namedIds}))`),
    );
    // The entry: item.share, or item.relabel where the member's share stood; with the hashes it
    // relabelled without naming them, when there are some.
    const relabelled = sql`select case when count(*) > 0 then ',"hashesRelabelled":' || json_group_array(ih.hash_id order by ih.hash_id) end from item_hashes ih
      where ih.item_id = x.id and exists (select 1 from contributions c where c.hash_id = ih.hash_id and c.contributor = ${contributor} and c.tx = ${unnamedTx})`;
    stmts.push(
      write(sql`with ${m}, x as (select m.k, m.id, m.c1, m.c2, case when ic.tx = ${relabelTx} then 'item.relabel' else 'item.share' end as act from m ${share})
        insert into audit_log (at, action, actor, entry)
        select ${at}, x.act, ${contributor}, ${a0} || json_quote(x.act) || ${a1} || x.c1 || coalesce((${relabelled}), '') || x.c2 || ${a2} || json_quote(x.id) || ${a3}
        from x order by x.k`),
    );
    // The shares take the commit's token again, or, where the share relabelled hashes it does not
    // name, the token of those (so that the statements after the hashes' seek only their items).
    // By the shares' keys, the ids as parameters (as the items' status above).
    const byIds = (part: string[]) =>
      sql.join(
        part.map((id) => sql`${id}`),
        sql`, `,
      );
    for (const part of chunkRows(ids, 1, 7)) {
      stmts.push(
        write(sql`update item_contributions set tx = case when exists (select 1 from item_hashes ih cross join contributions c on c.hash_id = ih.hash_id and c.contributor = ${contributor}
            where ih.item_id = item_contributions.item_id and c.tx = ${unnamedTx}) then ${unnamedTx} else ${tx} end
          where item_id in (${byIds(part)}) and contributor = ${contributor} and tx in (${tx}, ${relabelTx})`),
      );
    }
    // After the hashes' statements (which give the hashes the share names their rows): a change-log
    // row for each hash relabelled so (none the request names: those have the hashes' own); then the
    // contributions and the shares take the commit's token.
    const relabelledOf = sql`m cross join item_contributions ic on ic.item_id = m.id and ic.contributor = ${contributor} and ic.tx = ${unnamedTx}
      cross join item_hashes ih on ih.item_id = m.id cross join contributions c on c.hash_id = ih.hash_id and c.contributor = ${contributor} and c.tx = ${unnamedTx}`;
    after.push(
      write(sql`with ${m} insert into changes (at, kind, subject, snapshot)
        select ${at}, 'update', h.id, ${snapshotSql('h')}
        from ${relabelledOf} cross join hashes h on h.id = ih.hash_id
        where h.tx is not ${tx} and not exists (select 1 from item_hashes l where l.hash_id = h.id and l.tx = ${tx})
        group by h.id order by min(m.k), min(ih.rowid)`),
      write(sql`with ${m} update contributions set tx = ${tx} where rowid in (select c.rowid from ${relabelledOf})`),
    );
    for (const part of chunkRows(ids, 1, 3)) {
      after.push(write(sql`update item_contributions set tx = ${tx} where item_id in (${byIds(part)}) and contributor = ${contributor} and tx = ${unnamedTx}`));
    }
    // The active hashes of an item that began standing again name it once more: a change-log row
    // for each one this commit gave none (no status, contribution or link of its changed); the
    // hashes' statements give the others theirs.
    after.push(
      write(sql`with ${m} insert into changes (at, kind, subject, snapshot)
        select ${at}, 'update', h.id, ${snapshotSql('h')}
        from m cross join items im on im.id = m.id cross join item_hashes ih on ih.item_id = im.id cross join hashes h on h.id = ih.hash_id
        where im.tx = ${tx} and h.status = 'active' and h.tx is not ${tx}
          and not exists (select 1 from contributions c where c.hash_id = h.id and c.tx = ${tx})
          and not exists (select 1 from item_hashes l where l.hash_id = h.id and l.tx = ${tx})
        group by h.id order by min(m.k), min(ih.rowid)`),
    );
    base += chunk.length;
  }
  return { stmts, after, reads };
}

/** Links the hashes of a share's CTE `i` to the items each names (`i.links`: [{item, variant}]); a link made stays. */
export function itemLinkStatement(items: SQL, hashOfItem: SQL, tx: string): Stmt {
  return write(sql`with ${items}
    insert into item_hashes (item_id, hash_id, variant, tx)
    select x.value ->> '$.item', h.id, x.value ->> '$.variant', ${tx} from i ${hashOfItem} cross join json_each(i.links) x where i.links is not null
    on conflict (item_id, hash_id) do nothing`);
}

/**
 * The standing contributions (`c`, each to hash `lh.hash_id`) to the item's hashes that a retraction
 * works out again: item first, then each hash's contributions. A member's: its own, once its share of
 * the item left in this commit (`tx`); an admin's: everyone's.
 */
const touchedContributions = (itemId: string, tx: string, member: string | null) =>
  member === null
    ? sql`item_hashes lh cross join contributions c on c.hash_id = lh.hash_id where lh.item_id = ${itemId} and c.retracted_at is null`
    : sql`item_hashes lh cross join contributions c on c.hash_id = lh.hash_id and c.contributor = ${member}
    where lh.item_id = ${itemId} and c.retracted_at is null
      and exists (select 1 from item_contributions l where l.item_id = ${itemId} and l.contributor = ${member} and l.tx = ${tx})`;

/**
 * Another standing item of contribution `c`'s contributor holds its hash (this item's shares have
 * left by then): the contributor's share of it stands and the item does (a share withdrawn hash by
 * hash is withdrawn: hashes.ts, retractStatements).
 */
const heldByItem = sql`exists (select 1 from item_hashes o cross join item_contributions oc on oc.item_id = o.item_id and oc.contributor = c.contributor
  cross join items oi on oi.id = o.item_id
  where o.hash_id = c.hash_id and oc.retracted_at is null and oi.status = 'active')`;

/**
 * The change-log rows of the item's hashes this commit changed: its status (a tombstone where none
 * stands any more), a contribution, or the items an active hash names (the item stopped or began
 * standing).
 */
function itemChanges(at: number, tx: string, itemId: string): Stmt {
  return write(sql`insert into changes (at, kind, subject, snapshot)
    select ${at}, case when h.tx = ${tx} then (case h.status when 'active' then 'add' else 'retract' end) else 'update' end, h.id, ${snapshotSql('h')}
    from ${itemHashRows(itemId)} and (h.tx = ${tx} or exists (select 1 from contributions c where c.hash_id = h.id and c.tx = ${tx})
      or (h.status = 'active' and exists (select 1 from items ci where ci.id = ${itemId} and ci.tx = ${tx})))
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

/** The item's hashes whose contributions this commit retracted (`retracted` 1) or relabelled (0), as a JSON array of ids. */
const hashesChanged = (itemId: string, tx: string, retracted: 0 | 1) =>
  sql`select json_group_array(ih.hash_id order by ih.hash_id) from item_hashes ih where ih.item_id = ${itemId}
    and exists (select 1 from contributions c where c.hash_id = ih.hash_id and c.tx = ${tx} and (c.retracted_at is not null) = ${retracted})`;

/**
 * Withdraws the member's share of the item. Its contribution to each hash of the item is then worked
 * out again from what still holds it: retracted when neither its share of the hash alone nor another
 * standing item of its holds it, else given the labels of those (the item's no longer count).
 *
 * An admin's (`contributor` null) takes the item down for everyone, as README says: every member's
 * share of it, and every standing contribution to its hashes, whoever made it (a share of the hash
 * alone, a pulled hash's origin), unless another standing item of that contributor holds the hash;
 * the shares of the hashes alone are dropped (`direct_labels` cleared), so what stays carries the
 * labels of its other items only.
 *
 * The item is retracted when no share of it stands or none of its hashes is active
 * (deriveItemStatus). The audit entry is written whenever the commit changed a share or a
 * contribution (a dropped share alone included).
 */
export function retractItemStatements(p: { at: number; tx: string; actor: string; itemId: string; sha256: string; contributor: string | null }): Statements {
  const { at, tx, itemId } = p;
  const member = p.contributor;
  const leavingShares =
    member === null ? sql`item_id = ${itemId} and retracted_at is null` : sql`item_id = ${itemId} and retracted_at is null and contributor = ${member}`;
  const touched = touchedContributions(itemId, tx, member);
  const aloneTx = `${tx}/alone`;
  const t = entryTemplate({
    at,
    actor: p.actor,
    action: 'item.retract',
    subject: { kind: 'item', id: itemId },
    content: {
      sha256: p.sha256,
      contributorsRetracted: new Hole('members'),
      contributionsRetracted: new Hole('contributions'),
      hashesRetracted: new Hole('hashes'),
      hashesRelabelled: new Hole('relabelled'),
    },
  });
  const stmts: Stmt[] = [write(sql`update item_contributions set retracted_at = ${at}, updated_at = ${at}, tx = ${tx} where ${leavingShares}`)];
  if (member === null) {
    stmts.push(
      // Everyone's, unless another standing item of the contributor holds the hash.
      write(sql`update contributions set retracted_at = ${at}, updated_at = ${at}, direct_labels = null, tx = ${tx}
        where rowid in (select c.rowid from ${touched} and not ${heldByItem})`),
      // What stays, stays for its items alone: the shares of the hash alone go (the labels, below). A
      // token of its own marks it: a change for the audit entry, none for the change log while the
      // labels stay (the next statement stamps the commit's token on those it relabels).
      write(sql`update contributions set direct_labels = null, tx = ${aloneTx}
        where rowid in (select c.rowid from ${touched} and c.direct_labels is not null)`),
    );
  } else {
    // Held by nothing else: retracted (the share alone would hold it: direct_labels).
    stmts.push(
      write(sql`update contributions set retracted_at = ${at}, updated_at = ${at}, direct_labels = null, tx = ${tx}
        where rowid in (select c.rowid from ${touched} and c.direct_labels is null and not ${heldByItem})`),
    );
  }
  stmts.push(
    // Held by something else: the labels of what holds it.
    write(sql`update contributions as c set labels = ${sourcesLabels}, updated_at = ${at}, tx = ${tx}
      where rowid in (select c.rowid from ${touched} and c.labels is not ${sourcesLabels})`),
    deriveStatus(sql`select h.seq from ${itemHashRows(itemId)}`, at, tx),
    deriveItemStatus({ itemId }, tx),
    itemChanges(at, tx, itemId),
    // The entry names what left and what changed, read from the rows this commit stamped.
    write(sql`insert into audit_log (at, action, actor, entry)
      select ${at}, 'item.retract', ${p.actor}, ${entrySql(t, {
        members: sql`select json_group_array(contributor order by contributor) from item_contributions where item_id = ${itemId} and tx = ${tx}`,
        // Every contribution to the item's hashes it withdrew, whoever made it (an admin's takes
        // others' shares of a hash alone and pulled contributions too): {contributor, hash}, keys in
        // canonical order.
        contributions: sql`select json_group_array(json_object('contributor', c.contributor, 'hash', c.hash_id) order by c.hash_id, c.contributor)
          from item_hashes ih cross join contributions c on c.hash_id = ih.hash_id
          where ih.item_id = ${itemId} and c.tx = ${tx} and c.retracted_at is not null`,
        hashes: hashesChanged(itemId, tx, 1),
        relabelled: hashesChanged(itemId, tx, 0),
      })}
      where exists (select 1 from item_contributions where item_id = ${itemId} and tx = ${tx})
        or exists (select 1 from item_hashes ih cross join contributions c on c.hash_id = ih.hash_id where ih.item_id = ${itemId} and c.tx in (${tx}, ${aloneTx}))`),
  );
  const result = stmts.push(itemResult(itemId, tx)) - 1;
  return { stmts, result, last: stmts.push(lastChange()) - 1 };
}

/**
 * Replaces the labels of the member's standing share of the item; its standing contributions to the
 * item's hashes are given the labels of what holds each now (the item's new ones, its other
 * standing items', its share of the hash alone): another item's hashes keep their labels.
 */
export function relabelItemStatements(p: { at: number; tx: string; member: string; itemId: string; labels: string[] }): Statements {
  const { at, tx, member, itemId } = p;
  const labels = JSON.stringify(p.labels);
  const standing = sql`exists (${standingShare(itemId, member)})`;
  const t = entryTemplate({
    at,
    actor: member,
    action: 'item.relabel',
    subject: { kind: 'item', id: itemId },
    content: { labels: p.labels, hashesRelabelled: new Hole('hashes') },
  });
  const stmts: Stmt[] = [
    // Only while the item stands (services/items.ts refuses a retracted one; this holds against a
    // retraction committed after its read).
    write(sql`update item_contributions set labels = ${labels}, updated_at = ${at}, tx = ${tx}
      where item_id = ${itemId} and contributor = ${member} and retracted_at is null and labels is not ${labels}
        and exists (select 1 from items where id = ${itemId} and status = 'active')`),
    write(sql`update contributions as c set labels = ${sourcesLabels}, updated_at = ${at}, tx = ${tx}
      where ${standing} and rowid in (select c.rowid from item_hashes lh cross join contributions c on c.hash_id = lh.hash_id and c.contributor = ${member}
        where lh.item_id = ${itemId} and c.retracted_at is null and c.labels is not ${sourcesLabels})`),
    itemChanges(at, tx, itemId),
    write(sql`insert into audit_log (at, action, actor, entry)
      select ${at}, 'item.relabel', ${member}, ${entrySql(t, { hashes: hashesChanged(itemId, tx, 0) })}
      where exists (select 1 from item_contributions where item_id = ${itemId} and contributor = ${member} and tx = ${tx})
        or exists (select 1 from item_hashes ih cross join contributions c on c.hash_id = ih.hash_id and c.contributor = ${member} where ih.item_id = ${itemId} and c.tx = ${tx})`),
  ];
  const result = stmts.push(itemResult(itemId, tx)) - 1;
  return { stmts, result, last: stmts.push(lastChange()) - 1 };
}
