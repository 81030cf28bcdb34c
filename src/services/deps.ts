/**
 * Everything a use-case may touch, handed in by the entry point (or the test app builder). Nothing in
 * services reaches for a global clock, random source, database or decoder.
 */
import type { Digester } from '../core/digest';
import type { ImageDecoder } from '../core/image';
import type { MatchIndex } from '../core/match-index';
import type { Principal } from '../core/auth';
import type { RateLimiter } from '../core/rate-limit';
import type { AuthStore, HashStore, LogStore } from '../storage/types';
import type { Keyring } from './keyring';
import type { MatchCounter } from './matching';

export interface Limits {
  /** Most items in one share or match request. */
  maxBatch: number;
  /** Most bytes in one request body. */
  maxBodyBytes: number;
  /** Most pixels (width * height) an image may declare. */
  maxImagePixels: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxBatch: 1000,
  maxBodyBytes: 20 * 1024 * 1024,
  maxImagePixels: 40_000_000,
};

/** Turns the Authorization header into the caller, or throws DomainError (401/403). */
export interface Authenticator {
  authenticate(authorization: string | undefined): Promise<Principal>;
}

export interface ServiceDeps {
  hashes: HashStore;
  auth: AuthStore;
  log: LogStore;
  /** A new signed tree head at most this often while entries arrive (GET tree-head may ask for a fresh one). */
  treeHeadIntervalMs: number;
  keyring: Keyring;
  /** The node's public URL: issuer and audience of its tokens. */
  issuer: string;
  matchCounter: MatchCounter;
  /** Per-client request limits; null = none. */
  rateLimiter: RateLimiter | null;
  index: MatchIndex;
  /** null where this runtime cannot decode images (Workers, for now): media routes say so. */
  decoder: ImageDecoder | null;
  digests: Digester;
  now: () => number;
  /** A new opaque public id. */
  newId: () => string;
  limits: Limits;
}
