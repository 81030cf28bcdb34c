/**
 * The storage contract of federation (DESIGN §8): the peers a node pulls from, a verified batch as
 * the ledger applies it, and what the federation feed reads. Part of storage/types.ts (re-exported
 * there), kept apart so that file stays readable.
 */
import type { MergedItem, ServedItemRef } from '../core/federation';
import type { HashType } from '../core/hashes';
import type { ChangeRow, VideoFrameRow } from './types';

export type PeerStatus = 'active' | 'paused' | 'removed';
export type PeerAction = 'pause' | 'resume' | 'remove' | 'update' | 'restart';

export interface PeerSettings {
  status?: PeerStatus;
  intervalMs?: number;
  /** null: every label. */
  labels?: string[] | null;
  matching?: boolean;
  /** Where the next pull starts ('': the peer's start; restart sets nothing else). */
  cursor?: string;
}

export interface PeerRow {
  id: string;
  url: string;
  clientId: string;
  intervalMs: number;
  labels: string[] | null;
  matching: boolean;
  status: PeerStatus;
  cursor: string;
  pulledAt: number | null;
  pulledItems: number;
  lastError: string | null;
  lastErrorAt: number | null;
  failures: number;
  /** How many times an admin restarted the peer: a withdrawal is of the restart it read here ({@link PullCommit.restarts}). */
  restarts: number;
  createdAt: number;
  updatedAt: number;
}

/** A pulled hash as the ledger applies it: its state at the origin after the batch (one per type and value; core/federation mergeBatchItems), its frames (a PDF's pages) as rows. */
export interface PulledItem extends Omit<MergedItem, 'frames' | 'pages'> {
  frames?: Omit<VideoFrameRow, 'seq' | 'hashId'>[];
}

export interface PullCommit {
  at: number;
  peerId: string;
  /** The peer's URL: the origin its hashes keep. */
  origin: string;
  from: string;
  to: string;
  /** Items in the batch as served (the audit entry's count), before merging repeats. */
  served: number;
  items: PulledItem[];
  /** SHA-256 of the compact JWS, lowercase hex: ties the audit entry to the exact batch. */
  jwsSha256: string;
  /**
   * By item: no hash of this origin with its type and value existed when the puller looked, after
   * the peer's cursor had reached `from` (FederationStore.heldOf). Such an item that stands is
   * written by plain inserts, without reading its row back; one that turns out to exist fails the
   * commit whole (a unique key), which then writes nothing.
   */
  fresh?: boolean[];
  /**
   * Not a batch of the peer's: the withdrawal of its hashes a re-read after `peers restart` did not
   * name (`items`, all retracted; `from` = `to`, the cursor at the peer's end), audited as
   * `federation.withdraw`. Applied only if every one is still noted and the peer was not restarted
   * again (`restarts`, as read with the peer row before the feed was fetched).
   */
  withdraw?: boolean;
  /** With `withdraw`: the peer's restart count the puller read before it fetched the answer that said no more. */
  restarts?: number;
}

/** A change of this node's own hashes, for the federation feed. */
export interface LocalChange extends ChangeRow {
  /** The reference the earliest standing contribution gave, if any (read when served). */
  externalId: string | null;
  /** The items the change's snapshot names, with their media's SHA-256 and kind. */
  items: ServedItemRef[];
}

/** What federation reads: the peers pulled from, and this node's own hash changes for its feed. */
export interface FederationStore {
  listPeers(): Promise<PeerRow[]>;
  getPeer(id: string): Promise<PeerRow | null>;
  /**
   * Changes of hashes shared on this node (origin ''), with seq in (after, upTo], ascending, at most
   * `limit`; pulled hashes' changes are left out.
   */
  localChanges(after: number, upTo: number, limit: number): Promise<LocalChange[]>;
  /** Which of these hashes this node holds from `origin` (keys `type:value`). */
  heldOf(origin: string, hashes: { type: string; value: string }[]): Promise<Set<string>>;
  /** Hashes of the peer's origin held when it was restarted that no batch of the re-read has named yet (at most `limit`). */
  unseenOf(peerId: string, limit: number): Promise<{ type: HashType; value: string }[]>;
}
