/** The embedded database: libsql (SQLite file by default, or a libsql server), migrated on open. */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, type Client } from '@libsql/client';
import { drizzle } from 'drizzle-orm/libsql';
import { migrate } from 'drizzle-orm/libsql/migrator';
import type { AppDb } from '../../storage/db';
import * as schema from '../../storage/schema';

export const MIGRATIONS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../drizzle');

export interface OpenDb {
  db: AppDb;
  client: Client;
  close(): void;
}

export async function openDatabase(url: string, authToken?: string): Promise<OpenDb> {
  if (url.startsWith('file:')) {
    const path = url.slice('file:'.length);
    if (path && !path.startsWith(':')) mkdirSync(dirname(resolve(path)), { recursive: true });
  }
  const client = createClient({ url, authToken });
  if (url.startsWith('file:')) {
    // WAL: readers do not block the writer; a crash mid-batch rolls back cleanly.
    await client.execute('PRAGMA journal_mode = WAL');
    await client.execute('PRAGMA busy_timeout = 5000');
  }
  const db = drizzle(client, { schema }) as unknown as AppDb;
  await migrate(db as never, { migrationsFolder: MIGRATIONS_DIR });
  return { db, client, close: () => client.close() };
}
