/**
 * Keeps this process's in-memory index and caches in step with the change log (DESIGN §9), whoever
 * wrote the changes: this process, another instance on the same database, the admin CLI. It reads
 * the log in order from the last sequence it applied, on a short interval and at once when a writer
 * of this process asks (`catchUp`, which a write awaits before it answers, so a client reads its own
 * writes on the instance it wrote through).
 *
 * Start-up: the log's last sequence is read before the index is loaded, and following starts from
 * there; changes that arrive while the index loads are held and applied, in order, once it is
 * loaded. Adding an entry the index holds and removing one it lacks change nothing, so replaying
 * changes the load already saw leaves the index as the database has it.
 */
import type { MatchIndex } from '../core/hash-index';
import { isListHashType } from '../core/hashes';
import { inSlices } from '../core/slices';
import type { FollowedChange, HashStore, IndexEntry } from '../storage/types';

/** What a write waits on: its own commit applied here. */
export interface Follower {
  catchUp(seq: number): Promise<void>;
}

/** Where there is nothing in memory to keep in step (Workers read everything from D1). */
export const NO_FOLLOWER: Follower = { catchUp: async () => {} };

export interface FollowTargets {
  index: MatchIndex;
  /** Caches to tell which hashes, clients changed; the keyring, that the node keys did. */
  hashes?: { forget(ids: Iterable<string>): void };
  auth?: { forget(clientIds: Iterable<string>): void };
  keyring?: { forget(): void };
  /** Told when a peer changed (which pulled hashes match, which peers are pulled). */
  peers?: { forget(): void };
}

type IndexOp = { add: boolean; entries: IndexEntry[] };

/** Index entries applied between two pauses (a 1000-hash share is four slices). */
const INDEX_SLICE = 250;

export class ChangeFollower implements Follower {
  private cursor = -1;
  private indexLoaded = false;
  private held: IndexOp[] = [];
  private pumping: Promise<void> | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private failing = false;
  private lastReported = 0;

  constructor(
    private readonly store: HashStore,
    readonly targets: FollowTargets,
    private readonly opts: {
      intervalMs: number;
      pageSize?: number;
      onError?: (e: unknown) => void;
      now?: () => number;
      /** Between slices of the index's updates, so a large commit does not hold the thread (ServiceDeps.pause). */
      pause?: () => Promise<void>;
    },
  ) {}

  /** The last sequence applied. */
  get applied(): number {
    return this.cursor;
  }

  /** Follows from `from` (read before the index load began), polling every `intervalMs`. */
  start(from: number): void {
    this.cursor = from;
    if (this.opts.intervalMs > 0 && !this.timer) {
      this.timer = setInterval(
        () =>
          void this.pump().then(
            () => (this.failing = false),
            (e) => {
              // Said once while it lasts (a database that is down fails every interval), then again a minute on.
              const now = (this.opts.now ?? Date.now)();
              if (!this.failing || now - this.lastReported > 60_000) {
                this.lastReported = now;
                this.opts.onError?.(e);
              }
              this.failing = true;
            },
          ),
        this.opts.intervalMs,
      );
      this.timer.unref?.();
    }
  }

  /** The index now holds the database's state as of some point after `from`: apply what was held. */
  markIndexLoaded(): void {
    for (const op of this.held) this.applyToIndex(op);
    this.held = [];
    this.indexLoaded = true;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * Resolves when every change up to `seq` has been applied here. Never rejects: the commit it waits
   * for is durable whatever happens here, so a failed read is reported (onError) and the interval's
   * next pass applies it.
   */
  async catchUp(seq: number): Promise<void> {
    try {
      await this.catchUpOrThrow(seq);
    } catch (e) {
      this.opts.onError?.(e);
    }
  }

  private async catchUpOrThrow(seq: number): Promise<void> {
    if (this.cursor < 0) return; // not following (the CLI)
    while (this.cursor < seq) {
      // A pass under way may have read the log before the commit being waited for: let it end.
      if (this.pumping) {
        await this.pumping;
        continue;
      }
      const before = this.cursor;
      await this.pump();
      // A pass that starts after the commit sees it; one that does not advance means the log ends
      // before `seq` (it cannot, seq came from it): never spin.
      if (this.cursor === before) break;
    }
  }

  /** Reads and applies everything new; concurrent callers share one pass. */
  pump(): Promise<void> {
    if (this.cursor < 0) return Promise.resolve();
    if (!this.pumping) {
      this.pumping = this.drain().finally(() => {
        this.pumping = null;
      });
    }
    return this.pumping;
  }

  private async drain(): Promise<void> {
    const page = this.opts.pageSize ?? 2000;
    for (;;) {
      const rows = await this.store.changesAfter(this.cursor, page);
      if (rows.length === 0) return;
      await this.apply(rows);
      this.cursor = rows[rows.length - 1].seq;
      if (rows.length < page) return;
    }
  }

  private async apply(rows: FollowedChange[]): Promise<void> {
    // Videos and PDFs enter and leave the index by their frames and pages: read those of the page's at once.
    const videoIds = [
      ...new Set(rows.filter((r) => (r.kind === 'add' || r.kind === 'retract') && r.hash && isListHashType(r.hash.type)).map((r) => r.subject)),
    ];
    const frames = new Map<string, IndexEntry[]>();
    if (videoIds.length) {
      for (const { hashId, ...entry } of await this.store.indexedFramesOf(videoIds)) {
        const list = frames.get(hashId);
        if (list) list.push(entry);
        else frames.set(hashId, [entry]);
      }
    }
    const hashIds = new Set<string>();
    const clientIds = new Set<string>();
    let keys = false;
    let peers = false;
    let op: IndexOp | null = null;
    const ops: IndexOp[] = [];
    for (const r of rows) {
      if (r.kind === 'client') clientIds.add(r.subject);
      else if (r.kind === 'node-key') keys = true;
      else if (r.kind === 'peer') peers = true;
      else hashIds.add(r.subject);
      if ((r.kind !== 'add' && r.kind !== 'retract') || !r.hash) continue;
      const add = r.kind === 'add';
      const entries = isListHashType(r.hash.type) ? (frames.get(r.subject) ?? []) : [r.hash];
      // Consecutive changes of the same direction go to the index together.
      if (!op || op.add !== add) ops.push((op = { add, entries: [] }));
      op.entries.push(...entries);
    }
    for (const o of ops) {
      if (!this.indexLoaded) this.held.push(o);
      else await inSlices(o.entries, INDEX_SLICE, this.opts.pause, (entries) => this.applyToIndex({ add: o.add, entries }));
    }
    if (hashIds.size) this.targets.hashes?.forget(hashIds);
    if (clientIds.size) this.targets.auth?.forget(clientIds);
    if (keys) this.targets.keyring?.forget();
    if (peers) this.targets.peers?.forget();
  }

  private applyToIndex(op: IndexOp): void {
    if (op.add) this.targets.index.add(op.entries);
    else this.targets.index.remove(op.entries);
  }
}
