/** Wires the Node runtime: libsql store, sharp decoder, in-memory match index loaded from the database. */
import { randomUUID } from 'node:crypto';
import { BruteForceIndex } from '../../core/brute-force-index';
import { MemoryMatchIndex } from '../../core/match-index';
import { DevAuthenticator } from '../../http/dev-auth';
import type { AppDeps, Authenticator } from '../../http/env';
import type { Limits } from '../../services/deps';
import { loadIndex } from '../../services/index-loader';
import { SqlHashStore } from '../../storage/hash-store';
import type { NodeConfig } from './config';
import { openDatabase, type OpenDb } from './db';
import { nodeDigester } from './digest';
import { SharpImageDecoder } from './image';
import { DomainError } from '../../core/errors';

const VERSION = '0.1.0';

/** Until a client registry exists, a node without DEV_AUTH refuses every protected request. */
const refuseAll: Authenticator = {
  async authenticate() {
    throw new DomainError('unauthenticated', 'this node has no credentials configured for you');
  },
};

export interface NodeRuntime {
  deps: AppDeps;
  index: MemoryMatchIndex;
  database: OpenDb;
  /** Resolves when the index holds every active hash. */
  indexLoaded: Promise<number>;
  close(): void;
}

export async function createNodeRuntime(config: NodeConfig, overrides: { now?: () => number; authenticator?: Authenticator } = {}): Promise<NodeRuntime> {
  const database = await openDatabase(config.DATABASE_URL, config.DATABASE_AUTH_TOKEN);
  const store = new SqlHashStore(database.db);
  const index = new MemoryMatchIndex((words) => new BruteForceIndex(words));
  const limits: Limits = { maxBatch: config.MAX_BATCH, maxBodyBytes: config.MAX_BODY_BYTES, maxImagePixels: config.MAX_IMAGE_PIXELS };
  const deps: AppDeps = {
    hashes: store,
    index,
    decoder: new SharpImageDecoder({ maxPixels: limits.maxImagePixels }),
    digests: nodeDigester,
    now: overrides.now ?? Date.now,
    newId: () => randomUUID(),
    limits,
    authenticator: overrides.authenticator ?? (config.DEV_AUTH ? new DevAuthenticator() : refuseAll),
    health: [
      { name: 'database', check: async () => (await store.ping(), { ok: true }) },
      { name: 'index', check: async () => ({ ok: index.ready(), detail: { hashes: index.counts() } }) },
    ],
    nodeInfo: { name: config.NODE_NAME, version: VERSION, runtime: 'node' },
  };
  const indexLoaded = loadIndex(store, index);
  return { deps, index, database, indexLoaded, close: () => database.close() };
}
