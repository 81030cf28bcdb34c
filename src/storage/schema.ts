/**
 * The database schema (SQLite dialect: libsql on Node, D1 on Workers). `drizzle/` holds the
 * migrations drizzle-kit generates from this file (`npm run db:generate`); never edit them by hand.
 *
 * Only hashes and their provenance are stored: no media, no media-derived bytes besides hashes.
 *
 * Over 300 lines on purpose: one schema, so drizzle-kit generates the migrations from one file.
 */

import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { sql } from 'drizzle-orm';

/** One row per distinct (origin, type, value). `seq` is the dense integer key the match index uses. */
export const hashes = sqliteTable(
  'hashes',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull(),
    type: text('type').notNull(),
    value: text('value').notNull(),
    /** '' for hashes shared on this node; the origin node's URL (PUBLIC_URL) for hashes pulled from a peer (federation). */
    origin: text('origin').notNull().default(''),
    status: text('status', { enum: ['active', 'retracted'] }).notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    /** Pulled hashes: how many members stand behind the hash at its origin node (null for this node's own). */
    originContributors: integer('origin_contributors'),
    /** The ledger commit that last changed the row (see storage/ledger): statements later in the same batch find their own changes by it. */
    tx: text('tx'),
  },
  (t) => [
    uniqueIndex('hashes_id').on(t.id),
    // One index serves both the uniqueness of a hash per origin and every lookup by (type, value):
    // the lookups use its prefix. (Two indexes here cost a quarter of a share's write work.)
    uniqueIndex('hashes_type_value_origin').on(t.type, t.value, t.origin),
    // A peer's hashes (a restart notes them): pulled rows only, so a local share (origin '') writes no entry.
    index('hashes_origin').on(t.origin).where(sql`origin <> ''`),
  ],
);

/** Who shared a hash, with which labels. A retraction sets `retracted_at`; rows are never deleted. */
export const contributions = sqliteTable(
  'contributions',
  {
    hashId: text('hash_id').notNull(),
    contributor: text('contributor').notNull(),
    /**
     * JSON array of label ids, sorted: the union of the member's share of the hash alone
     * (`direct_labels`) and of its standing shares of items that hold the hash (decisions.md,
     * "A member's labels on a hash that several items hold").
     */
    labels: text('labels').notNull(),
    /** The labels of the member's share of the hash alone (`POST /v1/hashes` without `item`) while it stands; null otherwise. */
    directLabels: text('direct_labels'),
    externalId: text('external_id'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    retractedAt: integer('retracted_at'),
    tx: text('tx'),
  },
  (t) => [primaryKey({ columns: [t.hashId, t.contributor] })],
);

/** One standing verdict per member per hash. */
export const feedback = sqliteTable(
  'feedback',
  {
    hashId: text('hash_id').notNull(),
    member: text('member').notNull(),
    verdict: text('verdict', { enum: ['confirm', 'dispute'] }).notNull(),
    reason: text('reason'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    tx: text('tx'),
  },
  (t) => [primaryKey({ columns: [t.hashId, t.member] })],
);

/**
 * The frames of a `vpdq` hash (one row in `hashes`, whose value is the SHA-256 of the frame list as
 * vPDQ writes it; see core/video). `seq` is the frame's key in the match index. `indexed` marks the
 * frames matching uses (core/video `usableFrameMask`: quality at least
 * THRESHOLDS.vpdq.frameMinQuality, the first of each distinct hash in the video).
 */
export const videoFrames = sqliteTable(
  'video_frames',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    hashId: text('hash_id').notNull(),
    /** Frame number in the stream, from 0. */
    frame: integer('frame').notNull(),
    /** Milliseconds from the start (vPDQ keeps seconds to three decimals). */
    timestampMs: integer('timestamp_ms').notNull(),
    quality: integer('quality').notNull(),
    value: text('value').notNull(),
    indexed: integer('indexed', { mode: 'boolean' }).notNull(),
  },
  (t) => [uniqueIndex('video_frames_hash_frame').on(t.hashId, t.frame), index('video_frames_indexed').on(t.indexed, t.seq)],
);

/**
 * The change log: one row per committed change, in commit order (SQLite has one writer, so `seq`
 * order is commit order and a reader that has seen seq n has seen everything before it). The
 * partners' delta feed is its hash rows (add, update, retract: the hash as a feed reader sees it
 * after the change); other instances follow every row to keep their index and caches in step
 * (feedback, client and node-key rows tell them what to forget).
 */
export const changes = sqliteTable('changes', {
  seq: integer('seq').primaryKey({ autoIncrement: true }),
  at: integer('at').notNull(),
  kind: text('kind', { enum: ['add', 'update', 'retract', 'feedback', 'client', 'node-key', 'peer'] }).notNull(),
  /** The hash id, client id, key id or peer id the change is about. */
  subject: text('subject').notNull(),
  /** add, update, retract: JSON of the hash after the change (without a video's frames: they are rows of their own). */
  snapshot: text('snapshot'),
});

/**
 * The audit log's entries, append-only: leaf `idx` = seq - 1 of the Merkle tree (DESIGN §7).
 * `entry` is the event as canonical JSON (RFC 8785), the exact bytes that are hashed.
 */
export const auditLog = sqliteTable('audit_log', {
  seq: integer('seq').primaryKey({ autoIncrement: true }),
  at: integer('at').notNull(),
  action: text('action').notNull(),
  actor: text('actor').notNull(),
  entry: text('entry').notNull(),
});

/** Member platforms, admins, auditors and peer nodes. The node never holds a client's private key. */
export const clients = sqliteTable(
  'clients',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    role: text('role', { enum: ['partner', 'admin', 'auditor', 'peer'] }).notNull(),
    status: text('status', { enum: ['active', 'suspended'] }).notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    /** A peer node's JWKS URL: its keys are fetched from there (and refetched on an unknown kid) instead of registered one by one. */
    jwksUrl: text('jwks_url'),
    tx: text('tx'),
  },
  // The ledger counts active admins in the statement that suspends one.
  (t) => [index('clients_role_status').on(t.role, t.status)],
);

/** Clients' public keys (JWK, Ed25519 or P-256), by kid. Revoked keys stay, marked. */
export const clientKeys = sqliteTable(
  'client_keys',
  {
    kid: text('kid').notNull(),
    clientId: text('client_id').notNull(),
    /** The public JWK as JSON. */
    jwk: text('jwk').notNull(),
    alg: text('alg').notNull(),
    status: text('status', { enum: ['active', 'revoked'] }).notNull(),
    createdAt: integer('created_at').notNull(),
    revokedAt: integer('revoked_at'),
    tx: text('tx'),
  },
  (t) => [primaryKey({ columns: [t.clientId, t.kid] })],
);

/**
 * The node's own signing keys. `private_jwk` is sealed (AES-256-GCM, key derived from the node's
 * secret); a retired key stays published in the JWKS until every token it signed has expired.
 */
export const nodeKeys = sqliteTable('node_keys', {
  kid: text('kid').primaryKey(),
  alg: text('alg').notNull(),
  publicJwk: text('public_jwk').notNull(),
  privateJwk: text('private_jwk').notNull(),
  status: text('status', { enum: ['current', 'retired'] }).notNull(),
  createdAt: integer('created_at').notNull(),
  retiredAt: integer('retired_at'),
  tx: text('tx'),
});

/** Client-assertion ids seen, until the assertion would have expired anyway (replay protection). */
export const usedJtis = sqliteTable(
  'used_jtis',
  {
    clientId: text('client_id').notNull(),
    jti: text('jti').notNull(),
    expiresAt: integer('expires_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.clientId, t.jti] }), index('used_jtis_expires').on(t.expiresAt)],
);

/**
 * Complete subtree hashes of the audit log's Merkle tree (RFC 9162): node (level, idx) covers leaves
 * [idx * 2^level, (idx + 1) * 2^level). Written once, never changed; proofs read O(log n) of them.
 */
export const merkleNodes = sqliteTable(
  'merkle_nodes',
  {
    level: integer('level').notNull(),
    idx: integer('idx').notNull(),
    /** 32 bytes as lowercase hex. */
    hash: text('hash').notNull(),
  },
  (t) => [primaryKey({ columns: [t.level, t.idx] })],
);

/** Signed tree heads, one per integration: what the node vouches for. */
export const treeHeads = sqliteTable('tree_heads', {
  treeSize: integer('tree_size').primaryKey(),
  /** Root hash, lowercase hex. */
  rootHash: text('root_hash').notNull(),
  timestamp: integer('timestamp').notNull(),
  /** Compact JWS over the canonical JSON {treeSize, rootHash (base64), timestamp}. */
  signature: text('signature').notNull(),
});

/** Match queries are counted per client and UTC day, never logged with their hashes. */
export const matchCounts = sqliteTable(
  'match_counts',
  {
    clientId: text('client_id').notNull(),
    day: text('day').notNull(),
    queries: integer('queries').notNull(),
    hashes: integer('hashes').notNull(),
  },
  (t) => [primaryKey({ columns: [t.clientId, t.day] })],
);

/**
 * Multi-index hashing in SQL, for deployments without a memory index (Workers/D1): a row per piece
 * of each perceptual hash (bucket-layout.ts). Written only when the ledger is created with
 * `buckets: true`. Retracted hashes keep their rows; lookups check the status.
 */
export const hashBuckets = sqliteTable(
  'hash_buckets',
  {
    type: text('type').notNull(),
    piece: integer('piece').notNull(),
    /** The piece's hex digits (bucket-layout.ts). */
    key: text('key').notNull(),
    seq: integer('seq').notNull(),
  },
  (t) => [primaryKey({ columns: [t.type, t.piece, t.key, t.seq] })],
);

/**
 * The peer nodes this node pulls from (DESIGN §8), kept for ever (a removed peer is marked). `cursor`
 * is where the next pull starts: the peer's own opaque cursor, '' before the first batch; a batch is
 * applied only by the commit that moves it from the batch's `from` to its `to`, so two instances
 * pulling the same batch apply it once.
 */
export const peers = sqliteTable(
  'peers',
  {
    id: text('id').primaryKey(),
    /** The peer's PUBLIC_URL, without a trailing slash: where it is pulled from, and the origin its hashes keep. */
    url: text('url').notNull(),
    /** The client id the peer's admin gave this node there (role peer). */
    clientId: text('client_id').notNull(),
    intervalMs: integer('interval_ms').notNull(),
    /** JSON array of the label ids taken from this peer (others are not stored); null: every label. */
    labels: text('labels'),
    /** Whether the peer's hashes match here; switched off, they stay stored but match nothing. */
    matching: integer('matching', { mode: 'boolean' }).notNull(),
    status: text('status', { enum: ['active', 'paused', 'removed'] }).notNull(),
    cursor: text('cursor').notNull().default(''),
    /** When the last batch was applied, and how many items every batch applied has held in all. */
    pulledAt: integer('pulled_at'),
    pulledItems: integer('pulled_items').notNull().default(0),
    /** The last failure (cleared by a good pull) and how many in a row. */
    lastError: text('last_error'),
    lastErrorAt: integer('last_error_at'),
    failures: integer('failures').notNull().default(0),
    /**
     * The reason of the last batch refused (a `federation.refuse` audit entry), so the same refusal
     * is audited once: kept through failures of other kinds and good pulls with nothing new; cleared
     * when a batch is applied (the cursor moved on: a refusal after that is a new one).
     */
    lastRefusal: text('last_refusal'),
    /**
     * How many times an admin restarted the peer (`peers restart`): a withdrawal at the end of a
     * re-read is of the restart it began after, and writes nothing once another restart came.
     */
    restarts: integer('restarts').notNull().default(0),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    tx: text('tx'),
  },
  (t) => [index('peers_url').on(t.url)],
);

/**
 * One shared piece of media (an image, a video, a PDF, a text) and the hashes it was shared as
 * (issue 14 item 5). The id is derived from the origin and the media's SHA-256 (core/items
 * `itemId`), so concurrent shares of the same bytes name one item; pulled items keep the id and
 * origin they were served with. Items are never deleted.
 */
export const items = sqliteTable('items', {
  id: text('id').primaryKey(),
  /** '' for items shared on this node; the origin node's URL for items pulled from a peer. */
  origin: text('origin').notNull().default(''),
  /** The media's SHA-256, lowercase hex. */
  sha256: text('sha256').notNull(),
  /** image, video, pdf or text. */
  kind: text('kind').notNull(),
  /**
   * Items shared on this node: active while a member's share of it stands and one of its hashes is
   * active, set by the ledger in the commit that changes them (ledger/sql.ts, deriveItemStatus); once
   * retracted, active again only when its media is shared again. Pulled items stay `active`; their
   * status is their hashes'.
   */
  status: text('status', { enum: ['active', 'retracted'] })
    .notNull()
    .default('active'),
  createdAt: integer('created_at').notNull(),
  tx: text('tx'),
});

/**
 * The hashes of an item, each with the variant of the media it was computed from (`whole`: the
 * media as shared; robust variants such as `trim`, `crop-…`). One hash may belong to several
 * items (two images can share a hash value). Never deleted, but for a pulled hash's link to an item
 * its origin no longer names for it (ledger/federation.ts).
 */
export const itemHashes = sqliteTable(
  'item_hashes',
  {
    itemId: text('item_id').notNull(),
    hashId: text('hash_id').notNull(),
    variant: text('variant').notNull(),
    tx: text('tx'),
  },
  (t) => [primaryKey({ columns: [t.itemId, t.hashId] }), index('item_hashes_hash').on(t.hashId)],
);

/**
 * Who shared an item, with which labels (a retraction sets `retracted_at`; rows are never deleted).
 * A member's contribution to each hash of the item carries these labels, with those of its other
 * standing items that hold the hash and of its share of the hash alone; these rows say which items
 * hold a member's contribution, so retracting one item leaves a hash that another source holds.
 */
export const itemContributions = sqliteTable(
  'item_contributions',
  {
    itemId: text('item_id').notNull(),
    contributor: text('contributor').notNull(),
    /** JSON array of label ids, sorted. */
    labels: text('labels').notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    retractedAt: integer('retracted_at'),
    tx: text('tx'),
  },
  (t) => [primaryKey({ columns: [t.itemId, t.contributor] })],
);

/**
 * A share's scratch rows: each item's position in its chunk and its hash's seq, written after the
 * chunk's insert and deleted at the chunk's end, inside the share's batch, so no other connection
 * ever sees a row. The chunk's later statements find each hash by two rowid seeks instead of a seek
 * of the (type, value, origin) index each (decisions.md, "Shares per second at 10 k and at 1 M").
 */
export const shareRows = sqliteTable('share_rows', {
  k: integer('k').primaryKey(),
  seq: integer('seq').notNull(),
});

/**
 * The hashes of a peer's origin this node held standing when an admin restarted the peer (`peers
 * restart`: its feed read again from the start, after its database was restored from an older
 * copy). Each batch of the re-read clears those it names (in its commit); those left when the peer
 * says it has no more are the ones its log no longer holds, and are withdrawn in one commit.
 */
export const peerUnseen = sqliteTable(
  'peer_unseen',
  {
    peerId: text('peer_id').notNull(),
    type: text('type').notNull(),
    value: text('value').notNull(),
  },
  (t) => [primaryKey({ columns: [t.peerId, t.type, t.value] })],
);
