/**
 * Builds AppDeps from a runtime's parts. Both entry points call this, so the two runtimes differ only
 * in the parts they hand in (database, decoder, digests, index), never in how they are put together.
 */
import { RateLimiter } from '../core/limits';
import { IntegrationGate } from '../services/audit-log';
import { DEFAULT_LIMITS, type Limits, type ServiceDeps } from '../services/deps';
import { OriginPolicy, RemoteJwks, type FetchLike } from '../services/federation';
import { Keyring } from '../services/keyring';
import { MatchCounter } from '../services/matching';
import { NO_METRICS, SILENT_LOGGER, type Logger, type Metrics } from '../services/observe';
import { SecretBox } from '../services/secret-box';
import { StatsCache } from '../services/stats';
import type { StatsStore } from '../storage/types';
import { ACCESS_TOKEN_TTL_S, CLOCK_SKEW_S, TokenAuthenticator } from '../services/tokens';
import { DevAuthenticator } from './dev-auth';
import type { DocsAssets } from './docs';
import type { AppDeps, Authenticator, HealthCheck } from './env';

/** /health's word on a broken audit log (public, so without the log's size). */
const AUDIT_BROKEN =
  'the audit log cannot be integrated: an entry is missing or out of order in the database, so no newer tree head is signed until an operator repairs it (GET /v1/audit/tree-head, scope audit:read, names the entry)';

/** The service dependencies a runtime hands in as they are, and what the assembly turns into the rest. */
export interface RuntimeParts
  extends Pick<
    ServiceDeps,
    | 'ledger'
    | 'follower'
    | 'hashes'
    | 'auth'
    | 'log'
    | 'federation'
    | 'treeHeadIntervalMs'
    | 'index'
    | 'decoder'
    | 'kernels'
    | 'digests'
    | 'images'
    | 'video'
    | 'documents'
    | 'now'
    | 'newId'
    | 'pause'
    | 'issuer'
  > {
  /** How other nodes' JWKS are fetched (default: the global fetch). */
  fetch?: FetchLike;
  /** How long the set of origins that match is remembered (0: read on each match; the Node follower forgets it on a peer change). */
  originsCacheMs: number;
  /** maxJsonBytes defaults to DEFAULT_LIMITS'. */
  limits: Omit<Limits, 'maxJsonBytes'> & Partial<Pick<Limits, 'maxJsonBytes'>>;
  /** Other URLs the node is reached at; default none. */
  tokenAudiences?: string[];
  indexDetail: () => Record<string, unknown>;
  nodeSecret: string;
  rateLimit: { perSecond: number; burst: number } | null;
  devAuth: boolean;
  /** Write match counts on every request (Workers) instead of on a timer (Node). */
  flushCountsEachRequest: boolean;
  nodeInfo: AppDeps['nodeInfo'];
  authenticator?: Authenticator;
  /** The dashboard's counts; the assembly keeps them (services/stats.ts). */
  stats: StatsStore;
  /** Default: silent (tests, tools); the entry points hand in the runtime's. */
  logger?: Logger;
  /** Default: none. */
  metrics?: Metrics;
  /** Default: none (/docs then says where the reference is). */
  docs?: DocsAssets | null;
  /** Default: none (bodies are read from the Request's web stream). */
  bodyChunks?: AppDeps['bodyChunks'];
}

export function assembleAppDeps(p: RuntimeParts): AppDeps {
  const keyring = new Keyring({
    auth: p.auth,
    ledger: p.ledger,
    secretBox: new SecretBox(p.nodeSecret),
    now: p.now,
    retiredKeyGraceMs: (ACCESS_TOKEN_TTL_S + CLOCK_SKEW_S) * 1000,
  });
  const integration = new IntegrationGate();
  const health: HealthCheck[] = [
    { name: 'database', check: async () => (await p.hashes.ping(), { ok: true }) },
    { name: 'index', check: async () => ({ ok: p.index.ready(), detail: p.indexDetail() }) },
    // Informational: without ffmpeg the video routes say so, and everything else works.
    { name: 'video', check: async () => ({ ok: true, detail: { ...(await p.video.decoder.status()), ...p.video.slots.load() } }) },
    // Informational too: without poppler PDFs get 501, and text and URLs work.
    { name: 'documents', check: async () => ({ ok: true, detail: { ...(await p.documents.renderer.status()), ...p.documents.slots.load() } }) },
    // A log that cannot be integrated stops the signed heads, not matching or sharing: the node is
    // degraded, not taken out of service. Known from this process's last integration (every
    // TREE_HEAD_INTERVAL_MS, or a tree-head request).
    {
      name: 'audit',
      degrades: true,
      // Public: a generic text, not the entry numbers (the tree-head request, scope audit:read, has them).
      check: async () => (integration.broken ? { ok: false, detail: { code: integration.broken.code, problem: AUDIT_BROKEN } } : { ok: true }),
    },
  ];
  const remoteJwks = new RemoteJwks({ fetch: p.fetch ?? ((url, init) => fetch(url, init)), now: p.now });
  const authenticator =
    p.authenticator ??
    (p.devAuth
      ? new DevAuthenticator()
      : new TokenAuthenticator({ auth: p.auth, ledger: p.ledger, keyring, remoteJwks, now: p.now, newId: p.newId, issuer: p.issuer }));
  return {
    ledger: p.ledger,
    follower: p.follower,
    hashes: p.hashes,
    auth: p.auth,
    log: p.log,
    stats: new StatsCache(p.stats, () => p.hashes.lastChange(), p.now),
    federation: p.federation,
    remoteJwks,
    origins: new OriginPolicy(p.federation, { ttlMs: p.originsCacheMs, now: p.now }),
    treeHeadIntervalMs: p.treeHeadIntervalMs,
    integration,
    keyring,
    issuer: p.issuer,
    tokenAudiences: p.tokenAudiences ?? [],
    matchCounter: new MatchCounter(p.ledger, p.now, p.flushCountsEachRequest),
    rateLimiter: p.rateLimit ? new RateLimiter(p.rateLimit.perSecond, p.rateLimit.burst) : null,
    index: p.index,
    decoder: p.decoder,
    kernels: p.kernels,
    digests: p.digests,
    images: p.images,
    video: p.video,
    documents: p.documents,
    now: p.now,
    newId: p.newId,
    pause: p.pause,
    limits: { maxJsonBytes: DEFAULT_LIMITS.maxJsonBytes, ...p.limits },
    authenticator,
    health,
    nodeInfo: p.nodeInfo,
    logger: p.logger ?? SILENT_LOGGER,
    metrics: p.metrics ?? NO_METRICS,
    docs: p.docs ?? null,
    bodyChunks: p.bodyChunks,
  };
}
