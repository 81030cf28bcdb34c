/**
 * Node configuration from environment variables: the settings both runtimes share (src/config) and
 * Node's own (port, database, ffmpeg and video limits, poppler and PDF limits, instances), read and checked at start-up.
 */
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { ConfigError, flag, int, num, oneOf, readSettings, refuseDevAuthInProduction, SHARED_SETTINGS } from '../../../config';
import { DEFAULT_DOCUMENTS, DEFAULT_IMAGES, DEFAULT_VIDEO } from '../../../services/deps';
import { DEFAULT_PULLER, FEDERATION_MAX_LIMIT } from '../../../services/federation';

const NODE_SETTINGS = {
  PORT: int(0, 65535).default(8787),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .regex(/^(file:|libsql:|https?:|wss?:|:memory:$)/, 'must be file:PATH, libsql://HOST, http(s)://HOST or :memory:')
    .default('file:./data/node.db'),
  DATABASE_AUTH_TOKEN: z.string().optional(),
  DATABASE_BUSY_TIMEOUT_MS: int(0, 600_000).default(10_000),
  // How the embedded database's writer syncs its commits (decisions.md, "Durability").
  DATABASE_SYNCHRONOUS: oneOf(['full', 'normal']).default('full'),
  // Pages of WAL between the writer's checkpoints (default 65,536 with full, 8192 with normal; decisions.md).
  DATABASE_CHECKPOINT_PAGES: int(16, 1_048_576).optional(),
  ...SHARED_SETTINGS,
  FFMPEG_PATH: z.string().min(1).default('ffmpeg'),
  FFPROBE_PATH: z.string().min(1).optional(),
  VIDEO_MAX_BYTES: int(1024, 16 * 1024 ** 3).default(DEFAULT_VIDEO.maxBytes),
  VIDEO_MAX_SECONDS: int(1, 24 * 3600).default(DEFAULT_VIDEO.decode.maxDurationSeconds),
  VIDEO_MAX_FRAMES: int(1, 1_000_000).default(DEFAULT_VIDEO.decode.maxFrames),
  VIDEO_SECONDS_PER_FRAME: num(0, 3600).default(DEFAULT_VIDEO.decode.secondsPerFrame),
  VIDEO_TIMEOUT_MS: int(1000, 3_600_000).default(DEFAULT_VIDEO.decode.timeoutMs),
  VIDEO_MAX_PIXELS: int(256, 500_000_000).default(7680 * 4320),
  // Image work (README, "Images under load"): decode, pixel hashes and digests in HASH_THREADS threads
  // (default: the core count; 0: on the main thread), IMAGE_CONCURRENCY decodes with their hashes at
  // once (default: the core count, at least 2) and IMAGE_QUEUE waiting; beyond, 503 busy.
  HASH_THREADS: int(0, 256).optional(),
  // Added to the hash threads' nice value (Linux), so that on a busy machine routing and matching come first.
  HASH_THREAD_NICE: int(0, 19).default(10),
  IMAGE_CONCURRENCY: int(1, 256).optional(),
  IMAGE_QUEUE: int(0, 10_000).default(DEFAULT_IMAGES.queue),
  VIDEO_CONCURRENCY: int(1, 256).default(DEFAULT_VIDEO.concurrency),
  VIDEO_QUEUE: int(0, 10_000).default(DEFAULT_VIDEO.queue),
  // '' (the default): pdfinfo, pdftoppm and pdftotext from PATH; else the folder that holds them.
  POPPLER_PATH: z.string().default(''),
  PDF_MAX_BYTES: int(1024, 4 * 1024 ** 3).default(DEFAULT_DOCUMENTS.maxBytes),
  PDF_MAX_PAGES: int(1, 100_000).default(DEFAULT_DOCUMENTS.limits.maxPages),
  PDF_MAX_PAGE_PIXELS: int(256, 500_000_000).default(DEFAULT_DOCUMENTS.limits.maxPagePixels),
  PDF_TIMEOUT_MS: int(1000, 3_600_000).default(DEFAULT_DOCUMENTS.limits.timeoutMs),
  PDF_MEMORY_MB: int(64, 65_536).default(DEFAULT_DOCUMENTS.limits.memoryBytes / 2 ** 20),
  PDF_MAX_TEXT_BYTES: int(1024, 1024 ** 3).default(DEFAULT_DOCUMENTS.limits.maxTextBytes),
  PDF_CONCURRENCY: int(1, 256).default(DEFAULT_DOCUMENTS.concurrency),
  PDF_QUEUE: int(0, 10_000).default(DEFAULT_DOCUMENTS.queue),
  NODE_SECRET_FILE: z.string().min(1).default('./data/node.secret'),
  SHUTDOWN_TIMEOUT_MS: int(0, 600_000).default(10_000),
  AUTH_CACHE_MS: int(0, 60_000).default(1000),
  FOLLOW_INTERVAL_MS: int(10, 60_000).default(200),
  INSTANCES: int(1, 64).default(1),
  // Federation's puller (README, "Federation"): Node only.
  FEDERATION_PULL: flag.default(true),
  FEDERATION_BATCH: int(1, FEDERATION_MAX_LIMIT).default(DEFAULT_PULLER.batchLimit),
  FEDERATION_BACKOFF_BASE_MS: int(10, 3_600_000).default(DEFAULT_PULLER.backoffBaseMs),
  FEDERATION_BACKOFF_MAX_MS: int(10, 24 * 3_600_000).default(DEFAULT_PULLER.backoffMaxMs),
  FEDERATION_TIMEOUT_MS: int(100, 600_000).default(DEFAULT_PULLER.timeoutMs),
  NODE_ENV: z.string().default('development'),
  LOG_LEVEL: oneOf(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  // JSON lines unless a person reads them: `npm run dev` sets pretty.
  LOG_FORMAT: oneOf(['json', 'pretty']).default('json'),
  // /metrics on an address of its own, off unless METRICS_PORT is set (README, "Operating the node").
  METRICS_PORT: int(0, 65535).optional(),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
};

export type NodeConfig = ReturnType<typeof loadConfig>;

/** Image work as configured, with the defaults that follow the core count filled in. */
export function imageWorkSettings(
  c: Pick<NodeConfig, 'HASH_THREADS' | 'IMAGE_CONCURRENCY' | 'IMAGE_QUEUE'>,
  cores = availableParallelism(),
): { threads: number; concurrency: number; queue: number } {
  return { threads: c.HASH_THREADS ?? cores, concurrency: c.IMAGE_CONCURRENCY ?? Math.max(2, cores), queue: c.IMAGE_QUEUE };
}

export function loadConfig(env: Record<string, string | undefined> = process.env) {
  const c = readSettings(NODE_SETTINGS, env);
  refuseDevAuthInProduction(c.DEV_AUTH, 'NODE_ENV', c.NODE_ENV);
  if (c.LOG_FORMAT === 'pretty' && c.NODE_ENV === 'production') {
    throw new ConfigError('invalid configuration: LOG_FORMAT=pretty is for development; with NODE_ENV=production the log is JSON lines');
  }
  return { ...c, PUBLIC_URL: (c.PUBLIC_URL ?? `http://localhost:${c.PORT}`).replace(/\/+$/, '') };
}
