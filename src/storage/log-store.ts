/** The SQL LogStore: Merkle subtree hashes, signed tree heads, match counters. */
import { and, asc, desc, eq, or, sql } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import { chunkRows, type AppDb } from './db';
import { SqlHashStore } from './hash-store';
import { matchCounts, merkleNodes, treeHeads } from './schema';
import type { AuditRow, LogStore, MerkleNodeRow, TreeHeadRow } from './types';

export class SqlLogStore implements LogStore {
  private readonly hashStore: SqlHashStore;

  constructor(private readonly db: AppDb) {
    this.hashStore = new SqlHashStore(db);
  }

  async latestHead(): Promise<TreeHeadRow | null> {
    const [row] = await this.db.select().from(treeHeads).orderBy(desc(treeHeads.treeSize)).limit(1);
    return row ?? null;
  }

  async headAt(treeSize: number): Promise<TreeHeadRow | null> {
    const [row] = await this.db.select().from(treeHeads).where(eq(treeHeads.treeSize, treeSize));
    return row ?? null;
  }

  async nodes(keys: { level: number; index: number }[]): Promise<string[]> {
    const found = new Map<string, string>();
    for (const part of chunkRows(keys, 2)) {
      const rows = await this.db
        .select()
        .from(merkleNodes)
        .where(or(...part.map((k) => and(eq(merkleNodes.level, k.level), eq(merkleNodes.idx, k.index)))));
      for (const r of rows) found.set(`${r.level}/${r.idx}`, r.hash);
    }
    return keys.map((k) => {
      const h = found.get(`${k.level}/${k.index}`);
      if (!h) throw new Error(`merkle node ${k.level}/${k.index} is missing from the database`);
      return h;
    });
  }

  async appendTree(nodes: MerkleNodeRow[], head: TreeHeadRow): Promise<void> {
    const stmts: BatchItem<'sqlite'>[] = chunkRows(nodes, 3).map((part) => this.db.insert(merkleNodes).values(part).onConflictDoNothing());
    stmts.push(this.db.insert(treeHeads).values(head).onConflictDoNothing());
    await this.db.batch(stmts as [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]]);
  }

  auditEntries(start: number, end: number): Promise<AuditRow[]> {
    return this.hashStore.auditEntries(start, end);
  }

  auditSize(): Promise<number> {
    return this.hashStore.auditSize();
  }

  async countMatches(clientId: string, day: string, queries: number, hashes: number): Promise<void> {
    await this.db
      .insert(matchCounts)
      .values({ clientId, day, queries, hashes })
      .onConflictDoUpdate({ target: [matchCounts.clientId, matchCounts.day], set: { queries: sql`${matchCounts.queries} + ${queries}`, hashes: sql`${matchCounts.hashes} + ${hashes}` } });
  }

  async matchCounts(day?: string) {
    return this.db.select().from(matchCounts).where(day ? eq(matchCounts.day, day) : undefined).orderBy(asc(matchCounts.day), asc(matchCounts.clientId));
  }
}
