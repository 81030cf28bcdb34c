/**
 * The node's settings, one schema for both runtimes (DESIGN §3). Each setting is declared once, with
 * its bounds and default; runtime/node/config reads them from the environment and adds what
 * only Node has (port, database, ffmpeg and poppler, video and PDF limits), runtime/worker/config.ts reads them from the
 * Worker's bindings ([vars] and secrets) and tightens what Workers bound. Read once at start-up:
 * every bad variable is named in one line, a secret without its value.
 */
import { z } from 'zod';
import { DEFAULT_DOCUMENTS, DEFAULT_LIMITS, DEFAULT_VIDEO } from '../services/deps';
import { parseAudienceList } from '../services/tokens';

/** A yes/no variable: 1, true, yes (and 0, false, no). */
export const flag = z.preprocess(
  // A Worker's [vars] may hold a TOML boolean or number (DEV_AUTH = true): read as its text.
  (v) => (typeof v === 'boolean' || typeof v === 'number' ? String(v) : v),
  z
    .enum(['1', '0', 'true', 'false', 'yes', 'no', ''], { error: 'must be 1 or 0 (or true/false, yes/no)' })
    .transform((v) => v === '1' || v === 'true' || v === 'yes'),
);

/** What a number setting must be, in the node's words (not the schema library's). */
const range = (what: string, min: number, max?: number) => `must be ${what} ${max === undefined ? `of ${min} or more` : `from ${min} to ${max}`}`;

/** A whole-number variable within [min, max] (no upper bound without `max`). */
export const int = (min: number, max?: number) => {
  const error = range('a whole number', min, max);
  const n = z.coerce.number({ error }).int({ error }).min(min, { error });
  return max === undefined ? n : n.max(max, { error });
};

/** A number variable (fractions allowed) within [min, max]. */
export const num = (min: number, max?: number) => {
  const error = range('a number', min, max);
  const n = z.coerce.number({ error }).min(min, { error });
  return max === undefined ? n : n.max(max, { error });
};

/** One of a few words. */
export const oneOf = <const T extends readonly [string, ...string[]]>(values: T) => z.enum(values, { error: `must be one of ${values.join(', ')}` });

const percent = () => num(0, 100);

/** The settings both runtimes read. */
export const SHARED_SETTINGS = {
  NODE_NAME: z.string().min(1).max(100).default('media-hash-node'),
  MAX_BODY_BYTES: int(1024, 1024 ** 3).default(DEFAULT_LIMITS.maxBodyBytes),
  MAX_JSON_BYTES: int(1024, 1024 ** 3).default(DEFAULT_LIMITS.maxJsonBytes),
  MAX_IMAGE_PIXELS: int(256, 500_000_000).default(DEFAULT_LIMITS.maxImagePixels),
  MAX_BATCH: int(1, 100_000).default(DEFAULT_LIMITS.maxBatch),
  BODY_IDLE_TIMEOUT_MS: int(100, 600_000).default(DEFAULT_LIMITS.bodyIdleTimeoutMs),
  BODY_TIMEOUT_MS: int(1000, 3_600_000).default(DEFAULT_LIMITS.bodyTimeoutMs),
  VPDQ_QUERY_MATCH_PERCENT: percent().default(DEFAULT_VIDEO.queryMatchPercent),
  VPDQ_CANDIDATE_MATCH_PERCENT: percent().default(DEFAULT_VIDEO.candidateMatchPercent),
  PDF_QUERY_MATCH_PERCENT: percent().default(DEFAULT_DOCUMENTS.queryMatchPercent),
  PDF_CANDIDATE_MATCH_PERCENT: percent().default(DEFAULT_DOCUMENTS.candidateMatchPercent),
  PUBLIC_URL: z.url({ error: 'must be a URL such as https://hashes.example.org' }).optional(),
  TOKEN_AUDIENCES: z
    .string()
    .default('')
    .transform((s, ctx) => {
      const r = parseAudienceList(s);
      if (Array.isArray(r)) return r;
      ctx.addIssue({ code: 'custom', message: r.problem });
      return z.NEVER;
    }),
  NODE_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  RATE_LIMIT_PER_SECOND: num(0).default(1000),
  RATE_LIMIT_BURST: int(1).default(2000),
  TREE_HEAD_INTERVAL_MS: int(0, 3_600_000).default(5000),
  DEV_AUTH: flag.default(false),
};

export class ConfigError extends Error {}

/** Variables whose values must not reach a log. */
const SECRETS = new Set(['NODE_SECRET', 'DATABASE_AUTH_TOKEN']);

/** The settings of `shape` from `source` (an empty variable counts as unset). Throws ConfigError naming every bad variable. */
export function readSettings<S extends z.ZodRawShape>(shape: S, source: Record<string, unknown>): z.infer<z.ZodObject<S>> {
  const picked: Record<string, unknown> = Object.fromEntries(Object.keys(shape).map((k) => [k, source[k] === '' ? undefined : source[k]]));
  const r = z.object(shape).safeParse(picked);
  if (!r.success) {
    const problems = r.error.issues.map((i) => {
      const name = String(i.path[0]);
      return `${shown(name, picked[name])}: ${i.message}`;
    });
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  return r.data;
}

/** DEV_AUTH lets anyone act as any client: never where the runtime's own variable says production. */
export function refuseDevAuthInProduction(devAuth: boolean, variable: string, value: string): void {
  if (devAuth && value === 'production')
    throw new ConfigError(`invalid configuration: DEV_AUTH=1 is refused when ${variable}=production: it lets anyone act as any client`);
}

/** A variable as an error message may show it: secrets by name only, URLs without credentials. */
function shown(name: string, value: unknown): string {
  if (value === undefined) return `${name} (not set)`;
  if (SECRETS.has(name)) return `${name} (value not shown)`;
  const text = String(value);
  const v = name === 'DATABASE_URL' ? redactUrl(text) : text;
  return `${name}=${JSON.stringify(v.length > 100 ? `${v.slice(0, 100)}…` : v)}`;
}

/** A URL for the log: the password and query parameter values (libsql's `authToken=`) hidden. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@').replace(/([?&][^=&#]+)=[^&#]*/g, '$1=***');
}
