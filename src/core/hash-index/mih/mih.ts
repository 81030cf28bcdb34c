/**
 * Exact multi-index hashing (Norouzi, Punjani & Fleet, CVPR 2012) over packed 32-bit words, with a
 * pair filter carried in the posting lists: the in-memory index of DESIGN §9.
 *
 * Each hash is cut into m pieces; pieces 2i and 2i+1 form a pair. Radii rho_i are chosen with
 * sum(rho_i + 1) > r (see `plan`). Generalised pigeonhole: if d(x, q) <= r, some pair (A, B) has
 * d_A + d_B <= rho_A + rho_B + 1, and then d_A <= rho_A or d_B <= rho_B. So looking up every bucket
 * within rho_A of the query's piece A, keeping entries whose d_A + d_B stays within that pair bound,
 * and checking the full distance finds exactly the hashes within r. Each posting entry carries the
 * top f bits of the partner piece next to the slot number (f = 32 - bits per slot, at most 16), so
 * the pair bound is tested inside the sequential posting scan and only about 1 entry in 7 (10 M
 * hashes) to 1 in 50 (1 M) is looked up in the hash array. On this class of machine a random
 * read of a hash costs ~60-100 ns against ~2-3 ns per posting entry, so that is the whole game.
 *
 * Layout (typed arrays only): the slots (slots.ts); the base, the slots below `baseCount`, indexed
 * by one CSR table per piece, `offsets` (2^width + 1) and `postings` (slot << f | filter); the
 * overflow, slots added since the last compaction (overflow.ts). `compact()` drops dead slots,
 * merges the overflow in id order and rebuilds the tables; it runs by itself once the overflow
 * passes 1/16 of the index (1/4 while hashes arrive in bulk: BULK_CYCLE_MS; at most 2^18 slots: a
 * full overflow adds ~1 chain node per probe, ~+50 us at 1 M) or the dead slots pass 1/8. Loading many hashes one `add` at a time therefore compacts
 * O(n / 2^18) times: use `build` or `addMany` to load.
 *
 * Memory beyond the 32-byte hash: 4 bytes per piece (postings) + 4 (id) + 4 * 2^width per piece
 * (offsets) + 1 (the search's stamps), i.e. 62.9 bytes per hash at 10 M with 14 pieces, 73 at 1 M
 * with 16 (a helper thread searching the same tables holds one more byte per slot).
 *
 * The parts: slots.ts, layout.ts (pieces and filters), cost.ts (the cost model and its plans),
 * probe.ts (the search of the base), overflow.ts, compaction.ts (new tables, in steps), job.ts (the
 * helper-thread job protocol). This file drives them; it passes 300 lines because the order of
 * the index's updates (adds, removes, and the compactions that replay onto new tables what changed
 * while they were built) is one invariant, best read in one place.
 */
import { hammingWithin } from '../../bits';
import { sortHits, type HammingHit, type HammingIndex } from '../hamming';
import { buildBase, drive, type Built, type Snapshot } from './compaction';
import { COST_SCAN, Planner, type Plan } from './cost';
import { baseRange, claimQueries, type MihJob, type MihJobHits, type MihOffload } from './job';
import type { MihOptions } from './options';
import { shapeOf, type Shape } from './layout';
import { OverflowChains } from './overflow';
import { MihScratch, probeBase, queryKeys, type MihTables } from './probe';
import { Slots } from './slots';

const MIN_OVERFLOW_LIMIT = 4096;
const MAX_OVERFLOW_LIMIT = 1 << 18;
/**
 * An overflow that reaches 1/16 of the base within this long of the last compaction (a backlog
 * pulled from a peer, a fill through the API) is let grow to 1/4 of it before the next compaction
 * (with `defer` and `clock` only). Each compaction rebuilds the whole base, so loading n hashes
 * costs about 17 n slot-builds at 1/16 and 5 n at 1/4 (at 1 M, ~14 s of one core against ~4 s);
 * queries meanwhile walk longer overflow chains (the 2^18 cap bounds them as it does at 4 M hashes).
 */
const BULK_CYCLE_MS = 30_000;
/**
 * A `searchMany` goes to the offload when its modelled cost passes this (ns): a lookup within 56 bits
 * at 1 M hashes (modelled ~2.4 ms, measured ~19 ms), thirteen within 31; a single lookup within 31
 * (~40 us) stays here, where a message round trip would cost more than it.
 */
const OFFLOAD_ABOVE = 500_000;

export class MultiIndexHashing implements HammingIndex {
  readonly words: number;
  private readonly fixedPieces: number | undefined;
  private readonly scanWhenCheaper: boolean;
  private readonly offload: MihOffload | undefined;
  private readonly offloadAbove: number;
  private readonly defer: ((step: () => void) => void) | undefined;
  private readonly stepSlots: number;
  private readonly turn: { ms: number; clock: () => number } | null;
  /** Compactions in steps with a clock: an overflow filled fast may grow to the bulk limit (BULK_CYCLE_MS). */
  private readonly bulkCapable: boolean;
  /** When the current tables took over (the clock's time), and whether this cycle takes the bulk limit. */
  private cycleStart = 0;
  private bulk = false;
  private readonly planner: Planner;
  private slots: Slots;
  private shape!: Shape;
  private f = 0; // filter bits per posting entry
  private offsets: Uint32Array[] = [];
  private postings: Uint32Array[] = [];
  private overflow = new OverflowChains();

  /** The plan per radius asked for, until the next compaction. */
  private plans = new Map<number, Plan | null>();
  /** A deferred compaction under way: its snapshot and its steps, then the new generation catching up. */
  private building: Building | null = null;
  private view: MihTables | null = null; // the tables as one object, until they change
  private readonly scratch = new MihScratch();

  constructor(words = 8, options: MihOptions = {}) {
    if (!Number.isInteger(words) || words < 1) throw new RangeError(`words must be a positive integer, got ${words}`);
    const bits = words * 32;
    const m = options.substrings;
    if (m !== undefined && (!Number.isInteger(m) || m < 1 || Math.ceil(bits / m) > 24))
      throw new RangeError(`substrings must make widths <= 24 bits, got ${m} for ${bits} bits`);
    this.words = words;
    this.fixedPieces = m;
    this.planner = new Planner(options.tuneRadius ?? 31);
    this.scanWhenCheaper = options.scanWhenCheaper ?? true;
    this.offload = options.offload;
    this.offloadAbove = options.offloadAbove ?? OFFLOAD_ABOVE;
    this.defer = options.defer;
    this.stepSlots = options.stepSlots ?? 1 << 17;
    this.turn = options.clock && options.turnMs ? { ms: options.turnMs, clock: options.clock } : null;
    this.bulkCapable = this.defer !== undefined && this.turn !== null;
    const cap = Math.max(16, options.capacity ?? 1024);
    this.slots = new Slots(words, this.offload !== undefined, cap);
    this.install(drive(this.build(this.slots.snapshot(), Infinity, cap)));
  }

  /** Bulk load: one sort and one counting sort per piece instead of n incremental inserts. */
  static build(ids: ArrayLike<number>, hashes: Uint32Array, words = 8, options: MihOptions = {}): MultiIndexHashing {
    const index = new MultiIndexHashing(words, { ...options, capacity: Math.max(ids.length, options.capacity ?? 0) });
    index.addMany(ids, hashes);
    return index;
  }

  get count(): number {
    return this.slots.live;
  }

  /** The number of pieces in use (it may change at a compaction unless fixed by the options). */
  get substrings(): number {
    return this.shape.m;
  }

  add(id: number, hash: Uint32Array): void {
    checkId(id);
    if (hash.length < this.words) throw new RangeError(`hash has ${hash.length} words, expected ${this.words}`);
    const old = this.slots.find(id);
    if (old >= 0) this.kill(old);
    const slot = this.slots.append(id, hash);
    if (this.dueForCompaction() && !this.defer) {
      this.compact();
      return;
    }
    this.overflow.add(this.tables(), slot);
    this.compactWhenDue();
  }

  /** Adds `ids.length` hashes packed in `hashes` (`words` each; a later duplicate id wins). Large batches end in one compaction. */
  addMany(ids: ArrayLike<number>, hashes: Uint32Array): void {
    const n = ids.length;
    const w = this.words;
    if (hashes.length < n * w) throw new RangeError('hashes holds fewer than ids.length * words words');
    for (let i = 0; i < n; i++) checkId(ids[i]);
    // While serving (deferred compactions), a batch that is not a load goes through the overflow.
    if (n < this.overflowLimit() - (this.slots.top - this.slots.baseCount) || (this.defer && n < this.slots.live)) {
      for (let i = 0; i < n; i++) this.add(ids[i], hashes.subarray(i * w, (i + 1) * w));
      return;
    }
    // compact() resolves replaced ids (the later slot wins) and indexes.
    this.slots.appendUnindexed(ids, hashes);
    this.compact();
  }

  remove(id: number): boolean {
    const slot = this.slots.find(id);
    if (slot < 0) return false;
    this.kill(slot);
    this.compactWhenDue();
    return true;
  }

  search(query: Uint32Array, maxDistance: number): HammingHit[] {
    if (query.length < this.words) throw new RangeError(`query has ${query.length} words, expected ${this.words}`);
    const r = Math.min(Math.floor(maxDistance), this.words * 32);
    if (!(r >= 0) || this.slots.live === 0) return [];
    const plan = this.plan(r);
    if (!plan) return sortHits(this.scan(query, r));
    const hits: HammingHit[] = [];
    const t = this.tables();
    queryKeys(t, query, this.scratch);
    probeBase(t, plan, query, r, this.scratch, hits);
    this.overflow.probe(t, query, r, plan, this.scratch, hits);
    return sortHits(hits);
  }

  /**
   * `search` for each query of a batch (`queries` holds `words` words per query), in order. With an
   * `offload`, a costly batch's base lookups go to the other thread, which claims chunks of queries
   * until none are left; this one looks up the overflow of all, then claims whatever the other left
   * (a thread that was not running takes nothing). Meanwhile the owner may add, remove and compact: a
   * compaction builds new arrays and growth copies into new ones, so the job reads a consistent
   * base as of the call, never out of bounds. A hash removed meanwhile may still be reported, one
   * added meanwhile may be missed, exactly as if the call had come a moment earlier. Should the
   * offload fail, this thread looks up every query's base itself (the hits the other found are dropped).
   *
   * Why a second thread: a query is bound by random reads (~50 us at 1 M, against ~17 us with the
   * tables in cache), and reordering the lookups of a batch for locality did not pay for its sorting.
   */
  async searchMany(queries: Uint32Array, maxDistance: number): Promise<HammingHit[][]> {
    const w = this.words;
    if (queries.length % w !== 0) throw new RangeError(`queries holds ${queries.length} words, not a multiple of ${w}`);
    const count = queries.length / w;
    const query = (q: number) => queries.subarray(q * w, (q + 1) * w);
    const r = Math.min(Math.floor(maxDistance), w * 32);
    const plan = r >= 0 && this.slots.live > 0 ? this.plan(r) : null;
    if (!plan || !this.offload || count * plan.cost < this.offloadAbove) return Array.from({ length: count }, (_, q) => this.search(query(q), maxDistance));
    const job: MihJob = { tables: this.tables(), plan, queries, maxDistance: r, next: new Int32Array(new SharedArrayBuffer(4)) };
    // Settled whatever happens here (a throw below must not leave it to reject unhandled). The
    // arrays the job reads are never rewritten: a compaction builds new ones, growth copies.
    const theirs = this.offload(job).then(
      (hits): MihJobHits | null => hits,
      () => null,
    );
    const hits: HammingHit[][] = Array.from({ length: count }, () => []);
    // Added one by one, not spread into: a list can hold more hits than a call takes arguments.
    const addFrom = (from: number, lists: HammingHit[][]) =>
      lists.forEach((list, i) => {
        for (const hit of list) hits[from + i].push(hit);
      });
    const claimRest = () => {
      for (let claim: ReturnType<typeof claimQueries>; (claim = claimQueries(job)); ) addFrom(claim[0], baseRange(job, claim[0], claim[1], this.scratch));
    };
    // The base lookups are the other thread's: this one, the node's main thread, stays free to
    // answer other requests (under a robust image load on 2 cores, sharing them held it for ~14 ms
    // an upload and /health's p99 doubled). It takes what the other left, or all if it failed.
    for (let q = 0; q < count && !this.overflow.empty; q++) {
      queryKeys(job.tables, query(q), this.scratch);
      this.overflow.probe(job.tables, query(q), r, plan, this.scratch, hits[q]);
    }
    const other = await theirs;
    // A thread that was not running took nothing: the rest is claimed here.
    if (other !== null) {
      claimRest();
      for (const [q, list] of other) for (const hit of list) hits[q].push(hit);
    } else {
      // The thread failed (this one claimed nothing): every query's base is looked up here.
      addFrom(0, baseRange(job, 0, count, this.scratch));
    }
    return hits.map(sortHits);
  }

  /** Drops dead slots, merges the overflow into the base in id order, and rebuilds the tables, at once. */
  compact(): void {
    // A compaction in steps under way is dropped: the current tables hold everything it would
    // have, and what came since. Its pending step finds it is no longer the one under way.
    this.building = null;
    this.install(drive(this.build(this.slots.snapshot(), Infinity)));
  }

  /** Bytes held by the index's typed arrays, and the part that is not the hashes themselves. */
  memory(): { totalBytes: number; hashBytes: number; overheadPerHash: number } {
    let total = this.slots.bytes() + this.overflow.bytes();
    for (let j = 0; j < this.offsets.length; j++) total += this.offsets[j].byteLength + this.postings[j].byteLength;
    // The search's one byte per slot (a helper thread holds another of its own).
    total += Math.max(this.scratch.seen.byteLength, this.slots.hashes.length / this.words);
    const { live } = this.slots;
    const hashBytes = live * this.words * 4;
    return { totalBytes: total, hashBytes, overheadPerHash: live ? (total - hashBytes) / live : 0 };
  }

  // --- compaction ---

  /** Compacts if due: at once, or in steps with `defer`. */
  private compactWhenDue(): void {
    if (!this.dueForCompaction() || this.building) return;
    if (!this.defer) {
      this.compact();
      return;
    }
    const snap = this.slots.snapshot();
    const b: Building = { snap, steps: this.build(snap, this.stepSlots), next: null };
    this.building = b;
    this.defer(() => this.advance(b));
  }

  /**
   * One turn of a compaction in steps (one step, or steps for `turnMs`), unless another has replaced
   * it (or compact() dropped it). The new tables are built; then the slots added since the snapshot
   * are replayed onto them a step at a time while this generation keeps serving; the new generation
   * takes over in the step that replays the last of them.
   */
  private advance(b: Building): void {
    if (this.building !== b) return;
    const until = this.turn ? this.turn.clock() + this.turn.ms : 0;
    for (;;) {
      if (!b.next) {
        const r = b.steps.next();
        if (r.done) b.next = this.nextGeneration(b.snap, r.value);
      } else if (this.catchUp(b.next)) {
        this.building = null;
        this.take(b.next);
        this.compactWhenDue();
        return;
      }
      if (!this.turn || this.turn.clock() >= until) break;
    }
    this.defer?.(() => this.advance(b));
  }

  /** New tables as a generation of their own, with the removals of snapshot slots since the snapshot applied. */
  private nextGeneration(snap: Snapshot, built: Built): Generation {
    const expected = overflowLimitOf(built.n, this.bulkCapable);
    const slots = Slots.of(this.words, this.offload !== undefined, built, expected);
    const overflow = new OverflowChains();
    overflow.clear(expected);
    // Removals (and replacements) of slots the snapshot held: their ids are in the new base.
    for (const id of snap.removed) {
      const s = slots.find(id);
      if (s >= 0) slots.kill(s);
    }
    return { slots, overflow, built, view: null, replayed: snap.top };
  }

  /**
   * Replays up to a step of the slots added to this generation since the snapshot onto the next;
   * true when none is left. A slot killed here after its replay is killed there too (`kill`).
   */
  private catchUp(g: Generation): boolean {
    const w = this.words;
    const { hashes, ids, top } = this.slots;
    // A slot costs a link per piece: about a microsecond, so a step of stepSlots / 16.
    const end = Math.min(top, g.replayed + Math.max(64, this.stepSlots >>> 4));
    for (let s = g.replayed; s < end; s++) {
      if (ids[s] < 0) continue;
      const slot = g.slots.append(ids[s], hashes.subarray(s * w, (s + 1) * w));
      g.overflow.add(generationTables(g, w), slot);
    }
    g.replayed = end;
    return end === top;
  }

  /** The next generation takes over. */
  private take(g: Generation): void {
    this.slots = g.slots;
    this.overflow = g.overflow;
    this.useTables(g.built);
    this.newCycle();
  }

  private build(snap: Snapshot, step: number, minCapacity = 16): Generator<void, Built> {
    const bits = this.words * 32;
    const self = this;
    return buildBase(snap, step, minCapacity, {
      words: this.words,
      u32: (n) => this.slots.u32(n),
      i32: (n) => this.slots.i32(n),
      *shape(n) {
        return self.fixedPieces ? shapeOf(bits, self.fixedPieces) : yield* self.planner.chooseShape(bits, n);
      },
      // The plans of the radii asked for so far, solved now (a step each) rather than at the next query.
      *warm(shape, n, f) {
        for (const r of self.plans.keys()) {
          if (r < bits) self.planner.planOf(shape, Math.max(1, n), f, r);
          yield;
        }
      },
    });
  }

  /** The new base takes over: no overflow, no dead slots. */
  private install(b: Built): void {
    // Sized for the overflow this cycle may reach, so an add never rehashes or relinks the others.
    const expected = overflowLimitOf(b.n, this.bulkCapable);
    this.slots.install(b, expected);
    this.overflow.clear(expected);
    this.useTables(b);
    this.newCycle();
  }

  private newCycle(): void {
    this.cycleStart = this.turn?.clock() ?? 0;
    this.bulk = false;
  }

  /** Search through these base tables from now on (the plans and the view were made for the old ones). */
  private useTables(b: Built): void {
    this.shape = b.shape;
    this.f = b.f;
    this.offsets = b.offsets;
    this.postings = b.postings;
    this.plans.clear();
    this.view = null;
  }

  private kill(slot: number): void {
    const b = this.building;
    const id = this.slots.ids[slot];
    if (b?.next) {
      // Replayed already (or in the snapshot): the next generation holds the same id, live.
      if (slot < b.next.replayed) {
        const s = b.next.slots.find(id);
        if (s >= 0) b.next.slots.kill(s);
      }
    } else if (b && slot < b.snap.top) b.snap.removed.push(id);
    this.slots.kill(slot);
  }

  private overflowLimit(): number {
    return overflowLimitOf(this.slots.baseCount, this.bulk);
  }

  private dueForCompaction(): boolean {
    const { top, baseCount, dead, live } = this.slots;
    if (dead > Math.max(MIN_OVERFLOW_LIMIT, live >>> 3)) return true;
    const over = top - baseCount;
    if (over <= this.overflowLimit()) return false;
    // Filled fast: hashes arrive in bulk, and this cycle takes the bulk limit (read once a cycle).
    if (this.bulkCapable && !this.bulk && !this.building && this.turn && this.turn.clock() - this.cycleStart < BULK_CYCLE_MS) {
      this.bulk = true;
      return over > this.overflowLimit();
    }
    return true;
  }

  // --- search ---

  private scan(query: Uint32Array, r: number): HammingHit[] {
    const w = this.words;
    const { hashes, ids, top } = this.slots;
    const hits: HammingHit[] = [];
    for (let s = 0; s < top; s++) {
      if (ids[s] < 0) continue;
      const d = hammingWithin(hashes, s * w, query, 0, w, r);
      if (d <= r) hits.push({ id: ids[s], distance: d });
    }
    return hits;
  }

  /**
   * The cheapest plan for radius r, or null when a scan is cheaper (same answer): from r = 35 at
   * 1 k hashes, r = 70 at 1 M; up to there probing is still faster (r = 64 at 1 M: ~10 ms against
   * ~20 ms for the scan). Cached per r until the next compaction.
   */
  private plan(r: number): Plan | null {
    const cached = this.plans.get(r);
    if (cached !== undefined) return cached;
    const n = Math.max(1, this.slots.top);
    const best = r < this.words * 32 ? this.planner.planOf(this.shape, n, this.f, r) : null;
    const plan = best && (!this.scanWhenCheaper || best.cost <= n * COST_SCAN) ? best : null;
    this.plans.set(r, plan);
    return plan;
  }

  /** The tables as one object (what `probeBase` and an offloaded job read), made again when the slots' arrays grow. */
  private tables(): MihTables {
    const { hashes, ids, baseCount } = this.slots;
    if (this.view?.hashes !== hashes)
      this.view = { words: this.words, shape: this.shape, f: this.f, baseCount, hashes, ids, offsets: this.offsets, postings: this.postings };
    return this.view;
  }
}

/** A compaction in steps: the build from the snapshot, then (`next`) the new generation catching up. */
interface Building {
  snap: Snapshot;
  steps: Generator<void, Built>;
  next: Generation | null;
}

/** New tables with their own slots and overflow, and how far the slots added since the snapshot have been replayed onto them. */
interface Generation {
  slots: Slots;
  overflow: OverflowChains;
  built: Built;
  view: MihTables | null;
  replayed: number;
}

function generationTables(g: Generation, words: number): MihTables {
  const { hashes, ids, baseCount } = g.slots;
  if (g.view?.hashes !== hashes) {
    const { shape, f, offsets, postings } = g.built;
    g.view = { words, shape, f, baseCount, hashes, ids, offsets, postings };
  }
  return g.view;
}

/** The overflow a base of n slots takes before it is compacted: 1/16 of it (in bulk, 1/4), within [MIN, MAX]_OVERFLOW_LIMIT. */
function overflowLimitOf(n: number, bulk = false): number {
  return Math.min(MAX_OVERFLOW_LIMIT, Math.max(MIN_OVERFLOW_LIMIT, bulk ? n >>> 2 : n >>> 4));
}

function checkId(id: number): void {
  if (!Number.isInteger(id) || id < 0 || id > 0x7fffffff) throw new RangeError(`id must be an integer in [0, 2^31), got ${id}`);
}
