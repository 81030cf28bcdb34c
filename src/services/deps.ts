/**
 * Everything a use-case may touch, handed in by the entry point (or the test app builder). Nothing in
 * services reaches for a global clock, random source, database or decoder.
 */
import { THRESHOLDS, type Digester } from '../core/hashes';
import type { HashKernels } from '../core/kernels';
import type { EncodedImageWorker, PixelWorker } from '../core/pixel-tasks';
import type { ImageDecoder } from '../core/media';
import type { MatchIndex } from '../core/hash-index';
import type { Slots } from '../core/limits';
import type { VideoDecodeOptions, VideoDecoder, VpdqRule } from '../core/video';
import type { PdfLimits, PdfRenderer } from '../core/document';
import type { Principal } from '../core/auth';
import type { RateLimiter } from '../core/limits';
import type { AuthStore, FederationStore, HashStore, Ledger, LogStore } from '../storage/types';
import type { IntegrationGate } from './audit-log';
import type { Follower } from './change-follower';
import type { OriginPolicy, RemoteJwks } from './federation';
import type { Keyring } from './keyring';
import type { MatchCounter } from './matching';
import type { StatsCache } from './stats';
import type { Logger, Metrics } from './observe';

export interface Limits {
  /** Most items in one share or match request. */
  maxBatch: number;
  /** Most bytes in one request body. */
  maxBodyBytes: number;
  /** Most pixels (width * height) an image may declare. */
  maxImagePixels: number;
  /** Most bytes in one JSON (or form) body: every route but the media ones. */
  maxJsonBytes: number;
  /** Longest pause while a request body is read, between its chunks (http/body.ts); past it, 408. */
  bodyIdleTimeoutMs: number;
  /** Longest read of a whole request body; past it, 408. */
  bodyTimeoutMs: number;
}

/** Video hashing and the vPDQ match rule (DESIGN §4). */
export interface VideoSettings extends VpdqRule {
  /** ffmpeg on Node; UnavailableVideoDecoder where there is none (its calls say why). */
  decoder: VideoDecoder;
  /** Sampling, frame and duration limits, and the decoder's time limit. */
  decode: VideoDecodeOptions;
  /** Most bytes in one video upload (images keep maxBodyBytes). */
  maxBytes: number;
  /** Decodes at once, and how many may wait: beyond, 503 busy. */
  slots: Slots;
}

export const DEFAULT_VIDEO = {
  // An hour at one frame a second; HD decodes at about 9x real time here, so 300 s covers an hour of it.
  decode: { secondsPerFrame: 1, maxFrames: 3600, maxDurationSeconds: 3600, timeoutMs: 300_000 },
  maxBytes: 256 * 1024 * 1024,
  queryMatchPercent: THRESHOLDS.vpdq.queryMatchPercent,
  candidateMatchPercent: THRESHOLDS.vpdq.candidateMatchPercent,
  concurrency: 2,
  queue: 8,
} as const satisfies Omit<VideoSettings, 'decoder' | 'slots'> & { concurrency: number; queue: number };

/** Images: where their pixel hashes run, and how many are decoded and hashed at once. */
export interface ImageSettings {
  /** A pool of threads (Node, HASH_THREADS), or the calling thread (Workers, HASH_THREADS=0). */
  pixels: PixelWorker;
  /** Where an upload is decoded and hashed in one job, away from the calling thread (Node's hash pool); without it, `decoder` here and then `pixels`. */
  encoded?: EncodedImageWorker;
  /**
   * Decodes with their hashes at once, and how many may wait: beyond, 503 busy. A body declared
   * image/* takes its place before it is read (http/route.ts), so the bodies held are bounded too.
   */
  slots: Slots;
}

/** Node's default queue; its slots and threads follow the core count (runtime/node/config). */
export const DEFAULT_IMAGES = {
  queue: 8,
} as const;

/**
 * PDF rendering and the document match rule (README, "Documents, text and links"): vPDQ's rule with
 * pages for frames, at the document shares (`queryMatchPercent`: the share of the query's usable
 * pages within the page distance of the stored PDF's; `candidateMatchPercent`: the other way).
 */
export interface DocumentSettings extends VpdqRule {
  /** poppler on Node; UnavailablePdfRenderer where there is none (its calls say why). */
  renderer: PdfRenderer;
  limits: PdfLimits;
  /** Most bytes in one PDF upload. */
  maxBytes: number;
  /** Renders at once, and how many may wait: beyond, 503 busy. */
  slots: Slots;
}

export const DEFAULT_DOCUMENTS = {
  // A magazine issue is tens of pages; a manifesto a few hundred at most.
  limits: { maxPages: 2000, maxPagePixels: 25_000_000, timeoutMs: 120_000, memoryBytes: 1024 * 1024 * 1024, maxTextBytes: 16 * 1024 * 1024 },
  maxBytes: 64 * 1024 * 1024,
  queryMatchPercent: THRESHOLDS.pdf.queryMatchPercent,
  candidateMatchPercent: THRESHOLDS.pdf.candidateMatchPercent,
  concurrency: 2,
  queue: 8,
} as const satisfies Omit<DocumentSettings, 'renderer' | 'slots'> & { concurrency: number; queue: number };

export const DEFAULT_LIMITS: Limits = {
  maxBatch: 1000,
  maxBodyBytes: 20 * 1024 * 1024,
  maxImagePixels: 40_000_000,
  maxJsonBytes: 2 * 1024 * 1024,
  // docs/decisions.md, "A body that stops arriving".
  bodyIdleTimeoutMs: 10_000,
  bodyTimeoutMs: 120_000,
};

/** Turns the Authorization header into the caller, or throws DomainError (401/403). */
export interface Authenticator {
  authenticate(authorization: string | undefined): Promise<Principal>;
}

export interface ServiceDeps {
  /** Every write goes through it (DESIGN §9); the stores below only read. */
  ledger: Ledger;
  /** Applies committed changes to this process's index and caches; a write awaits its own. */
  follower: Follower;
  hashes: HashStore;
  auth: AuthStore;
  log: LogStore;
  /** The dashboard's counts, kept for a minute. */
  stats: StatsCache;
  /** The peers pulled from, and this node's own hash changes for its federation feed. */
  federation: FederationStore;
  /** Keys other nodes publish at their JWKS URLs (peer clients, peers' batches). */
  remoteJwks: RemoteJwks;
  /** Which pulled hashes may match (their peer not removed, its matching on). */
  origins: OriginPolicy;
  /** A new signed tree head at most this often while entries arrive (GET tree-head may ask for a fresh one). */
  treeHeadIntervalMs: number;
  /** Integrations of the audit log into its tree, one at a time. */
  integration: IntegrationGate;
  keyring: Keyring;
  /** The node's public URL: issuer and audience of its tokens. */
  issuer: string;
  /** Other URLs the node is reached at (TOKEN_AUDIENCES): a client assertion may name them as its audience too. */
  tokenAudiences: string[];
  matchCounter: MatchCounter;
  /** Per-client request limits; null = none. */
  rateLimiter: RateLimiter | null;
  index: MatchIndex;
  /** null where this runtime cannot decode images (Workers, for now): media routes say so. */
  decoder: ImageDecoder | null;
  /** The pixel hashes' WebAssembly kernels, built by the entry point (null ones: the TypeScript paths). */
  kernels: HashKernels;
  digests: Digester;
  images: ImageSettings;
  video: VideoSettings;
  documents: DocumentSettings;
  now: () => number;
  /** A new opaque public id. */
  newId: () => string;
  /**
   * Lets other requests run between the slices of a long task (a 1000-hash share, an audit page):
   * Node, a turn of the event loop; absent where nothing else waits on this thread (Workers).
   */
  pause?: () => Promise<void>;
  limits: Limits;
  /** Structured log lines (pino on Node, JSON through console on Workers). */
  logger: Logger;
  /** Counters and histograms (prom-client on Node; none on Workers). */
  metrics: Metrics;
}
