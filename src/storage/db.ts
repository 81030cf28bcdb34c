/**
 * The database handle the SQL stores take: drizzle over libsql (Node) or D1 (Workers). Both give
 * `batch`, which runs its statements in one transaction; shared code never calls `transaction()`
 * (D1 refuses it).
 */
import type { BatchItem } from 'drizzle-orm/batch';
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';
import type * as schema from './schema';

export type Schema = typeof schema;

export type AppDb = BaseSQLiteDatabase<'async', unknown, Schema> & {
  batch<U extends BatchItem<'sqlite'>, T extends Readonly<[U, ...U[]]>>(batch: T): Promise<unknown[]>;
};

/**
 * D1 accepts at most 100 bound parameters per statement; multi-row statements are cut to fit.
 * (libsql would take more; one limit for both keeps the two runtimes' behaviour the same.)
 */
const MAX_PARAMS = 100;

/** `rows` in chunks whose parameters, `paramsPerRow` a row and `fixed` for the rest of the statement, stay within the limit. */
export function chunkRows<T>(rows: T[], paramsPerRow: number, fixed = 0): T[][] {
  const per = Math.max(1, Math.floor((MAX_PARAMS - fixed) / paramsPerRow));
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += per) out.push(rows.slice(i, i + per));
  return out;
}
