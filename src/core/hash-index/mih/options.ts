/** What a caller may set on a MultiIndexHashing index. */
import type { MihOffload } from './job';

export interface MihOptions {
  /**
   * Number of pieces, fixed. By default each compaction picks it from the cost model: the fastest
   * at `tuneRadius` whose memory fits 64 bytes per hash (or 64 MB in all), else the smallest. For
   * 256-bit hashes that is 16 pieces of 16 bits up to ~2 M hashes and 14 of 18-19 bits beyond.
   */
  substrings?: number;
  /** The radius the piece count is tuned for (default 31, PDQ's match threshold). */
  tuneRadius?: number;
  /** Initial slot capacity. */
  capacity?: number;
  /** Scan when probing would cost more (default true). Tests turn it off to exercise the probes at every radius. */
  scanWhenCheaper?: boolean;
  /**
   * Gives costly `searchMany` batches to another thread (the Node runtime's match helper): given a job, it resolves to
   * `searchBase(job)` run there. With it the tables live on SharedArrayBuffers, so a job carries no
   * copy of them (see `searchMany` for what the owner may change while a job runs).
   */
  offload?: MihOffload;
  /** The modelled cost (ns) a batch must pass to go to the offload (default 0.5 ms; tests use 0). */
  offloadAbove?: number;
  /**
   * Compactions due while the index serves run in steps: `defer(step)` must call `step` later (the
   * Node runtime: setImmediate), so no compaction of a large index holds the thread for long (one
   * of 1 M hashes is ~0.5 s of work). Queries, adds and removes go on against the current tables
   * meanwhile; the new tables take over when built, with what changed since replayed onto them.
   * Without it every compaction runs at once.
   */
  defer?: (step: () => void) => void;
  /** Slots handled per step of a deferred compaction (default 2^17: about a millisecond). */
  stepSlots?: number;
  /**
   * With `defer` and `clock` (milliseconds): a deferred turn runs steps until `turnMs` have passed,
   * so small steps keep each turn short on a busy machine without slowing the compaction on an idle
   * one. Without them, one step a turn.
   */
  turnMs?: number;
  clock?: () => number;
}
