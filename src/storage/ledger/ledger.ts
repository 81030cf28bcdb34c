/** The SQL Ledger (drizzle; libsql or D1): every write of the node, one batch per call. */
import { lt, sql } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import type { AppDb } from '../db';
import { matchCounts, usedJtis } from '../schema';
import type {
  Ledger,
  LedgerFeedbackResult,
  LedgerItem,
  LedgerItemResult,
  LedgerShareItem,
  LedgerShareResult,
  MerkleNodeRow,
  PullCommit,
  ShareOutcome,
  TreeHeadRow,
} from '../types';
import { addClientKeyStatements, createClientStatements, revokeClientKeyStatements, rotateNodeKeyStatements, setClientStatusStatements } from './clients';
import { addPeerStatements, pullFailureStatements, pullStatements, pullSuccessStatements, updatePeerStatements } from './federation';
import { encodeShareItem, feedbackStatements, retractStatements, shareStatements } from './hashes';
import { relabelItemStatements, retractItemStatements } from './items';
import { chunkJson, write, type Stmt } from './sql';
import { inSlices } from '../../core/slices';
import { itemRefsFromJson } from '../../core/items';

export interface SqlLedgerOptions {
  /** Also write the SQL multi-index buckets of new perceptual hashes (Workers: see bucket-index.ts). */
  buckets?: boolean;
  /** A new unique token per commit, and new public ids. */
  newId?: () => string;
  /** Between slices of a large share's preparation (ServiceDeps.pause). */
  pause?: () => Promise<void>;
}

/** Items of a share prepared between two pauses. */
const SHARE_SLICE = 250;

type Row = Record<string, unknown>;

export class SqlLedger implements Ledger {
  private readonly newId: () => string;

  constructor(
    private readonly db: AppDb,
    private readonly opts: SqlLedgerOptions = {},
  ) {
    this.newId = opts.newId ?? (() => crypto.randomUUID());
  }

  /** Runs the statements as one batch; the rows of each read, in order (writes give []). */
  private async run(stmts: Stmt[]): Promise<Row[][]> {
    const results = await this.db.batch(stmts.map((s) => batchItem(this.db, s)) as unknown as [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]]);
    return results.map((r, i) => {
      if (!stmts[i].read) return [];
      // One row, one column (see `read`): an object on libsql, an array on D1.
      const row = (r as unknown[])[0] as Record<string, unknown> | unknown[] | undefined;
      const value = Array.isArray(row) ? row[0] : row && Object.values(row)[0];
      return JSON.parse(String(value ?? '[]')) as Row[];
    });
  }

  async share(input: { at: number; contributor: string; origin?: string; items: LedgerShareItem[]; media?: LedgerItem[] }) {
    const tx = this.newId();
    // One item per (type, value): a hash named twice in one call is shared once, with the union of
    // its labels (and the first externalId, frames and audit detail); each input item gets its result.
    const byKey = new Map<string, LedgerShareItem & { id: string }>();
    // The labels of a mention of the hash alone (encodeShareItem), made explicit before mentions merge.
    const directOf = (it: LedgerShareItem) => it.direct ?? (it.links?.length ? undefined : it.labels);
    const keyOf = input.items.map((it) => {
      const key = `${it.type}:${it.value}`;
      const prev = byKey.get(key);
      if (prev) {
        const direct = [directOf(prev), directOf(it)].filter((d) => d !== undefined);
        prev.labels = [...new Set([...prev.labels, ...it.labels])].sort();
        // A hash of two media of the share (two images with one blockhash) links to both.
        for (const l of it.links ?? []) if (!prev.links?.some((x) => x.item === l.item)) prev.links = [...(prev.links ?? []), l];
        prev.direct = direct.length ? [...new Set(direct.flat())].sort() : undefined;
      } else {
        const direct = directOf(it);
        byKey.set(key, { ...it, labels: [...it.labels].sort(), ...(direct ? { direct: [...direct].sort() } : {}), id: this.newId() });
      }
      return key;
    });
    const items = [...byKey.values()];
    // The items' JSON and audit content, a slice at a time: the rest of the node answers meanwhile.
    const encoded: string[] = [];
    await inSlices(items, SHARE_SLICE, this.opts.pause, (slice) => {
      for (const it of slice) encoded.push(encodeShareItem(it));
    });
    const built = shareStatements({
      at: input.at,
      tx,
      contributor: input.contributor,
      origin: input.origin ?? '',
      items,
      encoded,
      media: input.media,
      buckets: this.opts.buckets,
    });
    const rows = await this.run(built.stmts);
    const out: LedgerShareResult[] = [];
    for (const r of built.reads) {
      const before = new Map(rows[r.before].map((x) => [Number(x.k), x]));
      for (const a of rows[r.after]) {
        const b = before.get(Number(a.k));
        // Every item is read before and after its change (a row missing before would be a hash made now).
        const outcome: ShareOutcome = !b || b.id === null ? 'created' : !num(b.mine) ? 'added' : num(a.touched) ? 'updated' : 'unchanged';
        const links = linksOf(a.links);
        out[Number(a.k)] = { id: String(a.id), seq: Number(a.seq), outcome, ...(links ? { links } : {}) };
      }
    }
    const position = new Map([...byKey.keys()].map((k, i) => [k, i]));
    const before = new Map(built.mediaReads.flatMap((r) => rows[r]).map((x) => [Number(x.k), x]));
    const media = (input.media ?? []).map((m, k) => {
      const b = before.get(k);
      if (!b) throw new Error(`the share's commit did not read item ${m.id}`);
      return { id: m.id, outcome: itemOutcome(b) };
    });
    return { items: keyOf.map((k) => out[position.get(k) ?? -1]), media, lastChange: lastOf(rows[built.last]) };
  }

  async retractItem(input: Parameters<Ledger['retractItem']>[0]) {
    const built = retractItemStatements({ ...input, tx: this.newId() });
    const rows = await this.run(built.stmts);
    return { ...itemResultOf(rows[built.result][0]), lastChange: lastOf(rows[built.last]) };
  }

  async relabelItem(input: Parameters<Ledger['relabelItem']>[0]) {
    const built = relabelItemStatements({ ...input, labels: [...input.labels].sort(), tx: this.newId() });
    const rows = await this.run(built.stmts);
    return { ...itemResultOf(rows[built.result][0]), lastChange: lastOf(rows[built.last]) };
  }

  async retract(input: Parameters<Ledger['retract']>[0]): ReturnType<Ledger['retract']> {
    const built = retractStatements({ ...input, tx: this.newId() });
    const rows = await this.run(built.stmts);
    const r = rows[built.result][0];
    return {
      changed: num(r?.changed) === 1,
      status: r?.status === 'active' ? 'active' : 'retracted',
      contributors: Number(r?.contributors ?? 0),
      lastChange: lastOf(rows[built.last]),
    };
  }

  async feedback(input: { at: number; member: string; hashId: string; verdict: 'confirm' | 'dispute'; reason: string | null }) {
    const built = feedbackStatements({ ...input, tx: this.newId() });
    const rows = await this.run(built.stmts);
    const r = rows[built.result][0];
    const outcome: LedgerFeedbackResult['outcome'] = r?.status !== 'active' ? 'retracted' : num(r.changed) ? 'recorded' : 'unchanged';
    return { outcome, confirm: Number(r?.confirm ?? 0), dispute: Number(r?.dispute ?? 0), lastChange: lastOf(rows[built.last]) };
  }

  async createClient(input: Parameters<Ledger['createClient']>[0]) {
    const built = createClientStatements({ ...input, tx: this.newId() });
    const rows = await this.run(built.stmts);
    return { created: num(rows[built.result][0]?.changed) === 1, lastChange: lastOf(rows[built.last]) };
  }

  async setClientStatus(input: Parameters<Ledger['setClientStatus']>[0]): ReturnType<Ledger['setClientStatus']> {
    const built = setClientStatusStatements({ ...input, tx: this.newId() });
    const rows = await this.run(built.stmts);
    const r = rows[built.result][0];
    const outcome = !r ? 'not_found' : num(r.changed) ? 'changed' : r.status === input.status ? 'unchanged' : 'last_admin';
    return { outcome, lastChange: lastOf(rows[built.last]) };
  }

  async addClientKey(input: Parameters<Ledger['addClientKey']>[0]) {
    const built = addClientKeyStatements({ ...input, tx: this.newId() });
    const rows = await this.run(built.stmts);
    return { added: num(rows[built.result][0]?.changed) === 1, lastChange: lastOf(rows[built.last]) };
  }

  async revokeClientKey(input: Parameters<Ledger['revokeClientKey']>[0]) {
    const built = revokeClientKeyStatements({ ...input, tx: this.newId() });
    const rows = await this.run(built.stmts);
    return { revoked: num(rows[built.result][0]?.changed) === 1, lastChange: lastOf(rows[built.last]) };
  }

  async rotateNodeKey(input: Parameters<Ledger['rotateNodeKey']>[0]) {
    const built = rotateNodeKeyStatements({ ...input, tx: this.newId() });
    const rows = await this.run(built.stmts);
    return { rotated: num(rows[built.result][0]?.changed) === 1, lastChange: lastOf(rows[built.last]) };
  }

  async addPeer(input: Parameters<Ledger['addPeer']>[0]) {
    const built = addPeerStatements({ ...input, tx: this.newId() });
    const rows = await this.run(built.stmts);
    return { added: num(rows[built.result][0]?.changed) === 1, lastChange: lastOf(rows[built.last]) };
  }

  async updatePeer(input: Parameters<Ledger['updatePeer']>[0]): ReturnType<Ledger['updatePeer']> {
    const built = updatePeerStatements({ ...input, tx: this.newId() });
    const rows = await this.run(built.stmts);
    const r = rows[built.result][0];
    const outcome = !r || (r.status === 'removed' && !num(r.changed)) ? 'not_found' : num(r.changed) ? 'changed' : 'unchanged';
    return { outcome, lastChange: lastOf(rows[built.last]) };
  }

  async applyPull(input: PullCommit) {
    const built = pullStatements({ ...input, tx: this.newId(), ids: input.items.map(() => this.newId()), buckets: this.opts.buckets });
    const rows = await this.run(built.stmts);
    const applied = num(rows[built.result][0]?.applied) === 1;
    return { applied, failures: applied ? num(rows[built.failures][0]?.failures) : 0, lastChange: lastOf(rows[built.last]) };
  }

  async recordPullFailure(input: Parameters<Ledger['recordPullFailure']>[0]) {
    await this.run(pullFailureStatements(input));
  }

  async recordPullSuccess(input: Parameters<Ledger['recordPullSuccess']>[0]) {
    const [before] = await this.run(pullSuccessStatements(input));
    return { cleared: before.length ? num(before[0].failures) : null };
  }

  async useJti(clientId: string, jti: string, expiresAt: number, now: number): Promise<boolean> {
    const [, inserted] = await this.db.batch([
      this.db.delete(usedJtis).where(lt(usedJtis.expiresAt, now)),
      this.db.insert(usedJtis).values({ clientId, jti, expiresAt }).onConflictDoNothing().returning({ jti: usedJtis.jti }),
    ]);
    return (inserted as unknown[]).length === 1;
  }

  async countMatches(rows: { clientId: string; day: string; queries: number; hashes: number }[]): Promise<void> {
    if (!rows.length) return;
    const stmts = rows.map((r) =>
      this.db
        .insert(matchCounts)
        .values(r)
        .onConflictDoUpdate({
          target: [matchCounts.clientId, matchCounts.day],
          set: { queries: sql`${matchCounts.queries} + ${r.queries}`, hashes: sql`${matchCounts.hashes} + ${r.hashes}` },
        }),
    );
    await this.db.batch(stmts as unknown as [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]]);
  }

  async appendTree(nodes: MerkleNodeRow[], head: TreeHeadRow): Promise<void> {
    // The subtree hashes as JSON arguments (a few statements for thousands of nodes), then the head.
    const stmts: Stmt[] = chunkJson(nodes.map((n) => JSON.stringify([n.level, n.idx, n.hash]))).map((part) =>
      write(
        sql`insert into merkle_nodes (level, idx, hash) select j.value ->> 0, j.value ->> 1, j.value ->> 2 from json_each(${`[${part.join(',')}]`}) j where true on conflict do nothing`,
      ),
    );
    stmts.push(
      write(
        sql`insert into tree_heads (tree_size, root_hash, timestamp, signature) values (${head.treeSize}, ${head.rootHash}, ${head.timestamp}, ${head.signature}) on conflict do nothing`,
      ),
    );
    await this.run(stmts);
  }
}

/**
 * A statement as an item of drizzle's `batch`, prepared by the database's own session (drizzle's
 * raw `db.all`/`db.run` items cannot be batched on D1: they carry no prepared statement).
 */
function batchItem(db: AppDb, s: Stmt): unknown {
  const session = (db as unknown as { session: { prepareQuery(q: unknown, fields: undefined, method: 'all' | 'run', arrayMode: boolean): unknown } }).session;
  const dialect = (db as unknown as { dialect: { sqlToQuery(q: unknown): unknown } }).dialect;
  return { _prepare: () => session.prepareQuery(dialect.sqlToQuery(s.q), undefined, s.read ? 'all' : 'run', false) };
}

/** SQLite booleans arrive as 0/1 (numbers or bigints). */
function num(x: unknown): number {
  return x === null || x === undefined ? 0 : Number(x);
}

/** The item and the member's share of it before the commit: new to the node (created), none standing (added), other labels (updated), the same (unchanged). */
function itemOutcome(r: Row): ShareOutcome {
  return !num(r.existed) ? 'created' : !num(r.mine) ? 'added' : num(r.same) ? 'unchanged' : 'updated';
}

function itemResultOf(r: Row | undefined): LedgerItemResult {
  return { changed: num(r?.changed) === 1, contributors: Number(r?.contributors ?? 0), hashes: Number(r?.hashes ?? 0) };
}

function lastOf(rows: Row[]): number {
  return Number(rows[0]?.last ?? 0);
}

/** A hash's links as a share's read gives them (JSON text, or null for a hash named with no item), read member by member. */
function linksOf(x: unknown): { item: string; variant: string }[] | undefined {
  if (x === null || x === undefined) return undefined;
  return itemRefsFromJson(typeof x === 'string' ? x : JSON.stringify(x)).map((r) => ({ item: r.id, variant: r.variant }));
}
