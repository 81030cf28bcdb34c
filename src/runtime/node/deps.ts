/**
 * Wires the Node runtime: the database (reader and writer connections on their own threads), the
 * ledger, sharp, the in-memory match index loaded from the database and kept in step with the
 * change log by the follower.
 */
import { randomUUID } from 'node:crypto';
import { MemoryMatchIndex, MultiIndexHashing } from '../../core/hash-index';
import { buildHashKernels } from '../../core/kernels';
import { Slots } from '../../core/limits';
import { VERSION } from '../../config';
import { assembleAppDeps } from '../../http/assemble';
import type { AppDeps, Authenticator } from '../../http/env';
import { ChangeFollower } from '../../services/change-follower';
import { loadIndex } from '../../services/index-loader';
import { SqlAuthStore } from '../../storage/auth-store';
import { CachedAuthStore } from '../../storage/cached-auth-store';
import { CachedHashStore } from '../../storage/cached-hash-store';
import { SqlHashStore } from '../../storage/hash-store';
import { SqlLedger } from '../../storage/ledger';
import { SqlLogStore } from '../../storage/log-store';
import { nodeSecret, type NodeConfig } from './config';
import { openDatabase, type OpenDb } from './database';
import { nodeDigester } from './digest';
import { SharpImageDecoder } from './image';
import { MihHelper } from './match-helper';
import { FfmpegVideoDecoder } from './video';

export interface NodeRuntime {
  deps: AppDeps;
  index: MemoryMatchIndex;
  /** Follows the change log into the index and caches (other instances' writes and this one's). */
  follower: ChangeFollower;
  /** The thread that takes half of each large match batch (null on one core); it starts at its first batch unless started. */
  matchHelper: MihHelper | null;
  database: OpenDb;
  /** Resolves when the index holds every active hash. */
  indexLoaded: Promise<number>;
  close(): Promise<void>;
}

export async function createNodeRuntime(
  config: NodeConfig,
  overrides: { now?: () => number; authenticator?: Authenticator; /** A database thread stopped on its own: nothing can be written or read any more. */ onFatal?: (e: Error) => void } = {},
): Promise<NodeRuntime> {
  const database = await openDatabase(config.DATABASE_URL, {
    authToken: config.DATABASE_AUTH_TOKEN,
    busyTimeoutMs: config.DATABASE_BUSY_TIMEOUT_MS,
    onThreadLost: overrides.onFatal ?? ((e) => console.error('database thread lost:', e.message)),
  });
  const now = overrides.now ?? Date.now;
  const newId = () => randomUUID();
  const store = new SqlHashStore(database.reader);
  const hashes = new CachedHashStore(store, { now });
  const authCache = config.AUTH_CACHE_MS > 0 ? new CachedAuthStore(new SqlAuthStore(database.reader), config.AUTH_CACHE_MS) : null;
  // Large match batches are split with a second thread when there is a second core.
  const matchHelper = MihHelper.useful() ? new MihHelper((e) => console.error('match helper thread failed, batches run on the main thread:', e)) : null;
  // Compactions run in steps between other work, so a large index never stops the event loop for long.
  const index = new MemoryMatchIndex((words) => new MultiIndexHashing(words, { offload: matchHelper?.offload, defer: (step) => setImmediate(step) }));
  const follower = new ChangeFollower(store, { index, hashes, auth: authCache ?? undefined }, { intervalMs: config.FOLLOW_INTERVAL_MS, onError: (e) => console.error('change log follower:', e) });
  const limits = { maxBatch: config.MAX_BATCH, maxBodyBytes: config.MAX_BODY_BYTES, maxJsonBytes: config.MAX_JSON_BYTES, maxImagePixels: config.MAX_IMAGE_PIXELS };
  const deps = assembleAppDeps({
    ledger: new SqlLedger(database.writer, { newId }),
    follower,
    hashes,
    auth: authCache ?? new SqlAuthStore(database.reader),
    log: new SqlLogStore(database.reader),
    treeHeadIntervalMs: config.TREE_HEAD_INTERVAL_MS,
    index,
    indexDetail: () => ({ hashes: index.counts(), changeLog: follower.applied }),
    decoder: new SharpImageDecoder({ maxPixels: limits.maxImagePixels }),
    // A kernel that does not build stops the start (tests, development); in production it is
    // logged once and that hash runs in TypeScript (same hashes, about 5x slower for PDQ).
    kernels: buildHashKernels({ onFailure: config.NODE_ENV === 'production' ? (_, e) => console.error(`${e.message}; hashing falls back to TypeScript`) : undefined }),
    digests: nodeDigester,
    video: {
      decoder: new FfmpegVideoDecoder({ ffmpegPath: config.FFMPEG_PATH, ffprobePath: config.FFPROBE_PATH, maxPixels: config.VIDEO_MAX_PIXELS }),
      decode: { secondsPerFrame: config.VIDEO_SECONDS_PER_FRAME, maxFrames: config.VIDEO_MAX_FRAMES, maxDurationSeconds: config.VIDEO_MAX_SECONDS, timeoutMs: config.VIDEO_TIMEOUT_MS },
      maxBytes: config.VIDEO_MAX_BYTES,
      slots: new Slots(config.VIDEO_CONCURRENCY, config.VIDEO_QUEUE, 'video decodes'),
      queryMatchPercent: config.VPDQ_QUERY_MATCH_PERCENT,
      candidateMatchPercent: config.VPDQ_CANDIDATE_MATCH_PERCENT,
    },
    now,
    newId,
    limits,
    issuer: config.PUBLIC_URL!,
    tokenAudiences: config.TOKEN_AUDIENCES,
    nodeSecret: nodeSecret(config),
    rateLimit: config.RATE_LIMIT_PER_SECOND > 0 ? { perSecond: config.RATE_LIMIT_PER_SECOND, burst: config.RATE_LIMIT_BURST } : null,
    devAuth: config.DEV_AUTH,
    flushCountsEachRequest: false,
    nodeInfo: { name: config.NODE_NAME, version: VERSION, runtime: 'node' },
    authenticator: overrides.authenticator,
  });
  follower.targets.keyring = deps.keyring;
  // Following starts from the log's end as it is before the index is read, so nothing committed
  // while the index loads is missed (see ChangeFollower).
  follower.start(await store.lastChange());
  await deps.keyring.ensureCurrent();
  const indexLoaded = loadIndex(store, index).then((n) => {
    follower.markIndexLoaded();
    return n;
  });
  return {
    deps,
    index,
    follower,
    matchHelper,
    database,
    indexLoaded,
    close: async () => {
      follower.stop();
      void matchHelper?.close();
      await indexLoaded.catch(() => {});
      await database.close();
    },
  };
}
