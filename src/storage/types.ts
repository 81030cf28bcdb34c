/**
 * The storage contract. One writer, the `Ledger`, commits every change with its change-log rows
 * and audit entries in one batch and decides in SQL what a change does (DESIGN §9); the stores only
 * read. The SQL runs unchanged on libsql (Node) and D1 (Workers).
 *
 * Over 300 lines on purpose: the one contract every store and the ledger implement, read as a whole;
 * federation's part is in federation-types.ts.
 */
import type { HashType } from '../core/hashes';
import type { VideoFrameHash } from '../core/video';
import type { PdfPageHash } from '../core/document';
import type { ItemKind, ItemRef } from '../core/items';
import type { PeerAction, PeerRow, PeerSettings, PullCommit } from './federation-types';

export * from './federation-types';

export type HashStatus = 'active' | 'retracted';
export type Verdict = 'confirm' | 'dispute';
export type ChangeKind = 'add' | 'update' | 'retract';

export interface HashRow {
  /** Dense integer key used by the match index. */
  seq: number;
  /** Public, opaque id. */
  id: string;
  /** For `vpdq`, value is the SHA-256 of the frame list (core/video vpdqDigest); the frames are rows of their own. */
  type: HashType;
  value: string;
  /** '' = shared on this node; else the URL of the node it was pulled from. */
  origin: string;
  status: HashStatus;
  createdAt: number;
  updatedAt: number;
  /** Pulled hashes: the members standing behind it at its origin (absent for this node's own). */
  originContributors?: number | null;
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
  /** pdf, likewise: the pages. */
  pages?: PdfPageHash[];
  /** Pulled hashes: the node it came from (its contributors are counted there). */
  origin?: string;
  /** The items the hash belongs to (first shared first), each with the variant it was computed from; absent when none. */
  items?: ItemRef[];
}

/** One frame of a vpdq hash, or one page of a pdf hash (frame = page number, timestampMs 0). */
export interface VideoFrameRow {
  /** The frame's key in the match index (type `vpdq`). */
  seq: number;
  hashId: string;
  frame: number;
  timestampMs: number;
  quality: number;
  value: string;
  /** Used for matching: kept by core/video's `usableFrameMask` (quality, first of its hash). */
  indexed: boolean;
}

/** A frame (or a PDF's page) found by the index, with the video (or PDF) it belongs to. */
export interface FrameOwner extends Pick<VideoFrameRow, 'seq' | 'hashId' | 'frame' | 'timestampMs'> {
  /** The video's seq in `hashes`. */
  hashSeq: number;
  /** vpdq or pdf. */
  hashType: string;
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

/** One row of the change log as stored, whatever its kind: what a feed cursor is bound to. */
export interface LoggedChange {
  seq: number;
  at: number;
  kind: string;
  subject: string;
  /** The stored JSON text (null for kinds without one). */
  snapshot: string | null;
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
  /** The items the hash belongs to, first shared first (empty for a hash shared alone). */
  items: ItemRef[];
}

/** One member's share of an item (its hashes' contributions carry the same labels). */
export interface ItemContributionRow {
  contributor: string;
  labels: string[];
  createdAt: number;
  updatedAt: number;
  retractedAt: number | null;
}

/** An item with its hashes (each with the variant it was computed from) and who shared it. */
export interface ItemDetail {
  id: string;
  /** '' = shared on this node; else the URL of the node it was pulled from. */
  origin: string;
  sha256: string;
  kind: ItemKind;
  /** An item of this node: active while a member's share stands and one of its hashes is active (the ledger sets it; sticky once retracted until the media is shared again). Pulled items: always `active` here. */
  status: HashStatus;
  createdAt: number;
  hashes: (HashDetail & { variant: string })[];
  contributions: ItemContributionRow[];
}

export type ClientRole = 'partner' | 'admin' | 'auditor' | 'peer';

export interface ClientRow {
  id: string;
  name: string;
  role: ClientRole;
  status: 'active' | 'suspended';
  createdAt: number;
  updatedAt: number;
  /** Peer nodes: the URL their public keys are fetched from (then they have no registered keys). */
  jwksUrl?: string | null;
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

/** A hash to share, as the ledger takes it: checked, with its labels sorted. */
export interface LedgerShareItem {
  type: HashType;
  value: string;
  labels: string[];
  externalId: string | null;
  /** vpdq: the frames; pdf: the pages (stored once, with the hash that first brings them). */
  frames?: Omit<VideoFrameRow, 'seq' | 'hashId'>[];
  /** What the audit entry says beside type, value, labels and externalId (e.g. a video's frame count). */
  auditExtra?: Record<string, unknown>;
  /** The items of the share's `media` this hash belongs to, each with the variant of the media it was computed from. */
  links?: { item: string; variant: string }[];
  /**
   * The labels of the share of this hash alone (a mention without an item), when it is also named
   * with an item; absent: `labels` when the hash names no item, none when it names one.
   */
  direct?: string[];
}

/** An item a share of media makes of its hashes (core/items): id, the media's SHA-256 and kind, the member's labels; its hashes name it in their `links`. */
export interface LedgerItem {
  id: string;
  sha256: string;
  kind: ItemKind;
  labels: string[];
}

/**
 * How a share found the member's contribution, decided inside the commit: created (the hash is new to
 * the node), added (the member had no standing contribution: a first share, or one again after a
 * retraction), updated (its labels or reference changed), unchanged.
 */
export type ShareOutcome = 'created' | 'added' | 'updated' | 'unchanged';

export interface LedgerShareResult {
  id: string;
  seq: number;
  outcome: ShareOutcome;
  /** The items the share named the hash with, each with the variant it holds the hash as (the first link's: a link keeps its variant). */
  links?: { item: string; variant: string }[];
}

export interface LedgerRetractResult {
  /** False when the caller had nothing standing to retract (already retracted). */
  changed: boolean;
  status: HashStatus;
  /** Contributions still standing after the commit. */
  contributors: number;
}

export interface LedgerItemResult {
  /** False when nothing the caller could change was standing (or the labels were already these). */
  changed: boolean;
  /** Members whose share of the item still stands after the commit. */
  contributors: number;
  /** The hashes whose contributions this commit changed. */
  hashes: number;
}

export interface LedgerFeedbackResult {
  /** 'retracted': the hash was retracted when the commit ran, and nothing was written. */
  outcome: 'recorded' | 'unchanged' | 'retracted';
  confirm: number;
  dispute: number;
}

/** Every committed write returns the change log's last sequence after it (see ChangeFollower). */
export interface Sequenced {
  lastChange: number;
}

/**
 * The one writer (DESIGN §9). Each call is one atomic batch that carries its own preconditions
 * (insert-or-ignore, conditional updates, status derived in SQL from the contributions standing),
 * so concurrent calls, from this process or another, cannot interleave between a read and a write.
 * Each call writes its change-log rows and audit entries in the same batch, and only for what it
 * changed. Everything else in storage only reads.
 */
export interface Ledger {
  /** Shares hashes for `contributor` (origin '' = this node's members). Idempotent per (type, value). */
  share(input: {
    at: number;
    contributor: string;
    origin?: string;
    items: LedgerShareItem[];
    media?: LedgerItem[];
  }): Promise<Sequenced & { items: LedgerShareResult[]; media: { id: string; outcome: ShareOutcome }[] }>;
  /**
   * Withdraws the contributor's share of an item (`contributor: null`, admins: every member's) and,
   * in the same commit, their contributions to each of its hashes that no other standing item of
   * theirs holds.
   */
  retractItem(input: { at: number; actor: string; itemId: string; sha256: string; contributor: string | null }): Promise<Sequenced & LedgerItemResult>;
  /** New labels for the member's standing share of an item and its standing contributions to the item's hashes. */
  relabelItem(input: { at: number; member: string; itemId: string; labels: string[] }): Promise<Sequenced & LedgerItemResult>;
  /** Retracts the contributor's contribution, or every standing one (`contributor: null`, admins). */
  retract(input: {
    at: number;
    actor: string;
    hashId: string;
    type: HashType;
    value: string;
    contributor: string | null;
  }): Promise<Sequenced & LedgerRetractResult>;
  /** One standing verdict per member, on active hashes only. */
  feedback(input: { at: number; member: string; hashId: string; verdict: Verdict; reason: string | null }): Promise<Sequenced & LedgerFeedbackResult>;
  /** A new client with its keys; with `onlyIfNoAdmin`, nothing is written when an active admin exists. */
  createClient(input: {
    at: number;
    actor: string;
    client: ClientRow;
    keys: ClientKeyRow[];
    onlyIfNoAdmin?: boolean;
  }): Promise<Sequenced & { created: boolean }>;
  /** Suspends or reactivates; the last active admin is never suspended. */
  setClientStatus(input: {
    at: number;
    actor: string;
    clientId: string;
    status: ClientRow['status'];
  }): Promise<Sequenced & { outcome: 'changed' | 'unchanged' | 'last_admin' | 'not_found' }>;
  /** Adds a public key; nothing when the client has a key with this kid already (or no such client). */
  addClientKey(input: { at: number; actor: string; key: ClientKeyRow }): Promise<Sequenced & { added: boolean }>;
  revokeClientKey(input: { at: number; actor: string; clientId: string; kid: string }): Promise<Sequenced & { revoked: boolean }>;
  /** The new key becomes current and every current one is retired, in one commit (with `onlyIfNoCurrent`: only when none is current). */
  rotateNodeKey(input: { at: number; actor: string; key: NodeKeyRow; onlyIfNoCurrent?: boolean }): Promise<Sequenced & { rotated: boolean }>;
  /** Records a client assertion's jti; false when it was already seen (a replay). Expired ones are dropped on the way. */
  useJti(clientId: string, jti: string, expiresAt: number, now: number): Promise<boolean>;
  /** Adds to the match counters of a client and day. */
  countMatches(rows: { clientId: string; day: string; queries: number; hashes: number }[]): Promise<void>;
  /** Stores new subtree hashes and a signed head together (existing identical nodes are kept). */
  appendTree(nodes: MerkleNodeRow[], head: TreeHeadRow): Promise<void>;
  /** A new peer to pull from; nothing when a peer with this URL exists and is not removed. */
  addPeer(input: { at: number; actor: string; peer: PeerRow }): Promise<Sequenced & { added: boolean }>;
  /** Changes a peer's settings or status (removed peers are never changed again); `changed` false when nothing differed. */
  updatePeer(input: {
    at: number;
    actor: string;
    peerId: string;
    action: PeerAction;
    set: PeerSettings;
  }): Promise<Sequenced & { outcome: 'changed' | 'unchanged' | 'not_found' }>;
  /**
   * Applies one verified batch of a peer's feed: its items, the peer's new cursor and one
   * `federation.pull` audit entry, only if the peer's cursor is still the batch's `from` (else
   * nothing: another instance applied it).
   */
  /** `failures`: the peer's failures in a row that the applied batch ended (0 when not applied). */
  applyPull(input: PullCommit): Promise<Sequenced & { applied: boolean; failures: number }>;
  /** Records a failed pull on the peer; a refused batch (`refused`) is also an audit entry, when its reason differs from the last refusal recorded. */
  recordPullFailure(input: { at: number; peerId: string; error: string; refused?: { origin: string; from: string; jwsSha256: string | null } }): Promise<void>;
  /**
   * A good pull of a peer that had failed: its failure count and last error cleared, `pulledAt` set
   * to `at`, only if they are still as the pull `seen` them at its start (a newer failure stays).
   * `cleared`: the failures in a row it ended; null when there was nothing to clear (no write).
   */
  recordPullSuccess(input: { at: number; peerId: string; seen: { failures: number; lastErrorAt: number | null } }): Promise<{ cleared: number | null }>;
}

/** A change-log row as the instances follow it: the hash it is about (for hash kinds) with its index key. */
export interface FollowedChange {
  seq: number;
  kind: ChangeKind | 'feedback' | 'client' | 'node-key' | 'peer';
  subject: string;
  /** For hash kinds: the hash's index entry (its type and value never change). */
  hash?: IndexEntry;
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
  getById(id: string): Promise<HashDetail | null>;
  /** An item with its hashes and its contributions; null when unknown. */
  getItem(id: string): Promise<ItemDetail | null>;
  /** The kind of each of these items the node holds; unknown ids are left out. */
  itemKinds(ids: string[]): Promise<Map<string, ItemKind>>;
  /** Hashes by index key, in any order; unknown keys are left out. */
  getBySeqs(seqs: number[]): Promise<HashDetail[]>;
  /**
   * Index entries with seq > afterSeq, ascending, for loading the index: without a type, every active
   * hash but vpdq and pdf ones; with type `vpdq` (`pdf`), the indexed frames (pages) of active vpdq (pdf) hashes (seq = frame seq).
   */
  listActive(afterSeq: number, limit: number, type?: HashType): Promise<IndexEntry[]>;
  /** Active hashes of a type with exactly this value (exact-hash matching without an index). */
  findActiveByValue(type: HashType, value: string): Promise<IndexEntry[]>;
  /** The active hashes of a type that belong to any of these items (robust matching's together rule). */
  activeOfItems(itemIds: string[], type: HashType): Promise<IndexEntry[]>;
  /** Every frame of a vpdq hash, in frame order. */
  framesOf(hashId: string): Promise<VideoFrameRow[]>;
  /** How many frames each of these vpdq hashes has (all frames, indexed or not). */
  frameCounts(hashIds: string[]): Promise<Map<string, number>>;
  /** Every frame of each of these vpdq hashes, in frame order. */
  framesOfMany(hashIds: string[]): Promise<Map<string, VideoFrameRow[]>>;
  /** Frames by their seq, with their video; unknown seqs are left out. */
  framesBySeqs(seqs: number[]): Promise<FrameOwner[]>;
  /** Feed changes (add, update, retract) with seq > afterSeq, ascending. */
  changesSince(afterSeq: number, limit: number): Promise<ChangeRow[]>;
  /** The change log's last sequence (0 when empty). */
  lastChange(): Promise<number>;
  /** The change-log row at `seq`, of any kind (null when there is none): one seek of the primary key. */
  changeAt(seq: number): Promise<LoggedChange | null>;
  /** Change-log rows after `afterSeq`, ascending, for the instances that follow it. */
  changesAfter(afterSeq: number, limit: number): Promise<FollowedChange[]>;
  /** The indexed frames of vpdq hashes, as index entries with the video they belong to. */
  indexedFramesOf(hashIds: string[]): Promise<(IndexEntry & { hashId: string })[]>;
}

export interface AuthStore {
  getClient(id: string): Promise<ClientRow | null>;
  listClients(): Promise<ClientRow[]>;
  clientKeys(clientId: string): Promise<ClientKeyRow[]>;
  countActiveAdmins(): Promise<number>;
  nodeKeys(): Promise<NodeKeyRow[]>;
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
/** The dashboard's counts (DESIGN §5, GET /v1/admin/stats). */
export interface HashStats {
  /** Hashes by type and status. */
  byType: { type: string; status: 'active' | 'retracted'; count: number }[];
  /** Active hashes carrying each label in at least one standing contribution, most first. */
  byLabel: { label: string; count: number }[];
  /** Contributions by member: standing, and retracted. */
  byMember: { member: string; standing: number; retracted: number }[];
}

/** Match queries (and hashes asked about) on one UTC day. */
export interface DayCount {
  day: string;
  queries: number;
  hashes: number;
}

export interface StatsStore {
  hashStats(): Promise<HashStats>;
  /** Per UTC day from `sinceDay` (YYYY-MM-DD) on, ascending; days without queries left out. */
  matchesByDay(sinceDay: string): Promise<DayCount[]>;
}

export interface LogStore {
  latestHead(): Promise<TreeHeadRow | null>;
  headAt(treeSize: number): Promise<TreeHeadRow | null>;
  /** Subtree hashes by (level, idx), in the order asked; a missing one is an error. */
  nodes(keys: { level: number; index: number }[]): Promise<string[]>;
  auditEntries(start: number, end: number): Promise<AuditRow[]>;
  auditSize(): Promise<number>;
  matchCounts(day?: string): Promise<{ clientId: string; day: string; queries: number; hashes: number }[]>;
}
