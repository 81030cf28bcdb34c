/** The shapes NodeClient takes and gives, named: aliases of the generated API types (api-types.ts). */
import type { components, paths } from './api-types';

type Schemas = components['schemas'];
type Json<P extends keyof paths, M extends keyof paths[P], S extends number> = paths[P][M] extends { responses: infer R }
  ? R extends Record<S, { content: { 'application/json': infer B } }>
    ? B
    : never
  : never;

export type Health = Schemas['Health'];
export type Jwks = Schemas['JWKS'];
export type MatchRequest = Schemas['MatchRequest'];
export type MatchQuery = MatchRequest['hashes'][number];
export type MatchResult = Schemas['MatchResult'];
export type Match = Schemas['Match'];
export type ShareItem = Schemas['ShareRequest']['items'][number];
export type ShareResult = Schemas['ShareResult'];
export type FeedPage = Schemas['FeedPage'];
export type FeedEntry = FeedPage['entries'][number];
export type Verdict = Schemas['FeedbackRequest']['verdict'];
export type LabelId = ShareItem['labels'][number];
/** A variant a hash may be named with in a share (`variant`: the whole media, an image's region or crop). */
export type StoredVariant = NonNullable<Extract<ShareItem, { type: 'pdq' }>['variant']>;
export type ClientView = Schemas['Client'];
export type Role = ClientView['role'];
export type PeerView = Schemas['Peer'];
export type AddPeer = Schemas['AddPeer'];
export type UpdatePeer = Schemas['UpdatePeer'];
export type FederationBatch = Schemas['FederationBatch'];
export type SignedTreeHead = Schemas['SignedTreeHead'];
export type AuditEntries = Schemas['AuditEntries'];
export type InclusionProof = Schemas['InclusionProof'];
export type ConsistencyProof = Schemas['ConsistencyProof'];
export type Labels = Json<'/v1/labels', 'get', 200>;
export type MediaHashes = Json<'/v1/hash', 'post', 200>;
export type MediaMatch = Json<'/v1/match/media', 'post', 200>;
export type MediaShare = Json<'/v1/hashes/media', 'post', 201>;
export type RetractResult = Json<'/v1/hashes/{id}', 'delete', 200>;
export type RetractedItem = Schemas['RetractedItem'];
export type FeedbackResult = Json<'/v1/hashes/{id}/feedback', 'post', 200>;
export type RotatedKeys = Json<'/v1/admin/keys/rotate', 'post', 200>;

/** Image or video bytes. A Blob's type is used as the Content-Type; bytes are sniffed. */
export type Media = Uint8Array | ArrayBuffer | Blob;

export interface ClientLimits {
  /** Items per share or match request: the node's MAX_BATCH (default 1000). */
  maxBatchItems: number;
  /** JSON bytes per request: the node's MAX_JSON_BYTES (default 2 MiB). */
  maxRequestBytes: number;
  /** vPDQ frames per match request: the node's VIDEO_MAX_FRAMES (default 3600). */
  maxMatchFrames: number;
  /** vPDQ frames per share request: ten times VIDEO_MAX_FRAMES (default 36000). */
  maxShareFrames: number;
}

export const DEFAULT_CLIENT_LIMITS: ClientLimits = { maxBatchItems: 1000, maxRequestBytes: 2 * 1024 * 1024, maxMatchFrames: 3600, maxShareFrames: 36_000 };

export interface BatchProgress {
  /** Requests sent so far, of `batches`. */
  done: number;
  batches: number;
  /** Items sent so far, of `total`. */
  items: number;
  total: number;
}
