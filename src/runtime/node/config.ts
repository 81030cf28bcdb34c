/**
 * Node configuration from environment variables, validated at start-up. Every bad variable is named
 * in one message (one line), so an operator fixes them in one go. Secrets' values are never shown.
 */
import { z } from 'zod';
import { DEFAULT_DOCUMENTS, DEFAULT_LIMITS, DEFAULT_VIDEO } from '../../services/deps';
import { parseAudienceList } from '../../services/tokens';

const bool = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', ''])
  .transform((v) => v === '1' || v === 'true' || v === 'yes');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const audiences = z
  .string()
  .default('')
  .transform((s, ctx) => {
    const r = parseAudienceList(s);
    if (Array.isArray(r)) return r;
    ctx.addIssue({ code: 'custom', message: r.problem });
    return z.NEVER;
  });

const Schema = z.object({
  PORT: int(0, 65535).default(8787),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .regex(/^(file:|libsql:|https?:|wss?:|:memory:$)/, 'must be file:PATH, libsql://HOST, http(s)://HOST or :memory:')
    .default('file:./data/node.db'),
  DATABASE_AUTH_TOKEN: z.string().optional(),
  DATABASE_BUSY_TIMEOUT_MS: int(0, 600_000).default(10_000),
  NODE_NAME: z.string().min(1).max(100).default('media-hash-node'),
  MAX_BODY_BYTES: int(1024, 1024 ** 3).default(DEFAULT_LIMITS.maxBodyBytes),
  MAX_JSON_BYTES: int(1024, 1024 ** 3).default(DEFAULT_LIMITS.maxJsonBytes),
  MAX_IMAGE_PIXELS: int(256, 500_000_000).default(DEFAULT_LIMITS.maxImagePixels),
  MAX_BATCH: int(1, 100_000).default(DEFAULT_LIMITS.maxBatch),
  FFMPEG_PATH: z.string().min(1).default('ffmpeg'),
  FFPROBE_PATH: z.string().min(1).optional(),
  VIDEO_MAX_BYTES: int(1024, 16 * 1024 ** 3).default(DEFAULT_VIDEO.maxBytes),
  VIDEO_MAX_SECONDS: int(1, 24 * 3600).default(DEFAULT_VIDEO.decode.maxDurationSeconds),
  VIDEO_MAX_FRAMES: int(1, 1_000_000).default(DEFAULT_VIDEO.decode.maxFrames),
  VIDEO_SECONDS_PER_FRAME: z.coerce.number().min(0).max(3600).default(DEFAULT_VIDEO.decode.secondsPerFrame),
  VIDEO_TIMEOUT_MS: int(1000, 3_600_000).default(DEFAULT_VIDEO.decode.timeoutMs),
  VIDEO_MAX_PIXELS: int(256, 500_000_000).default(7680 * 4320),
  VIDEO_CONCURRENCY: int(1, 256).default(DEFAULT_VIDEO.concurrency),
  VIDEO_QUEUE: int(0, 10_000).default(DEFAULT_VIDEO.queue),
  VPDQ_QUERY_MATCH_PERCENT: z.coerce.number().min(0).max(100).default(DEFAULT_VIDEO.queryMatchPercent),
  VPDQ_CANDIDATE_MATCH_PERCENT: z.coerce.number().min(0).max(100).default(DEFAULT_VIDEO.candidateMatchPercent),
  POPPLER_PATH: z.string().default(''),
  PDF_MAX_BYTES: int(1024, 4 * 1024 ** 3).default(DEFAULT_DOCUMENTS.maxBytes),
  PDF_MAX_PAGES: int(1, 100_000).default(DEFAULT_DOCUMENTS.limits.maxPages),
  PDF_MAX_PAGE_PIXELS: int(256, 500_000_000).default(DEFAULT_DOCUMENTS.limits.maxPagePixels),
  PDF_TIMEOUT_MS: int(1000, 3_600_000).default(DEFAULT_DOCUMENTS.limits.timeoutMs),
  PDF_MEMORY_MB: int(64, 65_536).default(DEFAULT_DOCUMENTS.limits.memoryBytes / 2 ** 20),
  PDF_MAX_TEXT_BYTES: int(1024, 1024 ** 3).default(DEFAULT_DOCUMENTS.limits.maxTextBytes),
  PDF_CONCURRENCY: int(1, 256).default(DEFAULT_DOCUMENTS.concurrency),
  PDF_QUEUE: int(0, 10_000).default(DEFAULT_DOCUMENTS.queue),
  PDF_QUERY_MATCH_PERCENT: z.coerce.number().min(0).max(100).default(DEFAULT_DOCUMENTS.queryMatchPercent),
  PDF_CANDIDATE_MATCH_PERCENT: z.coerce.number().min(0).max(100).default(DEFAULT_DOCUMENTS.candidateMatchPercent),
  PUBLIC_URL: z.string().url().optional(),
  TOKEN_AUDIENCES: audiences,
  NODE_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  NODE_SECRET_FILE: z.string().min(1).default('./data/node.secret'),
  RATE_LIMIT_PER_SECOND: z.coerce.number().min(0).default(1000),
  RATE_LIMIT_BURST: z.coerce.number().int().min(1).default(2000),
  TREE_HEAD_INTERVAL_MS: int(0, 3_600_000).default(5000),
  SHUTDOWN_TIMEOUT_MS: int(0, 600_000).default(10_000),
  AUTH_CACHE_MS: int(0, 60_000).default(1000),
  FOLLOW_INTERVAL_MS: int(10, 60_000).default(200),
  INSTANCES: int(1, 64).default(1),
  DEV_AUTH: bool.default(false),
  NODE_ENV: z.string().default('development'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  // JSON lines unless a person reads them: `npm run dev` sets pretty.
  LOG_FORMAT: z.enum(['json', 'pretty']).default('json'),
  // /metrics on an address of its own, off unless METRICS_PORT is set (README, "Operating the node").
  METRICS_PORT: int(0, 65535).optional(),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
});

export type NodeConfig = z.infer<typeof Schema>;

export class ConfigError extends Error {}

/** Variables whose values must not reach a log. */
const SECRETS = new Set(['NODE_SECRET', 'DATABASE_AUTH_TOKEN']);

export function loadConfig(env: Record<string, string | undefined> = process.env): NodeConfig {
  const picked = Object.fromEntries(Object.keys(Schema.shape).map((k) => [k, env[k] === '' ? undefined : env[k]]));
  const r = Schema.safeParse(picked);
  if (!r.success) {
    const problems = r.error.issues.map((i) => {
      const name = String(i.path[0]);
      return `${shown(name, picked[name])}: ${i.message}`;
    });
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  if (r.data.DEV_AUTH && r.data.NODE_ENV === 'production') {
    throw new ConfigError('invalid configuration: DEV_AUTH=1 is refused when NODE_ENV=production: it lets anyone act as any client');
  }
  if (r.data.LOG_FORMAT === 'pretty' && r.data.NODE_ENV === 'production') {
    throw new ConfigError('invalid configuration: LOG_FORMAT=pretty is for development; with NODE_ENV=production the log is JSON lines');
  }
  return { ...r.data, PUBLIC_URL: (r.data.PUBLIC_URL ?? `http://localhost:${r.data.PORT}`).replace(/\/+$/, '') };
}

/** A variable as an error message may show it: secrets by name only, URLs without credentials. */
function shown(name: string, value: string | undefined): string {
  if (value === undefined) return `${name} (not set)`;
  if (SECRETS.has(name)) return `${name} (value not shown)`;
  const v = name === 'DATABASE_URL' ? redactUrl(value) : value;
  return `${name}=${JSON.stringify(v.length > 100 ? `${v.slice(0, 100)}…` : v)}`;
}

/** A URL for the log: the password and query parameter values (libsql's `authToken=`) hidden. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@').replace(/([?&][^=&#]+)=[^&#]*/g, '$1=***');
}
