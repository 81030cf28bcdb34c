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
 * Layout (typed arrays only):
 * - slots: `hashes` (words per slot) and `ids`; a removed or replaced slot keeps its id with the
 *   sign bit set (dead) until the next compaction.
 * - base: slots below `baseCount`, sorted by id (id -> slot is a binary search, no hash table),
 *   indexed by one CSR table per piece: `offsets` (2^width + 1) and `postings` (slot << f | filter).
 * - overflow: slots added since the last compaction, chained per piece (`ovHeads`, `ovNodes`; a node
 *   carries the key's high bits and the filter, so a chain walk reads no hash), with a small
 *   open-addressing id table (`ovIds`).
 * - `compact()` drops dead slots, merges the overflow in id order and rebuilds the tables; it runs
 *   by itself once the overflow passes 1/16 of the index (at most 2^18 slots: a full overflow adds
 *   ~1 chain node per probe, ~+50 us at 1 M) or the dead slots pass 1/8. Loading many hashes one
 *   `add` at a time therefore compacts O(n / 2^18) times: use `build` or `addMany` to load.
 *
 * Duplicates: a hash can pass the lookups of several pieces, and near-duplicates (the frames of a
 * still scene) pass nearly all of them. A byte per slot, stamped per query, makes each slot's full
 * distance computed once a query, whichever pieces found it (before: every piece checked it again
 * and earlier pieces' tests were recomputed for each hit, ~m^2/2 piece tests per hit).
 *
 * Memory beyond the 32-byte hash: 4 bytes per piece (postings) + 4 (id) + 4 * 2^width per piece
 * (offsets) + 1 (the search's stamps), i.e. 62.9 bytes per hash at 10 M with 14 pieces, 73 at 1 M
 * with 16 (a helper thread searching the same tables holds one more byte per slot).
 *
 * Large radii: when the modelled probe cost passes that of a linear scan, `search` scans instead
 * (same answer): from r = 35 at 1 k hashes, r = 70 at 1 M. Up to there probing is still faster
 * (r = 64 at 1 M: ~10 ms against ~20 ms for the scan).
 *
 * Batches: a query is bound by random reads (~50 us at 1 M, against ~17 us with the tables in
 * cache), and reordering the lookups of a batch for locality did not pay for its sorting here. What
 * does is a second core: with the `offload` option the tables live on SharedArrayBuffers and
 * `searchMany` hands the base lookups of half a large batch to another thread (the Node runtime's
 * helper thread, src/runtime/node/mih-helper.ts) while this one does the rest.
 */
import { sortHits, type HammingHit, type HammingIndex } from './hamming';

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
   * Shares large `searchMany` batches with another thread: given a job, it resolves to
   * `searchBase(job)` run there. With it the tables live on SharedArrayBuffers, so a job carries no
   * copy of them (see `searchMany` for what the owner may change while a job runs).
   */
  offload?: MihOffload;
  /** The modelled cost (ns) a batch must pass to be split with the offload (default 5 ms; tests use 0). */
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
}

/** The slots a deferred compaction builds from: the ids copied when it began, the hashes as they were. */
interface Snapshot {
  ids: Int32Array;
  hashes: Uint32Array;
  top: number;
  baseCount: number;
  /** Ids whose snapshot slot was removed (or replaced) while the new tables were being built. */
  removed: number[];
}

/** New base tables, built from a snapshot. */
interface Built {
  hashes: Uint32Array;
  ids: Int32Array;
  n: number;
  shape: Shape;
  f: number;
  offsets: Uint32Array[];
  postings: Uint32Array[];
}

/**
 * What the base lookups read: the piece layout, the CSR tables and the slots they point into. On
 * SharedArrayBuffers when the index offloads, so a job posted to another thread shares them.
 */
export interface MihTables {
  words: number;
  shape: Shape;
  f: number;
  baseCount: number;
  hashes: Uint32Array;
  ids: Int32Array;
  offsets: Uint32Array[];
  postings: Uint32Array[];
}

/**
 * A batch whose base lookups two threads share (`queries` holds `tables.words` words per query):
 * each claims chunks of queries from the shared counter `next` until none are left.
 */
export interface MihJob {
  tables: MihTables;
  plan: Plan;
  queries: Uint32Array;
  maxDistance: number;
  next: Int32Array;
}

/** The base hits of the queries one side claimed: (query, hits) pairs. */
export type MihJobHits = [query: number, hits: HammingHit[]][];

/** Resolves to `searchBase(job)`, run on another thread. */
export type MihOffload = (job: MihJob) => Promise<MihJobHits>;

export interface Plan {
  radii: Int32Array; // rho_i, -1 = piece not looked up
  bounds: Int32Array; // rho_i + rho_partner + 1: the largest d_i + d_partner an entry may have
  probes: number; // buckets looked up per query
  cost: number; // modelled nanoseconds per query
}

// Cost model in rough nanoseconds, fitted to src/cli/bench runs on a 2-core VM (Node 20): a bucket
// lookup, a posting entry scanned, an entry that passes the filter and is checked against the hash
// array (a random read), a slot of a linear scan.
const COST_PROBE = 60;
const COST_ENTRY = 3;
const COST_VERIFY = 100;
const COST_SCAN = 13;
const BUDGET_PER_HASH = 64;
const BUDGET_FLOOR = 64 << 20;
const MIN_OVERFLOW_LIMIT = 4096;
const MAX_OVERFLOW_LIMIT = 1 << 18;
const DEAD = 0x80000000 | 0;
/** Candidates in one query past which checking the stamp first pays (about 3x a 10 M query's). */
const MANY_CANDIDATES = 8192;
/** A `searchMany` is shared with the offload when its modelled cost passes this (ns): far above a message round trip. */
const OFFLOAD_ABOVE = 5_000_000;
/** Queries per claim of a shared batch (~0.5 ms at 1 M): the longest either side waits for the other at the end. */
const CLAIM = 8;

export class MultiIndexHashing implements HammingIndex {
  readonly words: number;
  private readonly fixedPieces: number | undefined;
  private readonly tuneRadius: number;
  private readonly scanWhenCheaper: boolean;
  private readonly offload: MihOffload | undefined;
  private readonly offloadAbove: number;
  private readonly defer: ((step: () => void) => void) | undefined;
  private readonly stepSlots: number;
  private shape!: Shape;

  private hashes: Uint32Array;
  private ids: Int32Array;
  private top = 0; // slots in use, live or dead
  private live = 0;
  private dead = 0;

  private baseCount = 0;
  private f = 0; // filter bits per posting entry
  private offsets: Uint32Array[] = [];
  private postings: Uint32Array[] = [];

  private ovSize = 0; // heads per piece, a power of two
  private ovHeads: Int32Array | null = null; // [piece * ovSize + (key & (ovSize - 1))] -> entry (slot - baseCount)
  private ovNodes: Int32Array | null = null; // [2 (entry * m + piece)] = next entry, [+1] = (key >>> log2(ovSize)) << 16 | filter
  private ovIds: Int32Array | null = null; // open addressing: live overflow slots, keyed by their id
  private ovIdCount = 0;

  private plans = new Map<number, Plan | null>();
  /** Plans by shape, radius and size class, across compactions (the cost model is slow to solve). */
  private planMemo = new Map<string, Plan>();
  /** A deferred compaction under way: its snapshot and its steps. */
  private building: { snap: Snapshot; steps: Generator<void, Built> } | null = null;
  private view: MihTables | null = null; // the tables as one object, until they change
  private readonly scratch = new Scratch();

  constructor(words = 8, options: MihOptions = {}) {
    if (!Number.isInteger(words) || words < 1) throw new RangeError(`words must be a positive integer, got ${words}`);
    const bits = words * 32;
    const m = options.substrings;
    if (m !== undefined && (!Number.isInteger(m) || m < 1 || Math.ceil(bits / m) > 24)) throw new RangeError(`substrings must make widths <= 24 bits, got ${m} for ${bits} bits`);
    this.words = words;
    this.fixedPieces = m;
    this.tuneRadius = options.tuneRadius ?? 31;
    this.scanWhenCheaper = options.scanWhenCheaper ?? true;
    this.offload = options.offload;
    this.offloadAbove = options.offloadAbove ?? OFFLOAD_ABOVE;
    this.defer = options.defer;
    this.stepSlots = options.stepSlots ?? 1 << 17;
    const cap = Math.max(16, options.capacity ?? 1024);
    this.hashes = this.u32(cap * words);
    this.ids = this.i32(cap);
    this.install(drive(this.build(this.snapshot(), Infinity, cap)));
  }

  /** Bulk load: one sort and one counting sort per piece instead of n incremental inserts. */
  static build(ids: ArrayLike<number>, hashes: Uint32Array, words = 8, options: MihOptions = {}): MultiIndexHashing {
    const index = new MultiIndexHashing(words, { ...options, capacity: Math.max(ids.length, options.capacity ?? 0) });
    index.addMany(ids, hashes);
    return index;
  }

  get count(): number {
    return this.live;
  }

  /** The number of pieces in use (it may change at a compaction unless fixed by the options). */
  get substrings(): number {
    return this.shape.m;
  }

  add(id: number, hash: Uint32Array): void {
    checkId(id);
    if (hash.length < this.words) throw new RangeError(`hash has ${hash.length} words, expected ${this.words}`);
    const old = this.findSlot(id);
    if (old >= 0) this.kill(old);
    const slot = this.append(id, hash);
    if (this.dueForCompaction() && !this.defer) return this.compact();
    this.indexOverflow(slot);
    this.compactWhenDue();
  }

  /** Adds `ids.length` hashes packed in `hashes` (`words` each; a later duplicate id wins). Large batches end in one compaction. */
  addMany(ids: ArrayLike<number>, hashes: Uint32Array): void {
    const n = ids.length;
    const w = this.words;
    if (hashes.length < n * w) throw new RangeError('hashes holds fewer than ids.length * words words');
    for (let i = 0; i < n; i++) checkId(ids[i]);
    // While serving (deferred compactions), a batch that is not a load goes through the overflow.
    if (n < this.overflowLimit() - (this.top - this.baseCount) || (this.defer && n < this.live)) {
      for (let i = 0; i < n; i++) this.add(ids[i], hashes.subarray(i * w, (i + 1) * w));
      return;
    }
    // Appended without indexing; compact() resolves replaced ids (the later slot wins) and indexes.
    this.ensureCapacity(this.top + n);
    this.hashes.set(hashes.subarray(0, n * w), this.top * w);
    for (let i = 0; i < n; i++) this.ids[this.top + i] = ids[i];
    this.top += n;
    this.compact();
  }

  remove(id: number): boolean {
    const slot = this.findSlot(id);
    if (slot < 0) return false;
    this.kill(slot);
    this.compactWhenDue();
    return true;
  }

  search(query: Uint32Array, maxDistance: number): HammingHit[] {
    if (query.length < this.words) throw new RangeError(`query has ${query.length} words, expected ${this.words}`);
    const r = Math.min(Math.floor(maxDistance), this.words * 32);
    if (!(r >= 0) || this.live === 0) return [];
    const plan = this.plan(r);
    if (!plan) return sortHits(this.scan(query, r));
    const hits: HammingHit[] = [];
    const t = this.tables();
    queryKeys(t, query, this.scratch);
    probeBase(t, plan, query, r, this.scratch, hits);
    if (this.ovHeads !== null) this.probeOverflow(query, r, plan, hits);
    return sortHits(hits);
  }

  /**
   * `search` for each query of a batch (`queries` holds `words` words per query), in order. With an
   * `offload`, a large batch is shared: the other thread and this one claim chunks of queries for
   * the base lookups until none are left (so a busy or slow thread just takes fewer), and this one
   * also looks up the overflow of all. Meanwhile the owner may add, remove and compact: a
   * compaction builds new arrays and growth copies into new ones, so the job reads a consistent
   * base as of the call, never out of bounds. A
   * hash removed meanwhile may still be reported, one added meanwhile may be missed, exactly as if
   * the call had come a moment earlier. Should the offload fail, this thread looks up the queries it
   * did not claim itself.
   */
  async searchMany(queries: Uint32Array, maxDistance: number): Promise<HammingHit[][]> {
    const w = this.words;
    if (queries.length % w !== 0) throw new RangeError(`queries holds ${queries.length} words, not a multiple of ${w}`);
    const count = queries.length / w;
    const query = (q: number) => queries.subarray(q * w, (q + 1) * w);
    const r = Math.min(Math.floor(maxDistance), w * 32);
    const plan = r >= 0 && this.live > 0 ? this.plan(r) : null;
    if (!plan || !this.offload || count < 2 || count * plan.cost < this.offloadAbove) return Array.from({ length: count }, (_, q) => this.search(query(q), maxDistance));
    const job: MihJob = { tables: this.tables(), plan, queries, maxDistance: r, next: new Int32Array(new SharedArrayBuffer(4)) };
    // Settled whatever happens here (a throw below must not leave it to reject unhandled). The
    // arrays the job reads are never rewritten: a compaction builds new ones, growth copies.
    const theirs = this.offload(job).then(
      (hits): MihJobHits | null => hits,
      () => null,
    );
    const hits: HammingHit[][] = Array.from({ length: count }, () => []);
    const mine = new Uint8Array(count);
    for (let claim; (claim = claimQueries(job)); ) {
      // Assigned, not spread into: a list can hold more hits than a call takes arguments.
      baseRange(job, claim[0], claim[1], this.scratch).forEach((list, i) => (hits[claim[0] + i] = list));
      mine.fill(1, claim[0], claim[1]);
    }
    if (this.ovHeads !== null) {
      for (let q = 0; q < count; q++) {
        queryKeys(job.tables, query(q), this.scratch);
        this.probeOverflow(query(q), r, plan, hits[q]);
      }
    }
    let other = await theirs;
    if (other === null) {
      other = [];
      for (let q = 0; q < count; q++) if (!mine[q]) other.push([q, baseRange(job, q, q + 1, this.scratch)[0]]);
    }
    for (const [q, list] of other) for (const hit of list) hits[q].push(hit);
    return hits.map(sortHits);
  }

  /** Drops dead slots, merges the overflow into the base in id order, and rebuilds the tables, at once. */
  compact(): void {
    // A compaction in steps under way is dropped: the current tables hold everything it would
    // have, and what came since. Its pending step finds it is no longer the one under way.
    this.building = null;
    this.install(drive(this.build(this.snapshot(), Infinity)));
  }

  /** Compacts if due: at once, or in steps with `defer`. */
  private compactWhenDue(): void {
    if (!this.dueForCompaction() || this.building) return;
    if (!this.defer) return this.compact();
    const snap = this.snapshot();
    const b = { snap, steps: this.build(snap, this.stepSlots) };
    this.building = b;
    this.defer(() => this.advance(b));
  }

  /** One step of a compaction in steps, unless another has replaced it (or compact() dropped it). */
  private advance(b: { snap: Snapshot; steps: Generator<void, Built> }): void {
    if (this.building !== b) return;
    const r = b.steps.next();
    if (r.done) this.finishBuilding(r.value);
    else this.defer!(() => this.advance(b));
  }

  /** Installs tables built in steps, then replays onto them what changed meanwhile. */
  private finishBuilding(built: Built): void {
    const { snap } = this.building!;
    this.building = null;
    const w = this.words;
    const hashes = this.hashes;
    const ids = this.ids;
    const top = this.top;
    this.install(built);
    // Removals (and replacements) of slots the snapshot held: their ids are in the new base.
    for (const id of snap.removed) {
      const s = this.findSlot(id);
      if (s >= 0) this.kill(s);
    }
    // Slots added since the snapshot, still live: into the new overflow.
    for (let s = snap.top; s < top; s++) {
      if (ids[s] < 0) continue;
      this.indexOverflow(this.append(ids[s], hashes.subarray(s * w, (s + 1) * w)));
    }
    this.compactWhenDue();
  }

  /** What a compaction builds from: the ids as they are now (copied), the hashes (never rewritten). */
  private snapshot(): Snapshot {
    return { ids: this.ids.slice(0, this.top), hashes: this.hashes, top: this.top, baseCount: this.baseCount, removed: [] };
  }

  /**
   * The new base from a snapshot: the live slots in id order, copied into new arrays, and one CSR
   * table per piece. Yields after about `step` slots of work, so it can run in steps.
   */
  private *build(snap: Snapshot, step: number, minCapacity = 16): Generator<void, Built> {
    const order = liveOrderOf(snap.ids, snap.top, snap.baseCount);
    const n = order.length;
    const w = this.words;
    // Room to grow, so the adds after a compaction do not copy everything again at once.
    const cap = Math.max(minCapacity, n + Math.max(1024, n >>> 3));
    const hashes = this.u32(cap * w);
    const ids = this.i32(cap);
    for (let i = 0; i < n; ) {
      for (const end = Math.min(n, i + step); i < end; i++) {
        const s = order[i];
        hashes.set(snap.hashes.subarray(s * w, (s + 1) * w), i * w);
        ids[i] = snap.ids[s];
      }
      if (i < n) yield;
    }
    const shape = this.fixedPieces ? shapeOf(w * 32, this.fixedPieces) : yield* this.chooseShape(w * 32, n);
    const f = filterBits(shape, n);
    // The plans of the radii asked for so far, solved now (a step each) rather than at the next query.
    for (const r of this.plans.keys()) {
      if (r < w * 32) this.planOf(shape, Math.max(1, n), f, r);
      yield;
    }
    const offsets: Uint32Array[] = [];
    const postings: Uint32Array[] = [];
    const keys = new Uint32Array(n);
    for (let j = 0; j < shape.m; j++) {
      yield;
      const start = shape.starts[j];
      const width = shape.widths[j];
      const off = this.u32((1 << width) + 1);
      for (let s = 0; s < n; ) {
        for (const end = Math.min(n, s + step); s < end; s++) {
          const k = extract(hashes, s * w, start, width);
          keys[s] = k;
          off[k + 1]++;
        }
        if (s < n) yield;
      }
      for (let k = 0; k < 1 << width; k++) off[k + 1] += off[k];
      const cursor = off.slice(0, 1 << width);
      const post = this.u32(n);
      for (let s = 0; s < n; ) {
        for (const end = Math.min(n, s + step); s < end; s++) post[cursor[keys[s]]++] = (s << f) | filterOfSlot(hashes, w, shape, f, s, j);
        if (s < n) yield;
      }
      offsets.push(off);
      postings.push(post);
    }
    return { hashes, ids, n, shape, f, offsets, postings };
  }

  /** The new base takes over: no overflow, no dead slots. */
  private install(b: Built): void {
    this.hashes = b.hashes;
    this.ids = b.ids;
    this.top = this.live = this.baseCount = b.n;
    this.dead = 0;
    this.shape = b.shape;
    this.f = b.f;
    this.offsets = b.offsets;
    this.postings = b.postings;
    this.ovHeads = this.ovNodes = this.ovIds = null;
    this.ovSize = this.ovIdCount = 0;
    this.plans.clear();
    this.view = null;
  }

  /** Bytes held by the index's typed arrays, and the part that is not the hashes themselves. */
  memory(): { totalBytes: number; hashBytes: number; overheadPerHash: number } {
    let total = this.hashes.byteLength + this.ids.byteLength;
    for (let j = 0; j < this.offsets.length; j++) total += this.offsets[j].byteLength + this.postings[j].byteLength;
    total += (this.ovHeads?.byteLength ?? 0) + (this.ovNodes?.byteLength ?? 0) + (this.ovIds?.byteLength ?? 0);
    // The search's one byte per slot (a helper thread holds another of its own).
    total += Math.max(this.scratch.seen.byteLength, this.hashes.length / this.words);
    const hashBytes = this.live * this.words * 4;
    return { totalBytes: total, hashBytes, overheadPerHash: this.live ? (total - hashBytes) / this.live : 0 };
  }

  // --- search ---

  private probeOverflow(query: Uint32Array, r: number, plan: Plan, hits: HammingHit[]): void {
    const m = this.shape.m;
    const w = this.words;
    const h = this.hashes;
    const ids = this.ids;
    const heads = this.ovHeads!;
    const nodes = this.ovNodes!;
    const ovMask = this.ovSize - 1;
    const ovBits = 31 - Math.clz32(this.ovSize);
    const stamp = this.scratch.begin(h.length / w);
    const seen = this.scratch.seen;
    for (let j = 0; j < m; j++) {
      if (plan.radii[j] < 0) continue;
      const { masks, pops } = ballOf(this.shape.widths[j], plan.radii[j]);
      const fmask = this.shape.partner[j] >= 0 ? (1 << this.f) - 1 : 0;
      const qf = this.scratch.qfilter[j];
      for (let t = 0; t < masks.length; t++) {
        const k = this.scratch.qkeys[j] ^ masks[t];
        const limit = plan.bounds[j] - pops[t];
        for (let x = heads[j * this.ovSize + (k & ovMask)]; x >= 0; x = nodes[2 * (x * m + j)]) {
          const info = nodes[2 * (x * m + j) + 1];
          if (info >>> 16 !== k >>> ovBits || POP16[(info ^ qf) & fmask] > limit) continue;
          const slot = this.baseCount + x;
          if (ids[slot] < 0 || seen[slot] === stamp) continue;
          const d = distance(h, slot * w, query, w, r);
          if (d <= r) {
            seen[slot] = stamp;
            hits.push({ id: ids[slot], distance: d });
          }
        }
      }
    }
  }

  private scan(query: Uint32Array, r: number): HammingHit[] {
    const w = this.words;
    const hits: HammingHit[] = [];
    for (let s = 0; s < this.top; s++) {
      if (this.ids[s] < 0) continue;
      const d = distance(this.hashes, s * w, query, w, r);
      if (d <= r) hits.push({ id: this.ids[s], distance: d });
    }
    return hits;
  }

  /** The cheapest plan for radius r (see `planFor`), or null when a scan is cheaper. Cached per r until the next compaction. */
  private plan(r: number): Plan | null {
    const cached = this.plans.get(r);
    if (cached !== undefined) return cached;
    const n = Math.max(1, this.top);
    const best = r < this.words * 32 ? this.planOf(this.shape, n, this.f, r) : null;
    const plan = best && (!this.scanWhenCheaper || best.cost <= n * COST_SCAN) ? best : null;
    this.plans.set(r, plan);
    return plan;
  }

  /**
   * planFor, remembered per shape, filter, radius and size class (a quarter octave of n): the cost
   * model's optimum moves little within a class, and solving it costs milliseconds.
   */
  private planOf(shape: Shape, n: number, f: number, r: number): Plan {
    const cls = Math.round(4 * Math.log2(Math.max(1, n)));
    const key = `${shape.m}/${shape.widths.join(',')}/${f}/${r}/${cls}`;
    let plan = this.planMemo.get(key);
    if (!plan) {
      plan = planFor(shape, Math.round(2 ** (cls / 4)), f, r);
      this.planMemo.set(key, plan);
    }
    return plan;
  }

  /**
   * Among even piece counts with widths 12..24 bits: the fastest that fits the memory budget, else
   * the smallest. A step per candidate (solving a candidate's plan takes milliseconds).
   */
  private *chooseShape(bits: number, n: number): Generator<void, Shape> {
    let fastest: [Shape, number] | null = null;
    let smallest: [Shape, number] | null = null;
    const r = Math.min(this.tuneRadius, bits - 1);
    for (let m = 2 * Math.ceil(bits / 48); m <= Math.floor(bits / 12); m += 2) {
      const shape = shapeOf(bits, m);
      let bytes = 4 * (m + 1) * n; // postings and ids
      for (let i = 0; i < m; i++) bytes += 4 * 2 ** shape.widths[i]; // offsets
      const cost = this.planOf(shape, Math.max(1, n), filterBits(shape, n), r).cost;
      if (bytes <= Math.max(BUDGET_PER_HASH * n, BUDGET_FLOOR) && (!fastest || cost < fastest[1])) fastest = [shape, cost];
      if (!smallest || bytes < smallest[1]) smallest = [shape, bytes];
      yield;
    }
    return (fastest ?? smallest ?? [shapeOf(bits, Math.max(1, Math.ceil(bits / 16)))])[0];
  }

  // --- slots and ids ---

  private append(id: number, hash: Uint32Array): number {
    this.ensureCapacity(this.top + 1);
    const slot = this.top++;
    this.hashes.set(hash.subarray(0, this.words), slot * this.words);
    this.ids[slot] = id;
    this.live++;
    this.ovIdInsert(slot);
    return slot;
  }

  private kill(slot: number): void {
    if (this.building && slot < this.building.snap.top) this.building.snap.removed.push(this.ids[slot]);
    if (slot >= this.baseCount) this.ovIdDelete(this.ids[slot]);
    this.ids[slot] |= DEAD;
    this.live--;
    this.dead++;
  }

  /** The live slot holding `id`, or -1: the overflow's id table, then a binary search of the base. */
  private findSlot(id: number): number {
    if (this.ovIds !== null) {
      const at = this.ovIdFind(id);
      if (at >= 0) return this.ovIds[at];
    }
    let lo = 0;
    let hi = this.baseCount - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = this.ids[mid] & 0x7fffffff;
      if (v < id) lo = mid + 1;
      else if (v > id) hi = mid - 1;
      else return this.ids[mid] >= 0 ? mid : -1;
    }
    return -1;
  }

  private ensureCapacity(slots: number): void {
    if (slots <= this.ids.length) return;
    const cap = Math.max(slots, this.ids.length + Math.max(1024, this.ids.length >>> 3));
    const hashes = this.u32(cap * this.words);
    hashes.set(this.hashes.subarray(0, this.top * this.words));
    const ids = this.i32(cap);
    ids.set(this.ids.subarray(0, this.top));
    this.hashes = hashes;
    this.ids = ids;
    this.view = null;
  }

  /** The tables as one object (what `probeBase` and an offloaded job read). */
  private tables(): MihTables {
    return (this.view ??= { words: this.words, shape: this.shape, f: this.f, baseCount: this.baseCount, hashes: this.hashes, ids: this.ids, offsets: this.offsets, postings: this.postings });
  }

  private u32(n: number): Uint32Array {
    return this.offload ? new Uint32Array(new SharedArrayBuffer(4 * n)) : new Uint32Array(n);
  }

  private i32(n: number): Int32Array {
    return this.offload ? new Int32Array(new SharedArrayBuffer(4 * n)) : new Int32Array(n);
  }

  private ovIdFind(id: number): number {
    const t = this.ovIds!;
    const mask = t.length - 1;
    for (let i = idHome(id, t.length); ; i = (i + 1) & mask) {
      if (t[i] < 0) return -1;
      if (this.ids[t[i]] === id) return i;
    }
  }

  private ovIdInsert(slot: number): void {
    if (this.ovIds === null || (this.ovIdCount + 1) * 10 > this.ovIds.length * 7) {
      let size = 64;
      while ((this.ovIdCount + 1) * 10 > size * 7) size *= 2;
      this.ovIds = new Int32Array(size).fill(-1);
      this.ovIdCount = 0;
      for (let s = this.baseCount; s < this.top; s++) if (s !== slot && this.ids[s] >= 0) this.ovIdInsert(s);
    }
    const t = this.ovIds;
    const mask = t.length - 1;
    let i = idHome(this.ids[slot], t.length);
    while (t[i] >= 0) i = (i + 1) & mask;
    t[i] = slot;
    this.ovIdCount++;
  }

  /** Backward-shift deletion keeps linear probing free of tombstones. */
  private ovIdDelete(id: number): void {
    const t = this.ovIds!;
    const mask = t.length - 1;
    let hole = this.ovIdFind(id);
    t[hole] = -1;
    this.ovIdCount--;
    for (let j = (hole + 1) & mask; t[j] >= 0; j = (j + 1) & mask) {
      const home = idHome(this.ids[t[j]], t.length);
      // the entry at j may move into the hole unless its home lies cyclically in (hole, j]
      if (hole <= j ? home > hole && home <= j : home > hole || home <= j) continue;
      t[hole] = t[j];
      t[j] = -1;
      hole = j;
    }
  }

  // --- overflow ---

  private indexOverflow(slot: number): void {
    if (slot - this.baseCount + 1 > this.ovSize) {
      this.ovSize = Math.max(256, this.ovSize * 2);
      this.ovHeads = new Int32Array(this.ovSize * this.shape.m).fill(-1);
      this.ovNodes = new Int32Array(2 * this.ovSize * this.shape.m);
      for (let s = this.baseCount; s < slot; s++) this.linkOverflow(s);
    }
    this.linkOverflow(slot);
  }

  private linkOverflow(slot: number): void {
    const m = this.shape.m;
    const x = slot - this.baseCount;
    const mask = this.ovSize - 1;
    const bits = 31 - Math.clz32(this.ovSize); // >= 8, so key >>> bits fits 16 bits
    for (let j = 0; j < m; j++) {
      const key = extract(this.hashes, slot * this.words, this.shape.starts[j], this.shape.widths[j]);
      const head = j * this.ovSize + (key & mask);
      this.ovNodes![2 * (x * m + j)] = this.ovHeads![head];
      this.ovNodes![2 * (x * m + j) + 1] = ((key >>> bits) << 16) | filterOfSlot(this.hashes, this.words, this.shape, this.f, slot, j);
      this.ovHeads![head] = x;
    }
  }

  private overflowLimit(): number {
    return Math.min(MAX_OVERFLOW_LIMIT, Math.max(MIN_OVERFLOW_LIMIT, this.baseCount >>> 4));
  }

  private dueForCompaction(): boolean {
    return this.top - this.baseCount > this.overflowLimit() || this.dead > Math.max(MIN_OVERFLOW_LIMIT, this.live >>> 3);
  }
}

export interface Shape {
  m: number;
  starts: Int32Array; // first bit of each piece (bit 0 = most significant bit of word 0)
  widths: Int32Array;
  partner: Int32Array; // pieces 2i and 2i+1 pair up; an odd last piece has none (-1)
}

// --- search of the base (module functions: another thread runs them on shared tables) ---

/** Buffers a search reuses (one set per index, or per job on another thread). */
class Scratch {
  rangeLo = new Uint32Array(0); // bucket ranges of every probe
  rangeHi = new Uint32Array(0);
  candSlot = new Int32Array(1024); // entries that pass the filter...
  candPiece = new Uint8Array(1024); // ...and the piece that found them
  qkeys = new Int32Array(0); // the query's pieces
  qfilter = new Int32Array(0); // the query's filter value for each piece
  sink = 0;
  /** Per slot, the stamp of the last check of it: each slot's distance is computed once a query. */
  seen = new Uint8Array(0);
  private stamp = 0;

  /** A fresh stamp for one query's checks over `slots` slots (the array is cleared once in 255 queries). */
  begin(slots: number): number {
    if (this.seen.length < slots) {
      this.seen = new Uint8Array(Math.max(slots, this.seen.length * 2));
      this.stamp = 0;
    }
    if (++this.stamp === 256) {
      this.seen.fill(0);
      this.stamp = 1;
    }
    return this.stamp;
  }

  growCands(): void {
    const slots = new Int32Array(this.candSlot.length * 2);
    slots.set(this.candSlot);
    const pieces = new Uint8Array(slots.length);
    pieces.set(this.candPiece);
    this.candSlot = slots;
    this.candPiece = pieces;
  }
}

/** The scratch of the thread running `searchBase` (one per thread: each has its own module instance). */
let threadScratch: Scratch | undefined;

/** What an offload runs on the other thread: claims chunks of the job's queries until none are left, and returns their base hits (unsorted). */
export function searchBase(job: MihJob): MihJobHits {
  const s = (threadScratch ??= new Scratch());
  const out: MihJobHits = [];
  for (let claim; (claim = claimQueries(job)); ) baseRange(job, claim[0], claim[1], s).forEach((hits, i) => out.push([claim[0] + i, hits]));
  return out;
}

/** The next chunk [from, to) of the job's queries for the caller, or null when all are claimed. */
export function claimQueries(job: MihJob): [number, number] | null {
  const count = job.queries.length / job.tables.words;
  const from = Atomics.add(job.next, 0, CLAIM);
  return from < count ? [from, Math.min(count, from + CLAIM)] : null;
}

/** The base hits of queries [from, to) of a job (claimed by the caller), unsorted. */
export function searchBaseRange(job: MihJob, from: number, to: number): HammingHit[][] {
  return baseRange(job, from, to, new Scratch());
}

function baseRange(job: MihJob, from: number, to: number, s: Scratch): HammingHit[][] {
  const { tables, plan, queries, maxDistance } = job;
  const w = tables.words;
  const out: HammingHit[][] = [];
  for (let q = from; q < to; q++) {
    const query = queries.subarray(q * w, (q + 1) * w);
    const hits: HammingHit[] = [];
    queryKeys(tables, query, s);
    probeBase(tables, plan, query, maxDistance, s, hits);
    out.push(hits);
  }
  return out;
}

/** The query's piece keys and filter values, into the scratch. */
function queryKeys(t: MihTables, query: Uint32Array, s: Scratch): void {
  const { m, starts, widths } = t.shape;
  if (s.qkeys.length !== m) [s.qkeys, s.qfilter] = [new Int32Array(m), new Int32Array(m)];
  for (let j = 0; j < m; j++) s.qkeys[j] = extract(query, 0, starts[j], widths[j]);
  for (let j = 0; j < m; j++) s.qfilter[j] = filterOf(t.shape, t.f, s.qkeys, j);
}

/**
 * The hits in the base (after `queryKeys`). Four passes, so that the random reads of each pass are
 * independent of each other and overlap in the memory system instead of queueing behind a
 * mispredicted loop exit: bucket ranges, a touch of each bucket's first and last entry (a software
 * prefetch of the one or two cache lines a bucket of ~15 entries spans: ~15 % faster at 1 M than
 * the first alone), the filtered scan, the full check.
 */
function probeBase(t: MihTables, plan: Plan, query: Uint32Array, r: number, s: Scratch, hits: HammingHit[]): void {
  const { m, widths, partner } = t.shape;
  const w = t.words;
  const h = t.hashes;
  const ids = t.ids;
  const f = t.f;
  const { radii, bounds } = plan;
  const qkeys = s.qkeys;
  const qfilter = s.qfilter;
  if (s.rangeLo.length < plan.probes) {
    s.rangeLo = new Uint32Array(plan.probes);
    s.rangeHi = new Uint32Array(plan.probes);
  }
  const lo = s.rangeLo;
  const hi = s.rangeHi;
  let n = 0;
  for (let j = 0; j < m; j++) {
    if (radii[j] < 0) continue;
    const masks = ballOf(widths[j], radii[j]).masks;
    const off = t.offsets[j];
    const qk = qkeys[j];
    for (let i = 0; i < masks.length; i++, n++) {
      const k = qk ^ masks[i];
      lo[n] = off[k];
      hi[n] = off[k + 1];
    }
  }
  let sink = 0;
  n = 0;
  for (let j = 0; j < m; j++) {
    if (radii[j] < 0) continue;
    const post = t.postings[j];
    for (let i = 0, size = ballOf(widths[j], radii[j]).masks.length; i < size; i++, n++) if (lo[n] < hi[n]) sink ^= post[lo[n]] ^ post[hi[n] - 1];
  }
  let candSlot = s.candSlot;
  let candPiece = s.candPiece;
  let nc = 0;
  n = 0;
  for (let j = 0; j < m; j++) {
    if (radii[j] < 0) continue;
    const pops = ballOf(widths[j], radii[j]).pops;
    const qf = qfilter[j];
    const fmask = partner[j] >= 0 ? (1 << f) - 1 : 0;
    const bound = bounds[j];
    const post = t.postings[j];
    for (let i = 0; i < pops.length; i++, n++) {
      const limit = bound - pops[i];
      for (let p = lo[n], end = hi[n]; p < end; p++) {
        const e = post[p];
        if (POP16[(e ^ qf) & fmask] > limit) continue;
        if (nc === candSlot.length) {
          s.growCands();
          [candSlot, candPiece] = [s.candSlot, s.candPiece];
        }
        candSlot[nc] = e >>> f;
        candPiece[nc++] = j;
      }
    }
  }
  for (let c = 0; c < nc; c++) sink ^= h[candSlot[c] * w];
  s.sink = sink;
  // A slot found through several pieces is checked and reported once. Usually few candidates are
  // hits, and only hits touch the stamps (a second random read per candidate costs ~15 % at 10 M).
  // Many candidates mean near-duplicates passing most pieces (a still scene's frames): then every
  // candidate is stamped first, so each slot's distance is computed once.
  const stamp = s.begin(h.length / w);
  const seen = s.seen;
  if (nc > MANY_CANDIDATES) {
    for (let c = 0; c < nc; c++) {
      const slot = candSlot[c];
      if (seen[slot] === stamp) continue;
      seen[slot] = stamp;
      const d = distance(h, slot * w, query, w, r);
      if (d <= r && ids[slot] >= 0) hits.push({ id: ids[slot], distance: d });
    }
    return;
  }
  for (let c = 0; c < nc; c++) {
    const slot = candSlot[c];
    const d = distance(h, slot * w, query, w, r);
    if (d <= r && ids[slot] >= 0 && seen[slot] !== stamp) {
      seen[slot] = stamp;
      hits.push({ id: ids[slot], distance: d });
    }
  }
}

/** The top f bits of piece j's partner, from the keys of all pieces. */
function filterOf(shape: Shape, f: number, keys: Int32Array, j: number): number {
  const p = shape.partner[j];
  return p < 0 ? 0 : keys[p] >>> (shape.widths[p] - f);
}

/** The same from a stored hash. */
function filterOfSlot(hashes: Uint32Array, words: number, shape: Shape, f: number, slot: number, j: number): number {
  const p = shape.partner[j];
  return p < 0 ? 0 : extract(hashes, slot * words, shape.starts[p], shape.widths[p]) >>> (shape.widths[p] - f);
}

// --- layout and cost model ---

function shapeOf(bits: number, m: number): Shape {
  const shape = { m, starts: new Int32Array(m), widths: new Int32Array(m), partner: new Int32Array(m) };
  for (let i = 0, at = 0; i < m; i++) {
    shape.widths[i] = Math.floor(bits / m) + (i < bits % m ? 1 : 0);
    shape.starts[i] = at;
    at += shape.widths[i];
    shape.partner[i] = (i ^ 1) < m ? i ^ 1 : -1;
  }
  return shape;
}

/** Filter bits per posting entry: what a 32-bit entry has left beside the slot number, at most a piece. */
function filterBits(shape: Shape, slots: number): number {
  const slotBits = Math.max(1, 32 - Math.clz32(Math.max(1, slots - 1)));
  return Math.max(0, Math.min(16, ...shape.widths, 32 - slotBits));
}

/**
 * Radii for every piece: the cheapest under the cost model such that sum(rho_i + 1) > r. Units are
 * spent per pair (a pair with radii a, b takes a + b + 2 units and gets the bound a + b + 1), by
 * dynamic programming over pairs, because the filter couples the two radii of a pair.
 */
function planFor(shape: Shape, n: number, f: number, r: number): Plan {
  const need = r + 1;
  const groups: [number, number][] = [];
  for (let i = 0; i < shape.m; i += 2) groups.push([i, shape.partner[i]]);
  let dp = new Float64Array(need + 1).fill(Infinity);
  dp[0] = 0;
  const choices: Int32Array[] = []; // per group, per units reached: (units before, a, b), packed
  const cost = pieceCosts(n, f);
  for (const [a, b] of groups) {
    const wa = shape.widths[a];
    const wb = b >= 0 ? shape.widths[b] : -1;
    const opt = new Float64Array(need + 1).fill(Infinity);
    const optRadii = new Int32Array(need + 1);
    for (let ra = -1; ra <= Math.min(wa, need - 1); ra++) {
      for (let rb = -1; rb <= Math.min(wb, need - 1); rb++) {
        const units = Math.min(need, ra + rb + 2);
        const bound = ra + rb + 1;
        const c = b >= 0 ? cost(wa, ra, bound) + cost(wb, rb, bound) : pieceCostUnfiltered(wa, ra, n);
        if (c < opt[units]) [opt[units], optRadii[units]] = [c, (ra + 1) * 64 + (rb + 1)];
      }
    }
    const next = new Float64Array(need + 1).fill(Infinity);
    const choice = new Int32Array(need + 1);
    for (let u0 = 0; u0 <= need; u0++) {
      if (dp[u0] === Infinity) continue;
      for (let u = 0; u <= need; u++) {
        const nu = Math.min(need, u0 + u);
        if (dp[u0] + opt[u] < next[nu]) [next[nu], choice[nu]] = [dp[u0] + opt[u], u0 * 4096 + optRadii[u]];
      }
    }
    dp = next;
    choices.push(choice);
  }
  const radii = new Int32Array(shape.m).fill(-1);
  const bounds = new Int32Array(shape.m).fill(-1);
  for (let g = groups.length - 1, u = need; g >= 0; g--) {
    const c = choices[g][u];
    const [a, b] = groups[g];
    radii[a] = ((c >>> 6) & 63) - 1;
    if (b >= 0) radii[b] = (c & 63) - 1;
    bounds[a] = radii[a] + (b >= 0 ? radii[b] + 1 : 0);
    if (b >= 0) bounds[b] = bounds[a];
    u = c >>> 12;
  }
  let probes = 0;
  for (let i = 0; i < shape.m; i++) if (radii[i] >= 0) probes += ballOf(shape.widths[i], radii[i]).masks.length;
  return { radii, bounds, probes, cost: dp[need] };
}

/**
 * Modelled cost of looking up one piece of `width` bits at radius rho, its entries kept while
 * d_piece + d_filter <= bound: sum over k <= rho of C(width, k) probes, each scanning the bucket's
 * entries and verifying those the f-bit filter lets through. The binomials and the filter's CDF
 * are tabulated once per plan (the solver asks for thousands of (width, rho, bound) triples).
 */
function pieceCosts(n: number, f: number): (width: number, rho: number, bound: number) => number {
  const cdf = new Float64Array(f + 1);
  for (let x = 0; x <= f; x++) cdf[x] = binomialCdf(f, x);
  const binoms = new Map<number, Float64Array>();
  const memo = new Map<number, number>();
  return (width, rho, bound) => {
    const key = (width * 128 + rho + 1) * 256 + bound + 128;
    let c = memo.get(key);
    if (c !== undefined) return c;
    let b = binoms.get(width);
    if (!b) binoms.set(width, (b = Float64Array.from({ length: width + 1 }, (_, k) => binomial(width, k))));
    const occupancy = n / 2 ** width;
    c = 0;
    for (let k = 0; k <= rho; k++) {
      const x = bound - k;
      c += b[k] * (COST_PROBE + occupancy * (COST_ENTRY + COST_VERIFY * (x < 0 ? 0 : x >= f ? 1 : cdf[x])));
    }
    memo.set(key, c);
    return c;
  };
}

/** The cost of an unpaired piece: no filter, every entry of a probed bucket verified. */
function pieceCostUnfiltered(width: number, rho: number, n: number): number {
  const occupancy = n / 2 ** width;
  let c = 0;
  for (let k = 0; k <= rho; k++) c += binomial(width, k) * (COST_PROBE + occupancy * (COST_ENTRY + COST_VERIFY));
  return c;
}

/** P(Binomial(f, 1/2) <= x): the share of random entries an f-bit filter lets through. */
function binomialCdf(f: number, x: number): number {
  if (x < 0) return 0;
  if (x >= f) return 1;
  let s = 0;
  for (let i = 0; i <= x; i++) s += binomial(f, i);
  return s / 2 ** f;
}

function checkId(id: number): void {
  if (!Number.isInteger(id) || id < 0 || id > 0x7fffffff) throw new RangeError(`id must be an integer in [0, 2^31), got ${id}`);
}

/**
 * Old slot numbers of the live hashes in id order. The base (slots below baseCount) is sorted
 * already; the overflow is sorted (stable, so the last of equal ids wins: that is how addMany
 * replaces) and merged in.
 */
function liveOrderOf(ids: Int32Array, top: number, baseCount: number): Int32Array {
  let ov: Int32Array = new Int32Array(top - baseCount);
  let k = 0;
  for (let s = baseCount; s < top; s++) if (ids[s] >= 0) ov[k++] = s;
  ov = sortSlotsById(ov.subarray(0, k), ids);
  let u = 0; // keep the last of each run of equal ids
  for (let i = 0; i < ov.length; i++) if (i + 1 === ov.length || ids[ov[i + 1]] !== ids[ov[i]]) ov[u++] = ov[i];
  ov = ov.subarray(0, u);
  const order = new Int32Array(baseCount + ov.length);
  let n = 0;
  let o = 0;
  for (let s = 0; s < baseCount; s++) {
    if (ids[s] < 0) continue;
    while (o < ov.length && ids[ov[o]] < ids[s]) order[n++] = ov[o++];
    if (o < ov.length && ids[ov[o]] === ids[s]) continue; // replaced by a later add
    order[n++] = s;
  }
  while (o < ov.length) order[n++] = ov[o++];
  return order.subarray(0, n);
}

/** Runs a generator of steps to its end. */
function drive<T>(steps: Generator<void, T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/** Fibonacci hashing: the top log2(size) bits of id * 2^32 / phi. */
function idHome(id: number, size: number): number {
  return Math.imul(id, 0x9e3779b1) >>> (Math.clz32(size) + 1);
}

/** Stable sort of slot numbers by id: two 16-bit LSD radix passes, skipped when already sorted. */
function sortSlotsById(slots: Int32Array, ids: Int32Array): Int32Array {
  let sorted = true;
  for (let i = 1; i < slots.length && sorted; i++) sorted = ids[slots[i - 1]] <= ids[slots[i]];
  if (sorted) return slots;
  let from: Int32Array = slots;
  let to: Int32Array = new Int32Array(slots.length);
  for (const shift of [0, 16]) {
    const count = new Int32Array(65537);
    for (let i = 0; i < from.length; i++) count[((ids[from[i]] >>> shift) & 0xffff) + 1]++;
    for (let d = 0; d < 65536; d++) count[d + 1] += count[d];
    for (let i = 0; i < from.length; i++) to[count[(ids[from[i]] >>> shift) & 0xffff]++] = from[i];
    [from, to] = [to, from];
  }
  return from;
}

/** `width` bits of the hash starting at bit `start` (bit 0 = most significant bit of word 0). */
function extract(h: ArrayLike<number>, off: number, start: number, width: number): number {
  const wi = off + (start >>> 5);
  const s = start & 31;
  const head = (h[wi] << s) >>> (32 - width);
  return s + width <= 32 ? head : head | (h[wi + 1] >>> (64 - s - width));
}

/** Full distance, or some value > r as soon as the running sum passes r. */
function distance(h: Uint32Array, off: number, q: Uint32Array, w: number, r: number): number {
  let d = 0;
  for (let i = 0; i < w; i++) {
    d += pop(h[off + i] ^ q[i]);
    if (d > r) return d;
  }
  return d;
}

const POP16 = new Uint8Array(65536);
for (let i = 1; i < 65536; i++) POP16[i] = (i & 1) + POP16[i >>> 1];

function pop(x: number): number {
  return POP16[x & 0xffff] + POP16[x >>> 16];
}

function binomial(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
  return Math.round(c);
}

interface Ball {
  masks: Uint32Array; // every width-bit mask of at most `radius` set bits...
  pops: Uint8Array; // ...and its popcount
}
const balls = new Map<number, Ball>();

function ballOf(width: number, radius: number): Ball {
  const key = width * 64 + radius;
  let ball = balls.get(key);
  if (ball) return ball;
  let size = 0;
  for (let k = 0; k <= radius; k++) size += binomial(width, k);
  const masks = new Uint32Array(size);
  const pops = new Uint8Array(size);
  let n = 1; // masks[0] = 0
  for (let k = 1; k <= radius; k++) {
    // Gosper's hack: successive k-bit combinations below 2^width
    for (let c = 2 ** k - 1; c < 2 ** width; ) {
      pops[n] = k;
      masks[n++] = c;
      const u = c & -c;
      const v = c + u;
      c = v + (((v ^ c) / u) >>> 2);
    }
  }
  ball = { masks, pops };
  balls.set(key, ball);
  return ball;
}
