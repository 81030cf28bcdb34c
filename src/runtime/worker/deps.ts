/**
 * Wires the Workers runtime: D1 store, the SQL multi-index (buckets in D1), WebCrypto digests, the
 * WebAssembly image decoders and the hashes' kernels (from the modules uploaded with the script).
 */
import { drizzle } from 'drizzle-orm/d1';
import { assembleAppDeps } from '../../http/assemble';
import type { AppDeps } from '../../http/env';
import { buildHashKernels } from '../../core/kernels';
import { inThread } from '../../core/pixel-tasks';
import { Slots } from '../../core/limits';
import { VERSION } from '../../config';
import { UnavailableVideoDecoder } from '../../core/video';
import { UnavailablePdfRenderer } from '../../core/document';
import { DEFAULT_DOCUMENTS, DEFAULT_LIMITS, DEFAULT_VIDEO } from '../../services/deps';
import { SqlAuthStore } from '../../storage/auth-store';
import type { AppDb } from '../../storage/db';
import { SqlFederationStore } from '../../storage/federation-store';
import { SqlHashStore } from '../../storage/hash-store';
import { SqlLedger } from '../../storage/ledger';
import { NO_FOLLOWER } from '../../services/change-follower';
import { SqlStatsStore } from '../../storage/stats-store';
import { SqlLogStore } from '../../storage/log-store';
import { SqlBucketIndex } from '../../storage/bucket-index';
import * as schema from '../../storage/schema';
import { loadWorkerConfig, type WorkerEnv } from './config';
import { workerDigester } from './digest';
import { WasmImageDecoder } from './image';
import type { WorkerWasm } from './wasm-modules';
import { v7 as uuidv7 } from 'uuid';
import { consoleLogger } from './logger';

/** `wasm`: the modules the worker entry imports (Workers compile no code at run time). */
export function createWorkerDeps(env: WorkerEnv, wasm: WorkerWasm): AppDeps {
  const config = loadWorkerConfig(env);
  // A kernel that does not build fails the start, but in production: there it is logged once and
  // that hash runs in TypeScript (same hashes, slower).
  const onFailure = config.ENVIRONMENT === 'production' ? (_: string, e: Error) => console.error(`${e.message}; hashing falls back to TypeScript`) : undefined;
  const db = drizzle(env.DB, { schema }) as unknown as AppDb;
  const hashes = new SqlHashStore(db);
  const index = new SqlBucketIndex(db, hashes);
  const kernels = buildHashKernels({ modules: wasm, onFailure });
  return assembleAppDeps({
    // The ledger writes the SQL multi-index's buckets with each new perceptual hash.
    ledger: new SqlLedger(db, { buckets: true }),
    // Nothing in memory to keep in step: every request reads D1.
    follower: NO_FOLLOWER,
    hashes,
    auth: new SqlAuthStore(db),
    log: new SqlLogStore(db),
    stats: new SqlStatsStore(db),
    federation: new SqlFederationStore(db),
    // No follower to say a peer changed: read which origins match on every match request.
    originsCacheMs: 0,
    treeHeadIntervalMs: config.TREE_HEAD_INTERVAL_MS,
    index,
    indexDetail: () => ({ kind: 'sql-buckets' }),
    decoder: new WasmImageDecoder({ maxPixels: config.MAX_IMAGE_PIXELS, memoryBytes: config.IMAGE_MEMORY_MB * 2 ** 20, modules: wasm.codecs }),
    kernels,
    digests: workerDigester,
    // One image's pixels at a time in an isolate (its 128 MB holds one large image, not two); the
    // hashes in the request's own thread (a Worker has no other).
    images: { pixels: inThread(kernels), slots: new Slots(1, 64, 'image decodes') },
    // No ffmpeg at the edge: a video is hashed on a Node node or by the client (npm run client -- hash),
    // and its frames can be sent as a vpdq hash.
    video: {
      ...DEFAULT_VIDEO,
      queryMatchPercent: config.VPDQ_QUERY_MATCH_PERCENT,
      candidateMatchPercent: config.VPDQ_CANDIDATE_MATCH_PERCENT,
      maxBytes: config.MAX_BODY_BYTES,
      slots: new Slots(1, 0),
      decoder: new UnavailableVideoDecoder(
        'Workers cannot decode video; hash it with `npm run client -- hash FILE --json` (ffmpeg) and send the vpdq frames to POST /v1/match',
      ),
    },
    // No poppler either: a PDF is hashed on a Node node or by the client; text and URLs work here.
    documents: {
      ...DEFAULT_DOCUMENTS,
      queryMatchPercent: config.PDF_QUERY_MATCH_PERCENT,
      candidateMatchPercent: config.PDF_CANDIDATE_MATCH_PERCENT,
      maxBytes: config.MAX_BODY_BYTES,
      slots: new Slots(1, 0),
      renderer: new UnavailablePdfRenderer(
        'Workers cannot render PDFs; hash it with `npm run client -- hash FILE --json` (poppler) and send the pdf pages and tlsh to POST /v1/match',
      ),
    },
    now: Date.now,
    newId: () => uuidv7(),
    limits: {
      ...DEFAULT_LIMITS,
      maxBodyBytes: config.MAX_BODY_BYTES,
      maxJsonBytes: config.MAX_JSON_BYTES,
      maxBatch: config.MAX_BATCH,
      maxImagePixels: config.MAX_IMAGE_PIXELS,
      bodyIdleTimeoutMs: config.BODY_IDLE_TIMEOUT_MS,
      bodyTimeoutMs: config.BODY_TIMEOUT_MS,
    },
    issuer: config.PUBLIC_URL,
    tokenAudiences: config.TOKEN_AUDIENCES,
    nodeSecret: config.NODE_SECRET,
    // Per isolate: Workers spread a client over many isolates, so this is a soft limit at the edge.
    rateLimit: config.RATE_LIMIT_PER_SECOND > 0 ? { perSecond: config.RATE_LIMIT_PER_SECOND, burst: config.RATE_LIMIT_BURST } : null,
    devAuth: config.DEV_AUTH,
    flushCountsEachRequest: true,
    nodeInfo: { name: config.NODE_NAME, version: VERSION, runtime: 'worker' },
    // JSON lines through console; no metrics (nothing outlives a request to be scraped) and no
    // /docs renderer (bundle budget): see README, "Operating the node".
    logger: consoleLogger(config.LOG_LEVEL),
  });
}
