/**
 * Workers configuration from bindings (wrangler.toml [vars] and secrets): the settings both runtimes
 * share (src/config), bounded as Workers bound them, and the edge's own; read on first request.
 */
import type { D1Database } from '@cloudflare/workers-types';
import { z } from 'zod';
import { ConfigError, int, oneOf, readSettings, refuseDevAuthInProduction, SHARED_SETTINGS } from '../../config';
import { DEFAULT_LIMITS } from '../../services/deps';

/** The bindings: D1 and the variables (every value a string, as [vars] and secrets give them). */
export interface WorkerEnv {
  DB: D1Database;
  [variable: string]: unknown;
}

const WORKER_SETTINGS = {
  ...SHARED_SETTINGS,
  // A Worker takes requests of at most 100 MB.
  MAX_BODY_BYTES: int(1024, 100 * 1024 * 1024).default(DEFAULT_LIMITS.maxBodyBytes),
  MAX_JSON_BYTES: int(1024, 100 * 1024 * 1024).default(DEFAULT_LIMITS.maxJsonBytes),
  // No default for the URL clients reach the node at, and the secret is required (no file to keep one in).
  PUBLIC_URL: z
    .string({ error: 'must be the URL the node is reached at, e.g. https://hashes.example.org' })
    .url('must be the URL the node is reached at, e.g. https://hashes.example.org'),
  NODE_SECRET: z
    .string({ error: 'must be set with `wrangler secret put NODE_SECRET` (at least 32 characters)' })
    .min(32, 'must be set with `wrangler secret put NODE_SECRET` (at least 32 characters)'),
  ENVIRONMENT: z.string().default('production'),
  /** debug, info (default), warn, error or silent: the JSON lines written through console. */
  LOG_LEVEL: oneOf(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  // Memory one image decode may use (decoder heap and body): 96 of the isolate's 128 MB, the rest
  // holds the worker itself (script, compiled modules, app).
  IMAGE_MEMORY_MB: z.coerce
    .number({ error: 'must be a whole number of MiB from 16 to 120' })
    .int({ error: 'must be a whole number of MiB from 16 to 120' })
    .min(16, 'must be at least 16 (MiB)')
    .max(120, 'must leave the worker itself room in the 128 MB isolate (at most 120)')
    .default(96),
};

export type WorkerConfig = ReturnType<typeof loadWorkerConfig>;

export function loadWorkerConfig(env: WorkerEnv) {
  if (!env.DB) throw new ConfigError('invalid configuration: the D1 binding "DB" is missing (see wrangler.toml [[d1_databases]])');
  const c = readSettings(WORKER_SETTINGS, env);
  refuseDevAuthInProduction(c.DEV_AUTH, 'ENVIRONMENT', c.ENVIRONMENT);
  return { ...c, PUBLIC_URL: c.PUBLIC_URL.replace(/\/+$/, '') };
}
