/**
 * The storage contract. Services decide what changes; a store applies a whole `WriteSet` atomically
 * (one `db.batch`: the change, its feed rows and its audit entries land together or not at all).
 * Each store has a SQL implementation (drizzle: libsql or D1) and an in-memory twin; both pass
 * test/storage/hash-store.contract.ts.
 */
import type { SingleHashType } from '../core/hashes';

export type HashStatus = 'active' | 'retracted';
export type Verdict = 'confirm' | 'dispute';
export type ChangeKind = 'add' | 'update' | 'retract';

export interface HashRow {
  /** Dense integer key used by the match index. */
  seq: number;
  /** Public, opaque id. */
  id: string;
  type: SingleHashType;
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
  type: SingleHashType;
  value: string;
  status: HashStatus;
  labels: string[];
  contributors: number;
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
  updateHashes?: { id: string; status: HashStatus; updatedAt: number }[];
  /** Insert or replace by (hashId, contributor). */
  putContributions?: ContributionRow[];
  /** Insert or replace by (hashId, member). */
  putFeedback?: FeedbackRow[];
  changes?: Omit<ChangeRow, 'seq'>[];
  audit?: Omit<AuditRow, 'index'>[];
}

export interface IndexEntry {
  seq: number;
  type: SingleHashType;
  value: string;
}

export interface HashStore {
  /** Checks the database answers. */
  ping(): Promise<void>;
  /** Hashes of one origin with these (type, value) pairs, whatever their status. */
  findByValues(origin: string, keys: { type: SingleHashType; value: string }[]): Promise<HashDetail[]>;
  getById(id: string): Promise<HashDetail | null>;
  /** Hashes by index key, in any order; unknown keys are left out. */
  getBySeqs(seqs: number[]): Promise<HashDetail[]>;
  /** Active hashes with seq > afterSeq, ascending, for loading the index. */
  listActive(afterSeq: number, limit: number, type?: SingleHashType): Promise<IndexEntry[]>;
  /** Active hashes of a type with exactly this value (exact-hash matching without an index). */
  findActiveByValue(type: SingleHashType, value: string): Promise<IndexEntry[]>;
  /** Feed changes with seq > afterSeq, ascending. */
  changesSince(afterSeq: number, limit: number): Promise<ChangeRow[]>;
  /** Audit entries with start <= index < end. */
  auditEntries(start: number, end: number): Promise<AuditRow[]>;
  auditSize(): Promise<number>;
  /** Applies everything or nothing. Returns the seq assigned to each inserted hash, by id. */
  commit(ws: WriteSet): Promise<Map<string, number>>;
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
