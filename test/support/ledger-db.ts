/**
 * The ledger tests' database: a real SQLite file opened as the node opens it (libsql, reader and
 * writer on their own threads), the ledger on the writer and the read stores on the reader.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditEvent } from '../../src/core/audit';
import { openDatabase, type OpenDb } from '../../src/runtime/node/database';
import { SqlHashStore } from '../../src/storage/hash-store';
import { SqlLedger, type Stmt } from '../../src/storage/ledger';
import { SqlLogStore } from '../../src/storage/log-store';

export interface LedgerDb {
  db: OpenDb;
  ledger: SqlLedger;
  store: SqlHashStore;
  log: SqlLogStore;
}

export async function openLedgerDb(prefix: string): Promise<LedgerDb> {
  const db = await openDatabase(`file:${join(mkdtempSync(join(tmpdir(), prefix)), 'l.db')}`);
  return { db, ledger: new SqlLedger(db.writer), store: new SqlHashStore(db.reader), log: new SqlLogStore(db.reader) };
}

/** Every audit entry so far, parsed. */
export async function auditEntries(log: SqlLogStore): Promise<AuditEvent[]> {
  return (await log.auditEntries(0, await log.auditSize())).map((e): AuditEvent => JSON.parse(e.entry));
}

/** SQLite's query plan of one ledger statement: its SQL and the plan's lines. */
export async function planOf(db: OpenDb, s: Stmt): Promise<{ sql: string; lines: string[] }> {
  const q = db.writer.all(s.q).getQuery();
  const plan = await db.client.execute({ sql: `explain query plan ${q.sql}`, args: q.params as never });
  return { sql: q.sql, lines: plan.rows.map((r) => String(r.detail)) };
}
