/** Workers configuration from bindings (wrangler.toml [vars] and secrets), validated on first request. */
import type { D1Database } from '@cloudflare/workers-types';
import { z } from 'zod';
import { DEFAULT_LIMITS } from '../../services/deps';
import { parseAudienceList } from '../../services/tokens';

export interface WorkerEnv {
  DB: D1Database;
  NODE_NAME?: string;
  MAX_BODY_BYTES?: string;
  MAX_JSON_BYTES?: string;
  MAX_BATCH?: string;
  DEV_AUTH?: string;
  ENVIRONMENT?: string;
  PUBLIC_URL?: string;
  /** Other URLs the node is reached at, comma-separated: accepted as client assertion audiences too. */
  TOKEN_AUDIENCES?: string;
  /** Secret (wrangler secret put NODE_SECRET): seals the node's signing keys in D1. */
  NODE_SECRET?: string;
  RATE_LIMIT_PER_SECOND?: string;
  RATE_LIMIT_BURST?: string;
  TREE_HEAD_INTERVAL_MS?: string;
  /** Most pixels an image may declare, as on Node (the memory budget below usually binds first). */
  MAX_IMAGE_PIXELS?: string;
  /** Memory one image decode may use at the edge (decoder heap and body), in MiB of the isolate's 128 MB. */
  IMAGE_MEMORY_MB?: string;
  /** debug, info (default), warn, error or silent: the JSON lines written through console. */
  LOG_LEVEL?: string;
}

const Schema = z.object({
  NODE_NAME: z.string().min(1).max(100).default('media-hash-node'),
  MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(100 * 1024 * 1024).default(DEFAULT_LIMITS.maxBodyBytes),
  MAX_JSON_BYTES: z.coerce.number().int().min(1024).max(100 * 1024 * 1024).default(DEFAULT_LIMITS.maxJsonBytes),
  MAX_BATCH: z.coerce.number().int().min(1).max(100_000).default(DEFAULT_LIMITS.maxBatch),
  DEV_AUTH: z.enum(['0', '1', 'true', 'false', '']).default('0').transform((v) => v === '1' || v === 'true'),
  ENVIRONMENT: z.string().default('production'),
  PUBLIC_URL: z.string().url('must be the URL the node is reached at, e.g. https://hashes.example.org'),
  TOKEN_AUDIENCES: z
    .string()
    .default('')
    .transform((s, ctx) => {
      const r = parseAudienceList(s);
      if (Array.isArray(r)) return r;
      ctx.addIssue({ code: 'custom', message: r.problem });
      return z.NEVER;
    }),
  NODE_SECRET: z.string().min(32, 'must be set with `wrangler secret put NODE_SECRET` (at least 32 characters)'),
  RATE_LIMIT_PER_SECOND: z.coerce.number().min(0).default(1000),
  RATE_LIMIT_BURST: z.coerce.number().int().min(1).default(2000),
  TREE_HEAD_INTERVAL_MS: z.coerce.number().int().min(0).max(3_600_000).default(5000),
  MAX_IMAGE_PIXELS: z.coerce.number().int().min(256).max(500_000_000).default(DEFAULT_LIMITS.maxImagePixels),
  // 96 of the isolate's 128 MB: the rest holds the worker itself (script, compiled modules, app).
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  IMAGE_MEMORY_MB: z.coerce.number().int().min(16, 'must be at least 16 (MiB)').max(120, 'must leave the worker itself room in the 128 MB isolate (at most 120)').default(96),
});

export type WorkerConfig = z.infer<typeof Schema>;

export function loadWorkerConfig(env: WorkerEnv): WorkerConfig {
  if (!env.DB) throw new Error('invalid configuration: the D1 binding "DB" is missing (see wrangler.toml [[d1_databases]])');
  const { DB: _db, ...vars } = env;
  const r = Schema.safeParse(vars);
  if (!r.success) throw new Error(`invalid configuration: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  if (r.data.DEV_AUTH && r.data.ENVIRONMENT === 'production') throw new Error('invalid configuration: DEV_AUTH is refused when ENVIRONMENT=production');
  return { ...r.data, PUBLIC_URL: r.data.PUBLIC_URL.replace(/\/+$/, '') };
}
