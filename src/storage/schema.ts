/**
 * The database schema (SQLite dialect: libsql on Node, D1 on Workers). `drizzle/` holds the
 * migrations drizzle-kit generates from this file (`npm run db:generate`); never edit them by hand.
 *
 * Only hashes and their provenance are stored: no media, no media-derived bytes besides hashes.
 */

import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** One row per distinct (origin, type, value). `seq` is the dense integer key the match index uses. */
export const hashes = sqliteTable(
  'hashes',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull(),
    type: text('type').notNull(),
    value: text('value').notNull(),
    /** '' for hashes shared on this node; a peer node's id for pulled ones (federation). */
    origin: text('origin').notNull().default(''),
    status: text('status', { enum: ['active', 'retracted'] }).notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('hashes_id').on(t.id),
    uniqueIndex('hashes_origin_type_value').on(t.origin, t.type, t.value),
    index('hashes_type_value').on(t.type, t.value),
  ],
);

/** Who shared a hash, with which labels. A retraction sets `retracted_at`; rows are never deleted. */
export const contributions = sqliteTable(
  'contributions',
  {
    hashId: text('hash_id').notNull(),
    contributor: text('contributor').notNull(),
    /** JSON array of label ids, sorted. */
    labels: text('labels').notNull(),
    externalId: text('external_id'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    retractedAt: integer('retracted_at'),
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
  },
  (t) => [primaryKey({ columns: [t.hashId, t.member] })],
);

/** The delta feed: every addition, label change and retraction, in commit order, with the hash's state after it. */
export const hashChanges = sqliteTable(
  'hash_changes',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    hashId: text('hash_id').notNull(),
    kind: text('kind', { enum: ['add', 'update', 'retract'] }).notNull(),
    at: integer('at').notNull(),
    /** JSON: the hash as a feed reader sees it after this change. */
    snapshot: text('snapshot').notNull(),
  },
  (t) => [index('hash_changes_hash').on(t.hashId)],
);

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

