/**
 * The storage contract. Services decide what changes; a store applies a whole `WriteSet` atomically
 * (one `db.batch`: the change, its feed rows and its audit entries land together or not at all).
 * Each store has a SQL implementation (drizzle: libsql or D1) and an in-memory twin; both pass
 * test/storage/hash-store.contract.ts.
 */
import type { HashType } from '../core/hashes';
import type { VideoFrameHash } from '../core/video';

export type HashStatus = 'active' | 'retracted';
export type Verdict = 'confirm' | 'dispute';
export type ChangeKind = 'add' | 'update' | 'retract';

export interface HashRow {
  /** Dense integer key used by the match index. */
  seq: number;
  /** Public, opaque id. */
  id: string;
  /** For `vpdq`, value is the SHA-256 of the frame list (core/video.ts vpdqDigest); the frames are rows of their own. */
  type: HashType;
  value: string;
  /** '' = shared on this node. */
  origin: string;
  status: HashStatus;
  createdAt: number;
  updatedAt: number;
}

export interface ContributionRow {
  hashId: string;
  contributor: string;
  labels: string[];
  externalId: string | null;
  createdAt: number;
  updatedAt: number;
  retractedAt: number | null;
}

export interface FeedbackRow {
  hashId: string;
  member: string;
  verdict: Verdict;
  reason: string | null;
  createdAt: number;
  updatedAt: number;
}

/** A hash as the feed shows it after a change. */
export interface HashSnapshot {
  id: string;
  type: HashType;
  value: string;
  status: HashStatus;
  labels: string[];
  contributors: number;
  /** vpdq, in the changes that (re)activate it: the frames, so a feed reader can match the video. */
  frames?: VideoFrameHash[];
}

/** One frame of a vpdq hash. */
export interface VideoFrameRow {
  /** The frame's key in the match index (type `vpdq`). */
  seq: number;
  hashId: string;
  frame: number;
  timestampMs: number;
  quality: number;
  value: string;
  /** Used for matching: quality >= 50 and the first frame with this hash in the video. */
  indexed: boolean;
}

/** A frame found by the index, with the video it belongs to. */
export interface FrameOwner extends Pick<VideoFrameRow, 'seq' | 'hashId' | 'frame' | 'timestampMs'> {
  /** The video's seq in `hashes`. */
  hashSeq: number;
  /** How many of the video's frames are indexed: the denominator of its match share. */
  indexedFrames: number;
}

export interface ChangeRow {
  seq: number;
  hashId: string;
  kind: ChangeKind;
  at: number;
  snapshot: HashSnapshot;
}

export interface AuditRow {
  /** 0-based leaf index in the Merkle tree. */
  index: number;
  at: number;
  action: string;
  actor: string;
  /** Canonical JSON (RFC 8785): the exact leaf input. */
  entry: string;
}

export interface HashDetail extends HashRow {
  contributions: ContributionRow[];
  feedback: FeedbackRow[];
}

export type ClientRole = 'partner' | 'admin' | 'auditor' | 'peer';

export interface ClientRow {
  id: string;
  name: string;
  role: ClientRole;
  status: 'active' | 'suspended';
  createdAt: number;
  updatedAt: number;
}

export interface ClientKeyRow {
  kid: string;
  clientId: string;
  /** The public JWK. */
  jwk: Record<string, unknown>;
  alg: string;
  status: 'active' | 'revoked';
  createdAt: number;
  revokedAt: number | null;
}

export interface NodeKeyRow {
  kid: string;
  alg: string;
  publicJwk: Record<string, unknown>;
  /** Sealed private JWK (see services/secret-box.ts). */
  privateJwk: string;
  status: 'current' | 'retired';
  createdAt: number;
  retiredAt: number | null;
}

export interface WriteSet {
  /** Insert or replace by id. */
  putClients?: ClientRow[];
  /** Insert or replace by (clientId, kid). */
  putClientKeys?: ClientKeyRow[];
  /** Insert or replace by kid. */
  putNodeKeys?: NodeKeyRow[];
  insertHashes?: Omit<HashRow, 'seq'>[];
  /** The frames of new vpdq hashes. */
  insertFrames?: Omit<VideoFrameRow, 'seq'>[];
  updateHashes?: { id: string; status: HashStatus; updatedAt: number }[];
  /** Insert or replace by (hashId, contributor). */
  putContributions?: ContributionRow[];
  /** Insert or replace by (hashId, member). */
  putFeedback?: FeedbackRow[];
  changes?: Omit<ChangeRow, 'seq'>[];
  audit?: Omit<AuditRow, 'index'>[];
}

/** What the match index holds: a hash, or (type `vpdq`) one indexed frame of a video, by the frame's seq. */
export interface IndexEntry {
  seq: number;
  type: HashType;
  value: string;
}

export interface HashStore {
  /** Checks the database answers. */
  ping(): Promise<void>;
  /** Hashes of one origin with these (type, value) pairs, whatever their status. */
  findByValues(origin: string, keys: { type: HashType; value: string }[]): Promise<HashDetail[]>;
  getById(id: string): Promise<HashDetail | null>;
  /** Hashes by index key, in any order; unknown keys are left out. */
  getBySeqs(seqs: number[]): Promise<HashDetail[]>;
  /**
   * Index entries with seq > afterSeq, ascending, for loading the index: without a type, every active
   * hash but vpdq ones; with type `vpdq`, the indexed frames of active vpdq hashes (seq = frame seq).
   */
  listActive(afterSeq: number, limit: number, type?: HashType): Promise<IndexEntry[]>;
  /** Active hashes of a type with exactly this value (exact-hash matching without an index). */
  findActiveByValue(type: HashType, value: string): Promise<IndexEntry[]>;
  /** Every frame of a vpdq hash, in frame order. */
  framesOf(hashId: string): Promise<VideoFrameRow[]>;
  /** Frames by their seq, with their video; unknown seqs are left out. */
  framesBySeqs(seqs: number[]): Promise<FrameOwner[]>;
  /** Feed changes with seq > afterSeq, ascending. */
  changesSince(afterSeq: number, limit: number): Promise<ChangeRow[]>;
  /** Audit entries with start <= index < end. */
  auditEntries(start: number, end: number): Promise<AuditRow[]>;
  auditSize(): Promise<number>;
  /** Applies everything or nothing. Returns the seq assigned to each inserted hash, by id, and the inserted frames' index entries. */
  commit(ws: WriteSet): Promise<Committed>;
}

/**
 * What a commit assigned: each inserted hash's seq by id (the map), and the index entries of the
 * inserted video frames that matching uses, read back in the same batch, so the caller can update
 * the index without another read between the commit and the update.
 */
export class Committed extends Map<string, number> {
  frames: IndexEntry[] = [];
}

export interface AuthStore {
  getClient(id: string): Promise<ClientRow | null>;
  listClients(): Promise<ClientRow[]>;
  clientKeys(clientId: string): Promise<ClientKeyRow[]>;
  countActiveAdmins(): Promise<number>;
  nodeKeys(): Promise<NodeKeyRow[]>;
  /**
   * Records a client assertion's jti; false when it was already seen (a replay). Entries past their
   * expiry are dropped on the way, as they can no longer be replayed.
   */
  useJti(clientId: string, jti: string, expiresAt: number, now: number): Promise<boolean>;
  commit(ws: WriteSet): Promise<Map<string, number>>;
}

export interface TreeHeadRow {
  treeSize: number;
  rootHash: string;
  timestamp: number;
  signature: string;
}

export interface MerkleNodeRow {
  level: number;
  idx: number;
  hash: string;
}

/** The audit log's Merkle tree: stored subtree hashes and signed heads. */
export interface LogStore {
  latestHead(): Promise<TreeHeadRow | null>;
  headAt(treeSize: number): Promise<TreeHeadRow | null>;
  /** Subtree hashes by (level, idx), in the order asked; a missing one is an error. */
  nodes(keys: { level: number; index: number }[]): Promise<string[]>;
  /** Stores new subtree hashes and a head together (existing identical nodes are kept). */
  appendTree(nodes: MerkleNodeRow[], head: TreeHeadRow): Promise<void>;
  auditEntries(start: number, end: number): Promise<AuditRow[]>;
  auditSize(): Promise<number>;
  countMatches(clientId: string, day: string, queries: number, hashes: number): Promise<void>;
  matchCounts(day?: string): Promise<{ clientId: string; day: string; queries: number; hashes: number }[]>;
}
