/**
 * media-hash-node's client, for members' integrations: `import { NodeClient } from 'media-hash-node/client'`.
 *
 * Runs in Node (>= 20), browsers and Cloudflare Workers: no Node APIs here or below; what differs
 * between runtimes (fetch, timers) comes in as NodeClient options. The whole public surface is this
 * file: NodeClient and its types, the errors it throws, key-pair helpers, and local hashing of
 * decoded pixels and bytes (the node's own PDQ, blockhash and vPDQ code).
 */
export {
  DEFAULT_CLIENT_LIMITS,
  type BatchProgress,
  type ClientLimits,
  type ClientView,
  type ConsistencyProof,
  type AuditEntries,
  type FeedbackResult,
  type FeedEntry,
  type FeedPage,
  type Health,
  type InclusionProof,
  type Jwks,
  type LabelId,
  type Labels,
  type Match,
  type MatchQuery,
  type MatchRequest,
  type MatchResult,
  type Media,
  type MediaHashes,
  type MediaMatch,
  type MediaShare,
  type RetractResult,
  type Role,
  type RotatedKeys,
  type AddPeer,
  type PeerView,
  type UpdatePeer,
  type FederationBatch,
  type ShareItem,
  type ShareResult,
  type SignedTreeHead,
  type Verdict,
} from './types';
export { NodeClient, type NodeClientOptions } from './node-client';
export { ASSERTION_TYPE, clientAssertion, signingKey, type AuthorizationServerMetadata, type ClientKey, type SigningKey, type TokenResponse } from './auth';
export { NodeApiError, NodeClientUsageError, NodeUnreachableError, describeNetworkError, type ProblemBody } from './errors';
export { parseRetryAfter, type RetryOptions } from './retry';
export { generateClientKey, publicJwkOf, type ClientKeyPair, type KeyAlg } from './keys';
export * from './hashing';
export type { components, paths } from './api-types';
