/**
 * The statements of sharing, retracting and feedback. Each builder returns one commit's batch; the
 * order of its statements is part of its meaning (an audit entry that names the state before a
 * change is written before the change; the change-log row that shows the state after it, after).
 */
import { sql, type SQL } from 'drizzle-orm';
import { canonicalJson, entryTemplate, Hole } from '../../core/audit';
import { bucketRowsSql } from '../bucket-layout';
import type { LedgerItem, LedgerShareItem, Verdict } from '../types';
import { itemLinkStatement, mediaShareStatements, unnamedToken } from './items';
import { chunkJson, deriveItemStatus, deriveStatus, entrySql, lastChange, memberLabelsSql, read, snapshotSql, write, type Stmt } from './sql';

export interface ShareStatements {
  stmts: Stmt[];
  /** Index of the read of each chunk's state before the commit, and after it. */
  reads: { before: number; after: number; items: number }[];
  /** With media: the reads of each item's state before the commit. */
  mediaReads: number[];
  last: number;
}

/**
 * The items of a share as one JSON argument: `i` rows with k (position), id, type, value, labels,
 * direct (the labels of the hash's share alone, JSON; null when every mention named an item), ext,
 * c (the audit entry's content), links.
 */
function itemsCte(json: string): SQL {
  return sql`i as (select cast(j.key as integer) as k, j.value ->> '$.id' as id, j.value ->> '$.type' as type, j.value ->> '$.value' as value,
      j.value ->> '$.labels' as labels, j.value ->> '$.direct' as direct, j.value ->> '$.ext' as ext, j.value ->> '$.c' as c, j.value -> '$.links' as links
    from json_each(${json}) j)`;
}

/**
 * The member's contribution to each hash of the chunk as the share leaves it (after `i`, with the
 * chunk's rows noted and its links made): `x` the contribution before (c*: null when none) and `nd`,
 * its share of the hash alone after this one (this share's when it shares the hash alone, else the
 * one standing); `y` adds `nl`, its labels after: nd's and those of its standing items that hold
 * the hash (a hash in no item: nd's, without reading the items).
 */
function contributionCte(contributor: string): SQL {
  return sql`x as (select i.k, i.c, i.ext, i.links, h.id as hid, c.hash_id as ch, c.retracted_at as cr, c.labels as cl, c.external_id as ce, c.direct_labels as cd,
      coalesce(i.direct, case when c.retracted_at is null then c.direct_labels end) as nd
    from i ${rowOfItem} left join contributions c on c.hash_id = h.id and c.contributor = ${contributor}),
  y as (select x.*, case when x.links is null and not exists (select 1 from item_hashes fi where fi.hash_id = x.hid) then x.nd
      else ${memberLabelsSql(sql`x.hid`, sql`${contributor}`, sql`x.nd`)} end as nl from x)`;
}

/** The hash row of item `i`. CROSS JOIN keeps the items as the outer loop, so each is one seek of the (origin, type, value) index. */
const hashOfItem = (origin: string) => sql`cross join hashes h on h.origin = ${origin} and h.type = i.type and h.value = i.value`;

/** The hash row of item `i` once the share's rows are noted (share_rows: position to seq): two rowid seeks. */
const rowOfItem = sql`cross join share_rows s on s.k = i.k cross join hashes h on h.seq = s.seq`;

/**
 * An item of a share as the statements' JSON argument carries it (see `itemsCte`), with `c`, the
 * content of its audit entry (canonical JSON, RFC 8785).
 */
export function encodeShareItem(it: LedgerShareItem & { id: string }): string {
  return JSON.stringify({
    id: it.id,
    type: it.type,
    value: it.value,
    labels: JSON.stringify(it.labels),
    // Shared alone (no item named): all its labels are the share's of the hash alone.
    direct: it.direct ? JSON.stringify(it.direct) : it.links?.length ? undefined : JSON.stringify(it.labels),
    ext: it.externalId,
    c: shareContent(it),
    links: it.links?.length ? it.links : undefined,
  });
}

/**
 * The audit content of a shared hash. Without extra detail it is written out directly, keys in
 * canonical order (JSON.stringify of a string or an array of strings is canonical): canonicalJson of
 * the same object, a few times faster, which a 1000-hash share feels. The test compares the two.
 */
export function shareContent(it: Pick<LedgerShareItem, 'type' | 'value' | 'labels' | 'externalId' | 'auditExtra'>): string {
  if (it.auditExtra) return canonicalJson({ type: it.type, value: it.value, labels: it.labels, externalId: it.externalId, ...it.auditExtra });
  const ext = it.externalId === undefined ? '' : `"externalId":${JSON.stringify(it.externalId)},`;
  return `{${ext}"labels":${JSON.stringify(it.labels)},"type":${JSON.stringify(it.type)},"value":${JSON.stringify(it.value)}}`;
}

export function shareStatements(p: {
  at: number;
  tx: string;
  contributor: string;
  origin: string;
  items: (LedgerShareItem & { id: string })[];
  /** The items already encoded (encodeShareItem), when the caller did it in slices. */
  encoded?: string[];
  media?: LedgerItem[];
  buckets?: boolean;
}): ShareStatements {
  const { at, tx, contributor, origin } = p;
  const stmts: Stmt[] = [];
  const reads: ShareStatements['reads'] = [];
  // A share of media: its items and the member's share of each (the hashes link to them below).
  const media = (p.media ?? []).map((m) => ({
    ...m,
    hashes: p.items.flatMap((it) => it.links?.filter((l) => l.item === m.id).map((l) => ({ type: it.type, value: it.value, variant: l.variant })) ?? []),
  }));
  const named = media.length ? p.items.map((it) => ({ type: it.type, value: it.value })) : [];
  const built = mediaShareStatements({ at, tx, contributor, origin, media, named }, stmts.length);
  stmts.push(...built.stmts);
  let base = 0;
  // One template for the op: the entry's action, subject id and content are holes. The action and id
  // are the database's to fill (a concurrent share may have created the hash, and whether this is a
  // share or a relabel depends on the member's standing contribution); the content is each item's,
  // canonical JSON made here.
  const t = entryTemplate({ at, actor: contributor, action: new Hole('action'), subject: { kind: 'hash', id: new Hole('id') }, content: new Hole('content') });
  if (t.holes.join() !== 'action,content,id') throw new Error('unexpected audit template for a share');
  const encoded = p.encoded ?? p.items.map(encodeShareItem);
  const [a0, a1, a2, a3] = t.parts;
  for (const chunk of chunkJson(encoded)) {
    const json = `[${chunk.join(',')}]`;
    const items = itemsCte(json);
    const before =
      stmts.push(
        read(
          ['k', 'id', 'mine'],
          sql`with ${items}
        select i.k + ${base} as k, h.id as id, c.hash_id is not null and c.retracted_at is null as mine
        from i left join hashes h on h.origin = ${origin} and h.type = i.type and h.value = i.value
          left join contributions c on c.hash_id = h.id and c.contributor = ${contributor}`,
        ),
      ) - 1;
    stmts.push(
      write(sql`with ${items}
        insert into hashes (id, type, value, origin, status, created_at, updated_at, tx)
        select i.id, i.type, i.value, ${origin}, 'active', ${at}, ${at}, ${tx} from i where true
        on conflict (type, value, origin) do nothing`),
    );
    // Each item's hash row, found once more by value and noted by position: the statements that
    // follow reach it by rowid (share_rows, then hashes) instead of seeking the (type, value, origin)
    // index each, four seeks a hash fewer on Node without media (five after the insert, where one
    // notes the rows now), more with item links or bucket rows (decisions.md). The rows
    // go at the chunk's end, in the same batch, so no other connection ever sees one; the table is
    // emptied first as well, so that no row a failed batch could have left (none can: a batch is one
    // transaction) ever stands for another item.
    stmts.push(write(sql`delete from share_rows`));
    stmts.push(write(sql`with ${items} insert into share_rows (k, seq) select i.k, h.seq from i ${hashOfItem(origin)}`));
    // The hashes' links to the items they were shared in, before the labels that read them.
    if (media.length) stmts.push(itemLinkStatement(items, rowOfItem, tx));
    const contribution = contributionCte(contributor);
    // Entries for the items whose contribution this commit changes, named by the state before it;
    // also for one where only the member's share of the hash alone changes (what the hash shows
    // stays: no change-log row below), as that share now holds the hash (an admin's dropping it is
    // an entry too).
    stmts.push(
      write(sql`with ${items}, ${contribution}, z as (
          select y.k, y.c, y.hid as id, case when y.ch is not null and y.cr is null then 'hash.relabel' else 'hash.share' end as act
          from y where y.ch is null or y.cr is not null or y.cl is not y.nl or y.ce is not y.ext or y.cd is not y.nd)
        insert into audit_log (at, action, actor, entry)
        select ${at}, z.act, ${contributor}, ${a0} || json_quote(z.act) || ${a1} || z.c || ${a2} || json_quote(z.id) || ${a3}
        from z order by z.k`),
    );
    // The member's contribution: its share of the hash alone (this one's, or the one standing) and
    // the labels of every source that holds it (decisions.md, "A member's labels on a hash ...").
    // A change of its share alone that leaves what the hash shows as it was (a hash an item of the
    // member holds with the same labels, shared alone now) is kept without the commit's token: no
    // change-log row for it (the entry above is written: the member said something new).
    const seen = sql`(contributions.retracted_at is not null or contributions.labels is not excluded.labels
      or contributions.external_id is not excluded.external_id)`;
    stmts.push(
      write(sql`with ${items}, ${contribution}
        insert into contributions (hash_id, contributor, labels, direct_labels, external_id, created_at, updated_at, retracted_at, tx)
        select y.hid, ${contributor}, y.nl, y.nd, y.ext, ${at}, ${at}, null, ${tx} from y where true
        on conflict (hash_id, contributor) do update set
          labels = excluded.labels, direct_labels = excluded.direct_labels, external_id = excluded.external_id,
          updated_at = case when ${seen} then excluded.updated_at else contributions.updated_at end,
          created_at = case when contributions.retracted_at is null then contributions.created_at else excluded.created_at end,
          retracted_at = null, tx = case when ${seen} then excluded.tx else contributions.tx end
        where contributions.retracted_at is not null or contributions.labels is not excluded.labels
          or contributions.external_id is not excluded.external_id or contributions.direct_labels is not excluded.direct_labels`),
    );
    stmts.push(deriveStatus(sql`select seq from share_rows`, at, tx));
    // Workers: the SQL multi-index's bucket rows of the perceptual hashes this commit created.
    if (p.buckets) {
      stmts.push(write(bucketRowsSql(items, sql`i ${rowOfItem}`, sql`h.tx = ${tx}`)));
    }
    stmts.push(
      write(sql`with ${items}
        insert into changes (at, kind, subject, snapshot)
        select ${at}, case when h.tx = ${tx} then (case h.status when 'active' then 'add' else 'retract' end) else 'update' end, h.id, ${snapshotSql('h')}
        from i ${rowOfItem}
        where h.tx = ${tx} or exists (select 1 from contributions c where c.hash_id = h.id and c.contributor = ${contributor} and c.tx = ${tx})
          or exists (select 1 from item_hashes ih where ih.hash_id = h.id and ih.tx = ${tx})
        order by i.k`),
    );
    const after =
      stmts.push(
        read(
          ['k', 'id', 'seq', 'touched', 'links'],
          sql`with ${items} select i.k + ${base} as k, h.id as id, h.seq as seq,
            exists (select 1 from contributions c where c.hash_id = h.id and c.contributor = ${contributor} and c.tx in (${tx}, ${unnamedToken(tx)})) as touched,
            case when i.links is null then null else (select json_group_array(json_object('id', l.item_id, 'variant', l.variant))
              from json_each(i.links) x cross join item_hashes l on l.item_id = x.value ->> '$.item' and l.hash_id = h.id) end as links
          from i ${rowOfItem}`,
        ),
      ) - 1;
    stmts.push(write(sql`delete from share_rows`));
    reads.push({ before, after, items: chunk.length });
    base += chunk.length;
  }
  stmts.push(...built.after);
  // A video's frames (a PDF's pages) come with the hash that first brings them; they never change afterwards.
  for (const it of p.items) {
    if (!it.frames?.length) continue;
    for (const frames of chunkJson(it.frames.map((f) => JSON.stringify([f.frame, f.timestampMs, f.quality, f.value, f.indexed ? 1 : 0])))) {
      const json = `[${frames.join(',')}]`;
      stmts.push(
        write(sql`insert into video_frames (hash_id, frame, timestamp_ms, quality, value, indexed)
          select h.id, f.value ->> 0, f.value ->> 1, f.value ->> 2, f.value ->> 3, f.value ->> 4
          from hashes h cross join json_each(${json}) f
          where h.origin = ${origin} and h.type = ${it.type} and h.value = ${it.value}
          on conflict (hash_id, frame) do nothing`),
      );
    }
  }
  const last = stmts.push(lastChange()) - 1;
  return { stmts, reads, mediaReads: built.reads, last };
}

/** A commit's statements, where to read its result, and the change log's end after it. */
export interface Statements {
  stmts: Stmt[];
  result: number;
  last: number;
}

export function retractStatements(p: {
  at: number;
  tx: string;
  actor: string;
  hashId: string;
  type: string;
  value: string;
  contributor: string | null;
}): Statements {
  const { at, tx, hashId } = p;
  const all = p.contributor === null ? 1 : 0;
  const leaving = sql`hash_id = ${hashId} and retracted_at is null and (${all} = 1 or contributor = ${p.contributor})`;
  const t = entryTemplate({
    at,
    actor: p.actor,
    action: 'hash.retract',
    subject: { kind: 'hash', id: hashId },
    content: { type: p.type, value: p.value, contributorsRetracted: new Hole('retracted'), contributorsRemaining: new Hole('remaining') },
  });
  const stmts: Stmt[] = [
    write(sql`insert into audit_log (at, action, actor, entry)
      select ${at}, 'hash.retract', ${p.actor}, ${entrySql(t, {
        retracted: sql`select json_group_array(contributor order by contributor) from contributions where ${leaving}`,
        remaining: sql`select count(*) from contributions where hash_id = ${hashId} and retracted_at is null and not (${all} = 1 or contributor = ${p.contributor})`,
      })}
      where exists (select 1 from contributions where ${leaving})`),
    write(sql`update contributions set retracted_at = ${at}, updated_at = ${at}, direct_labels = null, tx = ${tx} where ${leaving}`),
    // Withdrawn hash by hash, per member: a member whose contribution this commit withdrew and who is
    // left with no standing contribution to any hash of an item of the hash no longer stands behind
    // the item, whoever else keeps its hashes active. Its share of the item is withdrawn (it is no
    // source of labels, holds no hash, cannot be relabelled) until it shares the media again. The
    // hash's items by item_hashes_hash, each share by its key.
    write(sql`update item_contributions as ic set retracted_at = ${at}, updated_at = ${at}, tx = ${tx}
      where ic.item_id in (select ih.item_id from item_hashes ih where ih.hash_id = ${hashId}) and ic.retracted_at is null
        and exists (select 1 from contributions c where c.hash_id = ${hashId} and c.contributor = ic.contributor and c.tx = ${tx} and c.retracted_at is not null)
        and not exists (select 1 from item_hashes oh cross join contributions oc on oc.hash_id = oh.hash_id and oc.contributor = ic.contributor
          where oh.item_id = ic.item_id and oc.retracted_at is null)`),
    deriveStatus(sql`select seq from hashes where id = ${hashId}`, at, tx),
    // An item of this node whose last active hash this was, or whose last standing share was
    // withdrawn above, is retracted (its tombstones name it).
    deriveItemStatus({ hashId }, tx),
    write(sql`insert into changes (at, kind, subject, snapshot)
      select ${at}, case when h.tx = ${tx} then 'retract' else 'update' end, h.id, ${snapshotSql('h')}
      from hashes h
      where h.id = ${hashId} and (h.tx = ${tx} or exists (select 1 from contributions c where c.hash_id = h.id and c.tx = ${tx}))`),
    // The other active hashes of an item this commit retracted (its last share withdrawn while
    // another member keeps a hash of it) name it no more: a change-log row each, once.
    write(sql`insert into changes (at, kind, subject, snapshot)
      select ${at}, 'update', h.id, ${snapshotSql('h')}
      from item_hashes ih cross join items it on it.id = ih.item_id cross join item_hashes oh on oh.item_id = it.id cross join hashes h on h.id = oh.hash_id
      where ih.hash_id = ${hashId} and it.tx = ${tx} and it.status = 'retracted' and h.id <> ${hashId} and h.status = 'active'
      group by h.id order by min(ih.rowid), min(oh.rowid)`),
  ];
  const result =
    stmts.push(
      read(
        ['status', 'contributors', 'changed'],
        sql`select h.status as status, (select count(*) from contributions c where c.hash_id = h.id and c.retracted_at is null) as contributors,
          exists (select 1 from contributions c where c.hash_id = h.id and c.tx = ${tx}) as changed
        from hashes h where h.id = ${hashId}`,
      ),
    ) - 1;
  const last = stmts.push(lastChange()) - 1;
  return { stmts, result, last };
}

export function feedbackStatements(p: { at: number; tx: string; member: string; hashId: string; verdict: Verdict; reason: string | null }): Statements {
  const { at, tx, member, hashId, verdict, reason } = p;
  const t = entryTemplate({
    at,
    actor: member,
    action: 'hash.feedback',
    subject: { kind: 'hash', id: hashId },
    content: { verdict, reason, previous: new Hole('previous') },
  });
  // Only on an active hash, and only when the verdict or reason changes.
  const applies = sql`h.id = ${hashId} and h.status = 'active'
    and not exists (select 1 from feedback f where f.hash_id = h.id and f.member = ${member} and f.verdict = ${verdict} and f.reason is ${reason})`;
  const stmts: Stmt[] = [
    write(sql`insert into audit_log (at, action, actor, entry)
      select ${at}, 'hash.feedback', ${member}, ${entrySql(t, {
        previous: sql`coalesce((select json_quote(f.verdict) from feedback f where f.hash_id = ${hashId} and f.member = ${member}), 'null')`,
      })}
      from hashes h where ${applies}`),
    write(sql`insert into feedback (hash_id, member, verdict, reason, created_at, updated_at, tx)
      select h.id, ${member}, ${verdict}, ${reason}, ${at}, ${at}, ${tx} from hashes h where ${applies}
      on conflict (hash_id, member) do update set verdict = excluded.verdict, reason = excluded.reason, updated_at = excluded.updated_at, tx = excluded.tx`),
    write(sql`insert into changes (at, kind, subject) select ${at}, 'feedback', ${hashId}
      where exists (select 1 from feedback f where f.hash_id = ${hashId} and f.member = ${member} and f.tx = ${tx})`),
  ];
  const result =
    stmts.push(
      read(
        ['status', 'confirm', 'dispute', 'changed'],
        sql`select h.status as status,
          (select count(*) from feedback f where f.hash_id = h.id and f.verdict = 'confirm') as confirm,
          (select count(*) from feedback f where f.hash_id = h.id and f.verdict = 'dispute') as dispute,
          exists (select 1 from feedback f where f.hash_id = h.id and f.member = ${member} and f.tx = ${tx}) as changed
        from hashes h where h.id = ${hashId}`,
      ),
    ) - 1;
  const last = stmts.push(lastChange()) - 1;
  return { stmts, result, last };
}
