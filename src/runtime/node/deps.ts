/**
 * Wires the Node runtime: the database (reader and writer connections on their own threads), the
 * ledger, sharp, the in-memory match index loaded from the database and kept in step with the
 * change log by the follower.
 */
import { MemoryMatchIndex, MultiIndexHashing } from '../../core/hash-index';
import { SINGLE_HASH_TYPES } from '../../core/hashes';
import { buildHashKernels } from '../../core/kernels';
import { inThread } from '../../core/pixel-tasks';
import { Slots } from '../../core/limits';
import { VERSION } from '../../config';
import { assembleAppDeps } from '../../http/assemble';
import type { AppDeps, Authenticator } from '../../http/env';
import { ChangeFollower } from '../../services/change-follower';
import { DEFAULT_PULLER, Puller, type FetchLike } from '../../services/federation';
import { loadIndex } from '../../services/index-loader';
import { SqlAuthStore } from '../../storage/auth-store';
import { CachedAuthStore } from '../../storage/cached-auth-store';
import { CachedHashStore } from '../../storage/cached-hash-store';
import { SqlFederationStore } from '../../storage/federation-store';
import { SqlHashStore } from '../../storage/hash-store';
import { SqlLedger } from '../../storage/ledger';
import { SqlStatsStore } from '../../storage/stats-store';
import { SqlLogStore } from '../../storage/log-store';
import { errorFields, SILENT_LOGGER, type Logger } from '../../services/observe';
import { imageWorkSettings, nodeSecret, type NodeConfig } from './config';
import { HashPool } from './hash-pool';
import { openDatabase, type OpenDb } from './database';
import { nodeDigester } from './digest';
import { swaggerUiAssets } from './docs-assets';
import { SharpImageDecoder } from './image';
import { PopplerPdfRenderer } from './document';
import { NodeMetrics } from './metrics';
import { MihHelper } from './match-helper';
import { FfmpegVideoDecoder } from './video';
import { uuidV7Source } from './ids';
import { incomingBody } from './server';

/** A deferred compaction's step (slots) and how long one turn of the event loop runs its steps (ms). */
const COMPACTION_STEP_SLOTS = 1 << 14;
const COMPACTION_TURN_MS = 3;

export interface NodeRuntime {
  deps: AppDeps;
  index: MemoryMatchIndex;
  /** Follows the change log into the index and caches (other instances' writes and this one's). */
  follower: ChangeFollower;
  /** Pulls the peers' feeds (started by the entry point unless FEDERATION_PULL=0). */
  puller: Puller;
  /** The thread that takes half of each large match batch (null on one core); it starts at its first batch unless started. */
  matchHelper: MihHelper | null;
  database: OpenDb;
  /** Resolves when the index holds every active hash. */
  indexLoaded: Promise<number>;
  /** What /metrics serves (on its own address, when METRICS_PORT is set). */
  metrics: NodeMetrics;
  /** The threads of the pixel hashes and digests (null with HASH_THREADS=0: the main thread does them). */
  hashPool: HashPool | null;
  close(): Promise<void>;
}

export async function createNodeRuntime(
  config: NodeConfig,
  overrides: {
    now?: () => number;
    authenticator?: Authenticator;
    /** A database thread stopped on its own: nothing can be written or read any more. */
    onFatal?: (e: Error) => void;
    /** The node's log; default silent (tests and tools that build a runtime of their own). */
    logger?: Logger;
    /** How other nodes are reached (their JWKS, their feeds); default the global fetch. */
    fetch?: FetchLike;
    random?: () => number;
    /** Between slices of long tasks (default: a turn of the event loop); tests count them. */
    pause?: () => Promise<void>;
  } = {},
): Promise<NodeRuntime> {
  const logger = overrides.logger ?? SILENT_LOGGER;
  const database = await openDatabase(config.DATABASE_URL, {
    authToken: config.DATABASE_AUTH_TOKEN,
    busyTimeoutMs: config.DATABASE_BUSY_TIMEOUT_MS,
    synchronous: config.DATABASE_SYNCHRONOUS,
    checkpointPages: config.DATABASE_CHECKPOINT_PAGES,
    onThreadLost: overrides.onFatal ?? ((e) => logger.error({ event: 'database_thread_lost', error: errorFields(e) }, 'database thread lost')),
  });
  const now = overrides.now ?? Date.now;
  // Time-ordered ids (UUIDv7, RFC 9562): new rows land at the end of the id indexes instead of at
  // random pages, which keeps a share's cost flat as the bank grows (decisions.md).
  const newId = uuidV7Source();
  // A 1000-hash share, its index updates and an audit page run in slices, a turn of the event loop
  // between them, so /health and matches are answered meanwhile (issue 10 item 6).
  const pause = overrides.pause ?? (() => new Promise<void>((resolve) => setImmediate(resolve)));
  const store = new SqlHashStore(database.reader);
  const hashes = new CachedHashStore(store, { now });
  const authCache = config.AUTH_CACHE_MS > 0 ? new CachedAuthStore(new SqlAuthStore(database.reader), config.AUTH_CACHE_MS) : null;
  // Large match batches are split with a second thread when there is a second core.
  const matchHelper = MihHelper.useful()
    ? new MihHelper((e) => logger.error({ event: 'match_helper_failed', error: errorFields(e) }, 'match helper thread failed; batches run on the main thread'))
    : null;
  // Compactions run in small steps between other work, a few milliseconds a turn of the event loop,
  // so a large index never stops it for long.
  const index = new MemoryMatchIndex(
    (words) =>
      new MultiIndexHashing(words, {
        offload: matchHelper?.offload,
        defer: (step) => setImmediate(step),
        stepSlots: COMPACTION_STEP_SLOTS,
        turnMs: COMPACTION_TURN_MS,
        clock: () => performance.now(),
      }),
  );
  const follower = new ChangeFollower(
    store,
    { index, hashes, auth: authCache ?? undefined },
    {
      intervalMs: config.FOLLOW_INTERVAL_MS,
      onError: (e) => logger.error({ event: 'follower_failed', error: errorFields(e) }, 'change log follower failed'),
      pause,
    },
  );
  const log = new SqlLogStore(database.reader);
  const videoSlots = new Slots(config.VIDEO_CONCURRENCY, config.VIDEO_QUEUE, 'video decodes');
  // A kernel that does not build stops the start (tests, development); in production it is
  // logged once and that hash runs in TypeScript (same hashes, about 5x slower for PDQ).
  const production = config.NODE_ENV === 'production';
  const kernels = buildHashKernels({ onFailure: production ? (_, e) => console.error(`${e.message}; hashing falls back to TypeScript`) : undefined });
  const work = imageWorkSettings(config);
  const hashPool = work.threads > 0 ? new HashPool({ threads: work.threads, kernelFallback: production, niceIncrement: config.HASH_THREAD_NICE }) : null;
  const images = {
    pixels: hashPool?.pixels ?? inThread(kernels),
    encoded: hashPool?.images(config.MAX_IMAGE_PIXELS),
    slots: new Slots(work.concurrency, work.queue, 'image decodes'),
  };
  const documents = documentSettings(config);
  const metrics = new NodeMetrics({
    // Every type, 0 while none is held, so a dashboard's series exist from the start.
    indexCounts: () => ({ ...Object.fromEntries(SINGLE_HASH_TYPES.map((t) => [t, 0])), ...index.counts() }),
    decodeSlots: [
      { kind: 'image', slots: images.slots },
      { kind: 'video', slots: videoSlots },
      { kind: 'pdf', slots: documents.slots },
    ],
    audit: async () => {
      const [entries, head] = await Promise.all([log.auditSize(), log.latestHead()]);
      return { entries, treeSize: head?.treeSize ?? 0, headTimestamp: head?.timestamp ?? null };
    },
    // The puller is made below; read only when scraped.
    federationPullLag: () => puller.pullLag(),
    now,
  });
  const federation = new SqlFederationStore(database.reader);
  const fetchOut: FetchLike = overrides.fetch ?? ((url, init) => fetch(url, init));
  const limits = {
    maxBatch: config.MAX_BATCH,
    maxBodyBytes: config.MAX_BODY_BYTES,
    maxJsonBytes: config.MAX_JSON_BYTES,
    maxImagePixels: config.MAX_IMAGE_PIXELS,
    bodyIdleTimeoutMs: config.BODY_IDLE_TIMEOUT_MS,
    bodyTimeoutMs: config.BODY_TIMEOUT_MS,
  };
  const deps = assembleAppDeps({
    ledger: new SqlLedger(database.writer, { newId, pause }),
    follower,
    hashes,
    auth: authCache ?? new SqlAuthStore(database.reader),
    log,
    stats: new SqlStatsStore(database.reader),
    federation,
    fetch: fetchOut,
    // The follower forgets it when a peer changes, in every instance; the time limit is a backstop.
    originsCacheMs: 60_000,
    treeHeadIntervalMs: config.TREE_HEAD_INTERVAL_MS,
    index,
    indexDetail: () => ({ hashes: index.counts(), changeLog: follower.applied }),
    decoder: new SharpImageDecoder({ maxPixels: limits.maxImagePixels }),
    kernels,
    digests: hashPool?.digests ?? nodeDigester,
    images,
    video: {
      decoder: new FfmpegVideoDecoder({ ffmpegPath: config.FFMPEG_PATH, ffprobePath: config.FFPROBE_PATH, maxPixels: config.VIDEO_MAX_PIXELS }),
      decode: {
        secondsPerFrame: config.VIDEO_SECONDS_PER_FRAME,
        maxFrames: config.VIDEO_MAX_FRAMES,
        maxDurationSeconds: config.VIDEO_MAX_SECONDS,
        timeoutMs: config.VIDEO_TIMEOUT_MS,
      },
      maxBytes: config.VIDEO_MAX_BYTES,
      slots: videoSlots,
      queryMatchPercent: config.VPDQ_QUERY_MATCH_PERCENT,
      candidateMatchPercent: config.VPDQ_CANDIDATE_MATCH_PERCENT,
    },
    documents,
    now,
    newId,
    pause,
    limits,
    issuer: config.PUBLIC_URL!,
    tokenAudiences: config.TOKEN_AUDIENCES,
    nodeSecret: nodeSecret(config),
    rateLimit: config.RATE_LIMIT_PER_SECOND > 0 ? { perSecond: config.RATE_LIMIT_PER_SECOND, burst: config.RATE_LIMIT_BURST } : null,
    devAuth: config.DEV_AUTH,
    flushCountsEachRequest: false,
    nodeInfo: { name: config.NODE_NAME, version: VERSION, runtime: 'node' },
    authenticator: overrides.authenticator,
    logger,
    metrics,
    docs: swaggerUiAssets(),
    bodyChunks: incomingBody,
  });
  follower.targets.keyring = deps.keyring;
  const puller = new Puller({
    ledger: deps.ledger,
    federation,
    keyring: deps.keyring,
    remoteJwks: deps.remoteJwks,
    follower,
    fetch: fetchOut,
    now,
    newId,
    random: overrides.random ?? Math.random,
    issuer: deps.issuer,
    settings: {
      ...DEFAULT_PULLER,
      batchLimit: config.FEDERATION_BATCH,
      backoffBaseMs: config.FEDERATION_BACKOFF_BASE_MS,
      backoffMaxMs: config.FEDERATION_BACKOFF_MAX_MS,
      timeoutMs: config.FEDERATION_TIMEOUT_MS,
    },
    logger,
  });
  // A peer added, paused, resumed, changed or removed (here or by another instance): matching and pulling follow at once.
  follower.targets.peers = {
    forget: () => {
      deps.origins.forget();
      void puller.refresh();
    },
  };
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
    puller,
    matchHelper,
    database,
    indexLoaded,
    metrics,
    hashPool,
    close: async () => {
      puller.stop();
      follower.stop();
      void matchHelper?.close();
      void hashPool?.close();
      await indexLoaded.catch(() => {});
      await database.close();
    },
  };
}

/** PDFs through poppler's tools, under the configured caps (also used by the client CLI). */
export function documentSettings(config: NodeConfig): AppDeps['documents'] {
  return {
    renderer: new PopplerPdfRenderer({ binDir: config.POPPLER_PATH }),
    limits: {
      maxPages: config.PDF_MAX_PAGES,
      maxPagePixels: config.PDF_MAX_PAGE_PIXELS,
      timeoutMs: config.PDF_TIMEOUT_MS,
      memoryBytes: config.PDF_MEMORY_MB * 2 ** 20,
      maxTextBytes: config.PDF_MAX_TEXT_BYTES,
    },
    maxBytes: config.PDF_MAX_BYTES,
    slots: new Slots(config.PDF_CONCURRENCY, config.PDF_QUEUE, 'PDF renders'),
    queryMatchPercent: config.PDF_QUERY_MATCH_PERCENT,
    candidateMatchPercent: config.PDF_CANDIDATE_MATCH_PERCENT,
  };
}
