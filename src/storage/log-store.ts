/** The SQL LogStore: audit entries, Merkle subtree hashes, signed tree heads, match counters. Reads only; the ledger writes. */
import { and, asc, desc, eq, gte, lt, or, sql } from 'drizzle-orm';
import { chunkRows, type AppDb } from './db';
import { auditLog, matchCounts, merkleNodes, treeHeads } from './schema';
import type { AuditRow, LogStore, TreeHeadRow } from './types';

export class SqlLogStore implements LogStore {
  constructor(private readonly db: AppDb) {}

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

  async auditEntries(start: number, end: number): Promise<AuditRow[]> {
    const rows = await this.db
      .select()
      .from(auditLog)
      .where(and(gte(auditLog.seq, start + 1), lt(auditLog.seq, end + 1)))
      .orderBy(asc(auditLog.seq));
    return rows.map((r) => ({ index: r.seq - 1, at: r.at, action: r.action, actor: r.actor, entry: r.entry }));
  }

  async auditSize(): Promise<number> {
    const [row] = await this.db.select({ n: sql<number>`coalesce(max(${auditLog.seq}), 0)` }).from(auditLog);
    return Number(row?.n ?? 0);
  }

  async matchCounts(day?: string) {
    return this.db
      .select()
      .from(matchCounts)
      .where(day ? eq(matchCounts.day, day) : undefined)
      .orderBy(asc(matchCounts.day), asc(matchCounts.clientId));
  }
}
