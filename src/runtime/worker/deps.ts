/** Wires the Workers runtime: D1 store, SQL-answered index, WebCrypto digests; no image decoder yet. */
import { drizzle } from 'drizzle-orm/d1';
import { DomainError } from '../../core/errors';
import { DevAuthenticator } from '../../http/dev-auth';
import type { AppDeps, Authenticator } from '../../http/env';
import { DEFAULT_LIMITS } from '../../services/deps';
import type { AppDb } from '../../storage/db';
import { SqlHashStore } from '../../storage/hash-store';
import { ScanMatchIndex } from '../../storage/scan-index';
import * as schema from '../../storage/schema';
import { loadWorkerConfig, type WorkerEnv } from './config';
import { workerDigester } from './digest';

const refuseAll: Authenticator = {
  async authenticate() {
    throw new DomainError('unauthenticated', 'this node has no credentials configured for you');
  },
};

export function createWorkerDeps(env: WorkerEnv): AppDeps {
  const config = loadWorkerConfig(env);
  const db = drizzle(env.DB, { schema }) as unknown as AppDb;
  const store = new SqlHashStore(db);
  const index = new ScanMatchIndex(store);
  return {
    hashes: store,
    index,
    decoder: null,
    digests: workerDigester,
    now: Date.now,
    newId: () => crypto.randomUUID(),
    limits: { ...DEFAULT_LIMITS, maxBodyBytes: config.MAX_BODY_BYTES, maxBatch: config.MAX_BATCH },
    authenticator: config.DEV_AUTH ? new DevAuthenticator() : refuseAll,
    health: [
      { name: 'database', check: async () => (await store.ping(), { ok: true }) },
      { name: 'index', check: async () => ({ ok: index.ready(), detail: { kind: 'sql-scan' } }) },
    ],
    nodeInfo: { name: config.NODE_NAME, version: '0.1.0', runtime: 'worker' },
  };
}
