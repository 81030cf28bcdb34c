/** Workers configuration from bindings (wrangler.toml [vars] and secrets), validated on first request. */
import type { D1Database } from '@cloudflare/workers-types';
import { z } from 'zod';
import { DEFAULT_LIMITS } from '../../services/deps';

export interface WorkerEnv {
  DB: D1Database;
  NODE_NAME?: string;
  MAX_BODY_BYTES?: string;
  MAX_BATCH?: string;
  DEV_AUTH?: string;
  ENVIRONMENT?: string;
}

const Schema = z.object({
  NODE_NAME: z.string().min(1).max(100).default('media-hash-node'),
  MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(100 * 1024 * 1024).default(DEFAULT_LIMITS.maxBodyBytes),
  MAX_BATCH: z.coerce.number().int().min(1).max(100_000).default(DEFAULT_LIMITS.maxBatch),
  DEV_AUTH: z.enum(['0', '1', 'true', 'false', '']).default('0').transform((v) => v === '1' || v === 'true'),
  ENVIRONMENT: z.string().default('production'),
});

export type WorkerConfig = z.infer<typeof Schema>;

export function loadWorkerConfig(env: WorkerEnv): WorkerConfig {
  if (!env.DB) throw new Error('invalid configuration: the D1 binding "DB" is missing (see wrangler.toml [[d1_databases]])');
  const r = Schema.safeParse({ NODE_NAME: env.NODE_NAME, MAX_BODY_BYTES: env.MAX_BODY_BYTES, MAX_BATCH: env.MAX_BATCH, DEV_AUTH: env.DEV_AUTH, ENVIRONMENT: env.ENVIRONMENT });
  if (!r.success) throw new Error(`invalid configuration: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  if (r.data.DEV_AUTH && r.data.ENVIRONMENT === 'production') throw new Error('invalid configuration: DEV_AUTH is refused when ENVIRONMENT=production');
  return r.data;
}
