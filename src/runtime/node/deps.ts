/** Wires the Node runtime: libsql store, sharp decoder, in-memory match index loaded from the database. */
import { randomUUID } from 'node:crypto';
import { MultiIndexHashing } from '../../core/mih-index';
import { MemoryMatchIndex } from '../../core/match-index';
import { assembleAppDeps } from '../../http/assemble';
import type { AppDeps, Authenticator } from '../../http/env';
import { loadIndex } from '../../services/index-loader';
import { SqlAuthStore } from '../../storage/auth-store';
import { CachedAuthStore } from '../../storage/cached-auth-store';
import { CachedHashStore } from '../../storage/cached-hash-store';
import { SqlHashStore } from '../../storage/hash-store';
import { SqlLogStore } from '../../storage/log-store';
import type { NodeConfig } from './config';
import { openDatabase, type OpenDb } from './db';
import { nodeDigester } from './digest';
import { SharpImageDecoder } from './image';
import { MihHelper } from './mih-helper';
import { nodeSecret } from './secret';
import { FfmpegVideoDecoder } from './video';
import { Slots } from '../../core/slots';

export const VERSION = '0.1.0';

export interface NodeRuntime {
  deps: AppDeps;
  index: MemoryMatchIndex;
  /** The thread that takes half of each large match batch (null on one core); it starts at its first batch unless started. */
  matchHelper: MihHelper | null;
  database: OpenDb;
  /** Resolves when the index holds every active hash. */
  indexLoaded: Promise<number>;
  close(): void;
}

export async function createNodeRuntime(config: NodeConfig, overrides: { now?: () => number; authenticator?: Authenticator } = {}): Promise<NodeRuntime> {
  const database = await openDatabase(config.DATABASE_URL, config.DATABASE_AUTH_TOKEN);
  const sqlHashes = new SqlHashStore(database.db);
  const hashes = new CachedHashStore(sqlHashes);
  // Large match batches are split with a second thread when there is a second core.
  const matchHelper = MihHelper.useful() ? new MihHelper((e) => console.error('match helper thread failed, batches run on the main thread:', e)) : null;
  const index = new MemoryMatchIndex((words) => new MultiIndexHashing(words, { offload: matchHelper?.offload }));
  const limits = { maxBatch: config.MAX_BATCH, maxBodyBytes: config.MAX_BODY_BYTES, maxImagePixels: config.MAX_IMAGE_PIXELS };
  const deps = assembleAppDeps({
    hashes,
    auth: config.AUTH_CACHE_MS > 0 ? new CachedAuthStore(new SqlAuthStore(database.db), config.AUTH_CACHE_MS) : new SqlAuthStore(database.db),
    log: new SqlLogStore(database.db),
    treeHeadIntervalMs: config.TREE_HEAD_INTERVAL_MS,
    index,
    indexDetail: () => ({ hashes: index.counts() }),
    decoder: new SharpImageDecoder({ maxPixels: limits.maxImagePixels }),
    digests: nodeDigester,
    video: {
      decoder: new FfmpegVideoDecoder({ ffmpegPath: config.FFMPEG_PATH, ffprobePath: config.FFPROBE_PATH, maxPixels: config.VIDEO_MAX_PIXELS }),
      decode: { secondsPerFrame: config.VIDEO_SECONDS_PER_FRAME, maxFrames: config.VIDEO_MAX_FRAMES, maxDurationSeconds: config.VIDEO_MAX_SECONDS, timeoutMs: config.VIDEO_TIMEOUT_MS },
      maxBytes: config.VIDEO_MAX_BYTES,
      slots: new Slots(config.VIDEO_CONCURRENCY, config.VIDEO_QUEUE, 'video decodes'),
      queryMatchPercent: config.VPDQ_QUERY_MATCH_PERCENT,
      candidateMatchPercent: config.VPDQ_CANDIDATE_MATCH_PERCENT,
    },
    now: overrides.now ?? Date.now,
    newId: () => randomUUID(),
    limits,
    issuer: config.PUBLIC_URL!,
    nodeSecret: nodeSecret(config),
    rateLimit: config.RATE_LIMIT_PER_SECOND > 0 ? { perSecond: config.RATE_LIMIT_PER_SECOND, burst: config.RATE_LIMIT_BURST } : null,
    devAuth: config.DEV_AUTH,
    flushCountsEachRequest: false,
    nodeInfo: { name: config.NODE_NAME, version: VERSION, runtime: 'node' },
    authenticator: overrides.authenticator,
  });
  await deps.keyring.ensureCurrent();
  const indexLoaded = loadIndex(sqlHashes, index);
  return {
    deps,
    index,
    matchHelper,
    database,
    indexLoaded,
    close: () => {
      void matchHelper?.close();
      database.close();
    },
  };
}
