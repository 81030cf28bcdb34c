/**
 * The statements of federation (DESIGN §8): the peers an admin adds, pauses, resumes and removes,
 * and the commit that applies one verified batch of a peer's feed. Like every commit of the ledger,
 * each is one batch whose statements carry their own conditions.
 *
 * A pull commit is gated on its first write: the peer's cursor moves from the batch's `from` to its
 * `to` only if it is still `from`, and every later statement writes only if that move happened (the
 * peer row carries the commit's token). A second instance that pulled the same batch finds the
 * cursor moved and writes nothing; a removed peer takes no batch.
 */
import { sql, type SQL } from 'drizzle-orm';
import { canonicalEntry } from '../../core/audit';
import type { PeerAction, PeerRow, PeerSettings, PullCommit, PulledItem } from '../types';
import { recordIf } from './clients';
import type { Statements } from './hashes';
import { chunkJson, deriveStatus, lastChange, read, snapshotSql, write, type Stmt } from './sql';

/** Who the audit log names for what the puller does. */
export const FEDERATION_ACTOR = 'federation';

/** SQLite's order of text (BINARY: by UTF-8 bytes, which is code point order; `<` on strings compares UTF-16 units). */
function byBytes(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0) ?? 0);
  const y = Array.from(b, (c) => c.codePointAt(0) ?? 0);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

const labelsJson = (labels: string[] | null | undefined) => (labels ? JSON.stringify([...labels].sort()) : null);

/** What a peer's audit entries say about its settings. */
function peerContent(p: Partial<Pick<PeerRow, 'url' | 'clientId' | 'intervalMs' | 'labels' | 'matching' | 'status' | 'cursor'>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined));
}

export function addPeerStatements(p: { at: number; tx: string; actor: string; peer: PeerRow }): Statements {
  const { at, tx, peer: r } = p;
  const added = sql`exists (select 1 from peers where id = ${r.id} and tx = ${tx})`;
  const stmts: Stmt[] = [
    // One standing peer per URL: the check is in the statement that adds it.
    write(sql`insert into peers (id, url, client_id, interval_ms, labels, matching, status, cursor, pulled_items, failures, created_at, updated_at, tx)
      select ${r.id}, ${r.url}, ${r.clientId}, ${r.intervalMs}, ${labelsJson(r.labels)}, ${r.matching ? 1 : 0}, ${r.status}, '', 0, 0, ${at}, ${at}, ${tx}
      where not exists (select 1 from peers where url = ${r.url} and status <> 'removed')`),
    ...recordIf(
      added,
      {
        at,
        actor: p.actor,
        action: 'peer.add',
        subject: { kind: 'peer', id: r.id },
        content: peerContent({ url: r.url, clientId: r.clientId, intervalMs: r.intervalMs, labels: r.labels, matching: r.matching, status: r.status }),
      },
      { kind: 'peer' },
    ),
  ];
  const result = stmts.push(read(['changed'], sql`select ${added} as changed`)) - 1;
  return { stmts, result, last: stmts.push(lastChange()) - 1 };
}

export function updatePeerStatements(p: { at: number; tx: string; actor: string; peerId: string; action: PeerAction; set: PeerSettings }): Statements {
  const { at, tx, peerId, set } = p;
  const sets: SQL[] = [];
  const differs: SQL[] = [];
  const field = (column: string, value: unknown) => {
    sets.push(sql`${sql.raw(column)} = ${value}`);
    differs.push(sql`${sql.raw(column)} is not ${value}`);
  };
  if (set.status !== undefined) field('status', set.status);
  if (set.intervalMs !== undefined) field('interval_ms', set.intervalMs);
  if (set.labels !== undefined) field('labels', labelsJson(set.labels));
  if (set.matching !== undefined) field('matching', set.matching ? 1 : 0);
  if (set.cursor !== undefined) field('cursor', set.cursor);
  // A restart begins a new re-read: a withdrawal the puller readied for an earlier one writes nothing.
  if (set.cursor === '') sets.push(sql`restarts = restarts + 1`);
  if (!sets.length) throw new Error('a peer update must set something');
  const changed = sql`exists (select 1 from peers where id = ${peerId} and tx = ${tx})`;
  const stmts: Stmt[] = [
    write(sql`update peers set ${sql.join(sets, sql`, `)}, updated_at = ${at}, tx = ${tx}
      where id = ${peerId} and status <> 'removed' and (${sql.join(differs, sql` or `)})`),
    ...recordIf(
      changed,
      { at, actor: p.actor, action: `peer.${p.action}`, subject: { kind: 'peer', id: peerId }, content: peerContent(set) },
      { kind: 'peer' },
    ),
  ];
  if (set.cursor === '') {
    // A restart: the origin's hashes standing here, each to be named again by the re-read or withdrawn at its end.
    stmts.push(
      write(sql`delete from peer_unseen where peer_id = ${peerId} and ${changed}`),
      write(sql`insert into peer_unseen (peer_id, type, value)
        select p.id, h.type, h.value from peers p cross join hashes h on h.origin = p.url
          cross join contributions c on c.hash_id = h.id and c.contributor = p.url and c.retracted_at is null
        where p.id = ${peerId} and p.tx = ${tx} and h.origin <> ''`),
    );
  }
  // A removed peer is pulled no more: nothing it was noted for is withdrawn.
  if (set.status === 'removed') stmts.push(write(sql`delete from peer_unseen where peer_id = ${peerId} and ${changed}`));
  const result = stmts.push(read(['status', 'changed'], sql`select status, tx = ${tx} as changed from peers where id = ${peerId}`)) - 1;
  return { stmts, result, last: stmts.push(lastChange()) - 1 };
}

/** The items of a pull as one JSON argument: `i` rows with k (the item's place in the batch), id (for a new row), type, value, active, labels, ext, n (contributors at the origin), refs (the hash's items at the origin, JSON). */
function itemsCte(json: string): SQL {
  return sql`i as (select j.value ->> '$.k' as k, j.value ->> '$.id' as id, j.value ->> '$.type' as type, j.value ->> '$.value' as value,
      j.value ->> '$.active' as active, j.value ->> '$.labels' as labels, j.value ->> '$.ext' as ext, j.value ->> '$.n' as n,
      j.value -> '$.refs' as refs, j.value ->> '$.snap' as snap
    from json_each(${json}) j)`;
}

/** The pulled hashes' items, one row each (`r`): the item's id, sha256 and kind, the hash's type, value and variant. */
const refsCte = sql`r as (select i.k, cast(x.key as integer) as pos, i.type, i.value, x.value ->> '$.id' as item, x.value ->> '$.variant' as variant,
    x.value ->> '$.sha256' as sha256, x.value ->> '$.kind' as kind
  from i cross join json_each(i.refs) x where i.refs is not null)`;

/**
 * The links of active hash `h` (pulled as item `i`) to the items its row names are not in the row's
 * order (the origin's: first shared first): an item named before a linked one is not linked, or
 * linked after it (its link went while the item stood no more at the origin, and came back later).
 */
const linksOutOfOrder = sql`exists (select 1 from json_each(i.refs) x cross join json_each(i.refs) y
    cross join item_hashes ly on ly.hash_id = h.id and ly.item_id = y.value ->> '$.id'
  where cast(x.key as integer) < cast(y.key as integer)
    and not exists (select 1 from item_hashes lx where lx.hash_id = h.id and lx.item_id = x.value ->> '$.id' and lx.rowid < ly.rowid))`;

export function pullStatements(p: PullCommit & { tx: string; ids: string[]; buckets?: boolean }): Statements & { failures: number } {
  const { at, tx, origin } = p;
  const applied = sql`exists (select 1 from peers where id = ${p.peerId} and tx = ${tx})`;
  const hashOfItem = sql`cross join hashes h on h.origin = ${origin} and h.type = i.type and h.value = i.value`;
  const named = chunkJson(p.items.map((it) => JSON.stringify([it.type, it.value]))).map((chunk) => `[${chunk.join(',')}]`);
  // A withdrawal stands on what the puller read outside the commit: every hash it names still noted
  // (no batch of a re-read named it since, no second withdrawal took it) and no restart since the
  // puller read the peer (a cursor recurs: a re-read of an unchanged log ends where the last one did).
  const withdrawable = p.withdraw
    ? sql` and restarts = ${p.restarts ?? -1} and ${p.items.length} = (${sql.join(
        named.map(
          (json) => sql`(select count(*) from peer_unseen u where u.peer_id = ${p.peerId}
            and (u.type, u.value) in (select j.value ->> 0, j.value ->> 1 from json_each(${json}) j))`,
        ),
        sql` + `,
      )})`
    : sql``;
  const stmts: Stmt[] = [
    // The failures in a row this commit ends, read under the write lock the batch holds from its
    // first statement: exactly what the next statement clears (the puller logs the recovery).
    read(['failures'], sql`select failures from peers where id = ${p.peerId}`),
    // A batch applied moves the cursor on: a refusal after it is a new one (last_refusal cleared).
    write(sql`update peers set cursor = ${p.to}, pulled_at = ${at}, pulled_items = pulled_items + ${p.served},
        failures = 0, last_error = null, last_error_at = null, last_refusal = null, tx = ${tx}
      where id = ${p.peerId} and cursor = ${p.from} and status <> 'removed'${withdrawable}`),
  ];
  // A batch with no items (a stretch of the peer's log holding none of its own hashes) moves the
  // cursor and says nothing in the audit log. A withdrawal (PullCommit.withdraw) names its hashes.
  const entry = p.withdraw
    ? { action: 'federation.withdraw', content: { origin, cursor: p.to, hashes: p.items.map((it) => [it.type, it.value]) } }
    : p.served > 0
      ? { action: 'federation.pull', content: { origin, from: p.from, to: p.to, items: p.served, jwsSha256: p.jwsSha256 } }
      : null;
  if (entry) {
    stmts.push(
      write(
        sql`insert into audit_log (at, action, actor, entry) select ${at}, ${entry.action}, ${FEDERATION_ACTOR}, ${canonicalEntry({
          at,
          actor: FEDERATION_ACTOR,
          action: entry.action,
          subject: { kind: 'peer', id: p.peerId },
          content: entry.content,
        })} where ${applied}`,
      ),
    );
  }
  const encode = (it: PulledItem, k: number, snap?: string) =>
    JSON.stringify({
      k,
      id: p.ids[k],
      type: it.type,
      value: it.value,
      active: it.active ? 1 : 0,
      labels: JSON.stringify(it.labels),
      ext: it.externalId,
      n: it.contributors,
      refs: it.items?.length ? it.items : undefined,
      snap,
    });
  // A new row's change-log snapshot, made here rather than by the writer: what snapshotSql gives
  // such a row (its one contribution's labels, distinct and in order), with the origin's count and URL.
  const freshSnapshot = (it: PulledItem, k: number) =>
    JSON.stringify({
      id: p.ids[k],
      type: it.type,
      value: it.value,
      status: 'active',
      labels: [...new Set(it.labels)].sort(byBytes),
      contributors: it.contributors,
      origin,
    });
  // New hashes of the origin (the puller found none of them here), standing and in no item: plain
  // inserts of the row, the origin's contribution and the change that adds it, each row made from
  // the item alone, none read back. A row that exists after all makes the first insert fail on the
  // unique (type, value, origin) key, and with it the whole commit.
  const short = (it: PulledItem, k: number) => !p.buckets && p.fresh?.[k] === true && it.active && !it.items?.length;
  const fresh: string[] = [];
  const rest: string[] = [];
  p.items.forEach((it, k) => (short(it, k) ? fresh.push(encode(it, k, freshSnapshot(it, k))) : rest.push(encode(it, k))));
  for (const chunk of chunkJson(fresh)) {
    const items = itemsCte(`[${chunk.join(',')}]`);
    stmts.push(
      write(sql`with ${items}
        insert into hashes (id, type, value, origin, status, created_at, updated_at, origin_contributors, tx)
        select i.id, i.type, i.value, ${origin}, 'active', ${at}, ${at}, cast(i.n as integer), ${tx} from i where ${applied}`),
      write(sql`with ${items}
        insert into contributions (hash_id, contributor, labels, direct_labels, external_id, created_at, updated_at, retracted_at, tx)
        select i.id, ${origin}, i.labels, i.labels, i.ext, ${at}, ${at}, null, ${tx} from i where ${applied}`),
      write(sql`with ${items}
        insert into changes (at, kind, subject, snapshot)
        select ${at}, 'add', i.id, i.snap from i where ${applied} order by i.k`),
    );
  }
  for (const chunk of chunkJson(rest)) {
    const items = itemsCte(`[${chunk.join(',')}]`);
    // A hash the origin holds and this node takes. A new row is written as it ends this commit: active
    // (the origin's contribution, written next, stands), stamped with the commit's token (a status
    // this commit set: the change log says `add`) and with the origin's contributor count, so the
    // statements below change it no more. A row that exists is left to them.
    stmts.push(
      write(sql`with ${items}
        insert into hashes (id, type, value, origin, status, created_at, updated_at, origin_contributors, tx)
        select i.id, i.type, i.value, ${origin}, 'active', ${at}, ${at}, cast(i.n as integer), ${tx} from i where i.active = 1 and ${applied}
        on conflict (origin, type, value) do nothing`),
    );
    // The origin's one contribution: its labels as taken here, standing while the origin's stands
    // (the share of the hash "alone" of the contributions' model: no item of this node holds it).
    stmts.push(
      write(sql`with ${items}
        insert into contributions (hash_id, contributor, labels, direct_labels, external_id, created_at, updated_at, retracted_at, tx)
        select h.id, ${origin}, i.labels, case when i.active = 1 then i.labels end, i.ext, ${at}, ${at}, case when i.active = 1 then null else ${at} end, ${tx}
        from i ${hashOfItem} where ${applied}
        on conflict (hash_id, contributor) do update set
          labels = case when excluded.retracted_at is null then excluded.labels else contributions.labels end,
          direct_labels = excluded.direct_labels,
          external_id = case when excluded.retracted_at is null then excluded.external_id else contributions.external_id end,
          retracted_at = case when excluded.retracted_at is null then null else coalesce(contributions.retracted_at, excluded.retracted_at) end,
          updated_at = excluded.updated_at, tx = excluded.tx
        where (excluded.retracted_at is null and (contributions.retracted_at is not null or contributions.labels is not excluded.labels
            or contributions.external_id is not excluded.external_id))
          or (excluded.retracted_at is not null and contributions.retracted_at is null)`),
    );
    stmts.push(deriveStatus(sql`with ${items} select h.seq from i ${hashOfItem}`, at, tx));
    // The origin's items, with their ids and its origin, and the hashes' links to them (an active
    // hash's to the items standing there: the links to others go, below).
    if (p.items.some((it) => it.items?.length)) {
      stmts.push(
        write(sql`with ${items}, ${refsCte}
          insert into items (id, origin, sha256, kind, created_at, tx)
          select r.item, ${origin}, r.sha256, r.kind, ${at}, ${tx} from r where ${applied}
          on conflict (id) do nothing`),
        // A hash's first item is its first link (matches name it): an active hash whose links are
        // not in the order its row names the items loses the links to them, and the next statement
        // makes them again in that order, so that the hash names its items here as at the origin
        // (an item retracted there and shared again comes back in its place, not last).
        write(sql`with ${items} delete from item_hashes where rowid in (
          select ih.rowid from i ${hashOfItem} cross join json_each(i.refs) z cross join item_hashes ih on ih.hash_id = h.id and ih.item_id = z.value ->> '$.id'
          where i.active = 1 and i.refs is not null and ${applied} and ${linksOutOfOrder})`),
        write(sql`with ${items}, ${refsCte}
          insert into item_hashes (item_id, hash_id, variant, tx)
          select r.item, h.id, r.variant, ${tx} from r cross join hashes h on h.origin = ${origin} and h.type = r.type and h.value = r.value where ${applied}
          order by r.k, r.pos
          on conflict (item_id, hash_id) do nothing`),
      );
    }
    // An active hash names the items that stand at its origin (its feed row's `items`): a link to
    // another item of the origin's goes, as that item stopped standing there (retracted, or the
    // hash's share in it withdrawn); a link comes back when a row names the item again. A retracted
    // hash's row names every item it was part of and changes no link. The hashes that lose one are
    // noted first (share_rows, empty outside a batch), for their change-log rows below.
    const unnamed = sql`i ${hashOfItem} cross join item_hashes ih on ih.hash_id = h.id cross join items it on it.id = ih.item_id
      where i.active = 1 and ${applied} and it.origin = ${origin}
        and not exists (select 1 from json_each(coalesce(i.refs, '[]')) x where x.value ->> '$.id' = ih.item_id)`;
    stmts.push(
      write(sql`delete from share_rows`),
      write(sql`with ${items} insert into share_rows (k, seq) select distinct i.k, h.seq from ${unnamed}`),
      write(sql`with ${items} delete from item_hashes where rowid in (select ih.rowid from ${unnamed})`),
    );
    // Change-log rows (partners' feed, the instances' indexes) for what changed here, the origin's
    // contributor count included; written before that count is stored, so a difference still shows.
    stmts.push(
      write(sql`with ${items}
        insert into changes (at, kind, subject, snapshot)
        select ${at}, case when h.tx = ${tx} then (case h.status when 'active' then 'add' else 'retract' end) else 'update' end, h.id,
          json_set(${snapshotSql('h')}, '$.contributors', case when h.status = 'active' then cast(i.n as integer) else 0 end, '$.origin', ${origin})
        from i ${hashOfItem}
        where ${applied} and (h.tx = ${tx}
          or exists (select 1 from contributions c where c.hash_id = h.id and c.contributor = ${origin} and c.tx = ${tx})
          or exists (select 1 from item_hashes ih where ih.hash_id = h.id and ih.tx = ${tx})
          or exists (select 1 from share_rows s where s.k = i.k)
          or (i.active = 1 and h.origin_contributors is not cast(i.n as integer)))
        order by i.k`),
      write(sql`delete from share_rows`),
    );
    // The origin's contributor count, stored now (every active item's row exists: made above).
    stmts.push(
      write(sql`with ${items}
        insert into hashes (id, type, value, origin, status, created_at, updated_at, origin_contributors)
        select i.id, i.type, i.value, ${origin}, 'retracted', ${at}, ${at}, cast(i.n as integer) from i where i.active = 1 and ${applied}
        on conflict (origin, type, value) do update set origin_contributors = excluded.origin_contributors
          where hashes.origin_contributors is not excluded.origin_contributors`),
    );
    if (p.buckets) {
      stmts.push(
        write(sql`with ${items}, p(piece) as (values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9), (10), (11), (12), (13), (14), (15))
          insert into hash_buckets (type, piece, key, seq)
          select h.type, p.piece, substr(h.value, 1 + 4 * p.piece, 4), h.seq
          from i ${hashOfItem} cross join p
          where i.active = 1 and h.type in ('pdq', 'blockhash') and ${applied}
          on conflict do nothing`),
      );
    }
  }
  // The hashes a re-read after a restart names are the origin's still: none of them is withdrawn at its end.
  for (const json of named) {
    stmts.push(
      write(sql`delete from peer_unseen where peer_id = ${p.peerId} and ${applied}
        and (type, value) in (select j.value ->> 0, j.value ->> 1 from json_each(${json}) j)`),
    );
  }
  // A video's frames (a PDF's pages), with the batch that brings them; stored once.
  for (const it of p.items) {
    if (!it.frames?.length) continue;
    for (const frames of chunkJson(it.frames.map((f) => JSON.stringify([f.frame, f.timestampMs, f.quality, f.value, f.indexed ? 1 : 0])))) {
      stmts.push(
        write(sql`insert into video_frames (hash_id, frame, timestamp_ms, quality, value, indexed)
          select h.id, f.value ->> 0, f.value ->> 1, f.value ->> 2, f.value ->> 3, f.value ->> 4
          from hashes h cross join json_each(${`[${frames.join(',')}]`}) f
          where h.origin = ${origin} and h.type = ${it.type} and h.value = ${it.value} and ${applied}
          on conflict (hash_id, frame) do nothing`),
      );
    }
  }
  const result = stmts.push(read(['applied'], sql`select ${applied} as applied`)) - 1;
  return { stmts, result, last: stmts.push(lastChange()) - 1, failures: 0 };
}

/**
 * A failed pull, on the peer's row; a refused batch (bad signature, broken cursor chain, malformed
 * items) is also an audit entry, unless the same reason is the last refusal recorded (a peer that
 * keeps serving the same bad batch is audited once, not at every retry, whatever failures or good
 * pulls with nothing new come between; only an applied batch clears it).
 */
export function pullFailureStatements(p: {
  at: number;
  peerId: string;
  error: string;
  refused?: { origin: string; from: string; jwsSha256: string | null };
}): Stmt[] {
  const { at, peerId, error } = p;
  const stmts: Stmt[] = [];
  if (p.refused) {
    const entry = canonicalEntry({
      at,
      actor: FEDERATION_ACTOR,
      action: 'federation.refuse',
      subject: { kind: 'peer', id: peerId },
      content: { origin: p.refused.origin, from: p.refused.from, reason: error, jwsSha256: p.refused.jwsSha256 },
    });
    stmts.push(
      write(sql`insert into audit_log (at, action, actor, entry) select ${at}, 'federation.refuse', ${FEDERATION_ACTOR}, ${entry}
      where exists (select 1 from peers where id = ${peerId} and last_refusal is not ${error})`),
    );
  }
  const refusal = p.refused ? sql`, last_refusal = ${error}` : sql``;
  stmts.push(write(sql`update peers set failures = failures + 1, last_error = ${error}, last_error_at = ${at}${refusal} where id = ${peerId}`));
  return stmts;
}

/**
 * A good pull after failures: the failure count and last error cleared and `pulled_at` moved on.
 * A compare-and-set on what the pull saw at its start (`seen`: the failures in a row and when the
 * last one was recorded): a failure recorded since (by another instance, after this pull's success)
 * is newer news and stays. Only a row with something to clear is written; the read before it (the
 * write lock is held from the batch's first statement) gives the failures cleared, none when there
 * was nothing to clear as seen (a batch applied cleared them, or another instance did, or a newer
 * failure came). `last_refusal` stays: the same refused batch served again is not audited again.
 */
export function pullSuccessStatements(p: { at: number; peerId: string; seen: { failures: number; lastErrorAt: number | null } }): Stmt[] {
  const failing = sql`id = ${p.peerId} and (failures > 0 or last_error is not null)
    and failures = ${p.seen.failures} and last_error_at is ${p.seen.lastErrorAt}`;
  return [
    read(['failures'], sql`select failures from peers where ${failing}`),
    write(sql`update peers set failures = 0, last_error = null, last_error_at = null, pulled_at = max(coalesce(pulled_at, 0), ${p.at}) where ${failing}`),
  ];
}
