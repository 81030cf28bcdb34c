import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/runtime/node/db';
import { CachedHashStore } from '../../src/storage/cached-hash-store';
import { SqlHashStore } from '../../src/storage/hash-store';
import { MemoryHashStore } from '../../src/storage/memory/hash-store';
import { hashStoreContract } from './hash-store.contract';

hashStoreContract('SQL (libsql file, migrated)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mhn-store-'));
  const { db } = await openDatabase(`file:${join(dir, 'test.db')}`);
  return new SqlHashStore(db);
});

hashStoreContract('in-memory twin', async () => new MemoryHashStore());

hashStoreContract('SQL behind the in-memory detail cache', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mhn-store-'));
  const { db } = await openDatabase(`file:${join(dir, 'test.db')}`);
  return new CachedHashStore(new SqlHashStore(db));
});
