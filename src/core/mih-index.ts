/**
 * Exact multi-index hashing (Norouzi, Punjani & Fleet, "Fast search in Hamming space with
 * multi-index hashing", CVPR 2012) over packed 32-bit words: the in-memory index of DESIGN §9.
 *
 * Each hash is cut into m contiguous substrings. Pigeonhole, generalised: if every substring i of a
 * stored hash differed from the query's in more than rho_i bits, the whole hash would differ in at
 * least sum(rho_i + 1) bits. So when sum(rho_i + 1) > r, every hash within r has some substring i
 * within rho_i of the query's substring i, and looking up every bucket within rho_i of each query
 * substring, then checking the full distance, finds exactly the hashes within r. rho_i = -1 skips a
 * substring. The rho_i are spread greedily by estimated cost (see `plan`); with 16 substrings of 16
 * bits at r = 31 that is the textbook rho_i = 1 everywhere (17 probes per substring).
 *
 * Layout (typed arrays only):
 * - slots: `hashes` (words per slot) and `ids` (-1 = removed or replaced; the slot is dead).
 * - id -> slot: an open-addressing table of slot numbers (linear probing, backward-shift delete);
 *   the key is read back through `ids`, so the table costs 4 bytes per entry.
 * - base: slots below `baseCount` are in one CSR table per substring: `offsets` (2^b + 1) and the
 *   slot numbers sorted by key, packed little-endian in 3 bytes (4 once the index passes 2^24
 *   slots): at 10 M hashes the posting lists are most of the memory, so the 4th byte matters.
 * - overflow: slots added since the last compaction are chained per substring (`ovHeads`, `ovNext`).
 * - `compact()` drops dead slots and rebuilds the CSR tables (counting sort); it runs by itself when
 *   the overflow or the dead slots grow past a fraction of the index.
 *
 * Duplicates: a hash can sit in the probed buckets of several substrings. Rather than a seen-set,
 * a hit found through substring j is dropped when some earlier probed substring i is within rho_i,
 * because substring i's lookup has then reported it already. Only hits pay for this check.
 *
 * Large radii: when the estimated probe cost passes the cost of a linear scan (at r >= ~55 with 16
 * substrings at 1 M hashes), `search` scans the slots instead; the answer is the same.
 */
import { sortHits, type HammingHit, type HammingIndex } from './hamming-index';

export interface MihOptions {
  /** Number of substrings (default 16, i.e. 16 bits each for 256-bit hashes). Widths must stay <= 24 bits. */
  substrings?: number;
  /** Initial slot capacity. */
  capacity?: number;
  /** Scan when probing would cost more (default true). Tests turn it off to exercise the probes at every radius. */
  scanWhenCheaper?: boolean;
}

/** Cost model, in rough nanoseconds on Node 20 (measured by src/cli/bench): */
const COST_PROBE = 12; // one bucket lookup (offsets + overflow head)
const COST_CANDIDATE = 8; // one candidate read and verified (random access)
const COST_SCAN = 2.5; // one slot of a linear scan (sequential, early exit)
const MIN_OVERFLOW_LIMIT = 4096;
const MAX_OVERFLOW_LIMIT = 1 << 18;

export class MultiIndexHashing implements HammingIndex {
  readonly words: number;
  readonly substrings: number;
  private readonly starts: Int32Array; // first bit of each substring (bit 0 = MSB of word 0)
  private readonly widths: Int32Array;

  private hashes: Uint32Array;
  private ids: Int32Array;
  private top = 0; // slots in use, live or dead
  private live = 0;
  private dead = 0;

  private idTable: Int32Array = new Int32Array(16).fill(-1);
  private idShift = 28; // 32 - log2(idTable.length)

  private baseCount = 0;
  private offsets: Uint32Array[] = [];
  private postings: Uint8Array[] = [];
  private stride = 3; // bytes per posting

  private ovHeads: Int32Array | null = null; // [substring * ovSize + (key & (ovSize - 1))] -> overflow entry
  private ovNext: Int32Array | null = null; // [entry * m + substring] -> next entry; entry = slot - baseCount
  private ovSize = 0;

  private plans = new Map<number, Int32Array | null>();
  private readonly qkeys: Int32Array;
  private readonly scanWhenCheaper: boolean;

  constructor(words = 8, options: MihOptions = {}) {
    const bits = words * 32;
    const m = options.substrings ?? Math.max(1, Math.ceil(bits / 16));
    if (!Number.isInteger(m) || m < 1 || Math.ceil(bits / m) > 24) throw new RangeError(`substrings must make widths <= 24 bits, got ${m} for ${bits} bits`);
    this.words = words;
    this.substrings = m;
    this.starts = new Int32Array(m);
    this.widths = new Int32Array(m);
    for (let i = 0, at = 0; i < m; i++) {
      this.widths[i] = Math.floor(bits / m) + (i < bits % m ? 1 : 0);
      this.starts[i] = at;
      at += this.widths[i];
    }
    this.qkeys = new Int32Array(m);
    this.scanWhenCheaper = options.scanWhenCheaper ?? true;
    const cap = Math.max(16, options.capacity ?? 1024);
    this.hashes = new Uint32Array(cap * words);
    this.ids = new Int32Array(cap);
    this.rebuildTables();
  }

  /** Bulk load: one counting sort per substring instead of n incremental inserts. */
  static build(ids: ArrayLike<number>, hashes: Uint32Array, words = 8, options: MihOptions = {}): MultiIndexHashing {
    const index = new MultiIndexHashing(words, { ...options, capacity: Math.max(ids.length, options.capacity ?? 0) });
    index.addMany(ids, hashes);
    return index;
  }

  get count(): number {
    return this.live;
  }

  add(id: number, hash: Uint32Array): void {
    checkId(id);
    const slot = this.append(id, hash);
    this.indexOverflow(slot);
    this.maybeCompact();
  }

  /** Adds `ids.length` hashes packed in `hashes` (words each). Large batches end in one compaction. */
  addMany(ids: ArrayLike<number>, hashes: Uint32Array): void {
    const n = ids.length;
    if (hashes.length < n * this.words) throw new RangeError('hashes holds fewer than ids.length * words words');
    if (n < this.overflowLimit() - (this.top - this.baseCount)) {
      for (let i = 0; i < n; i++) this.add(ids[i], hashes.subarray(i * this.words, (i + 1) * this.words));
      return;
    }
    this.ensureCapacity(this.top + n);
    for (let i = 0; i < n; i++) checkId(ids[i]);
    for (let i = 0; i < n; i++) this.append(ids[i], hashes.subarray(i * this.words, (i + 1) * this.words));
    this.compact();
  }

  remove(id: number): boolean {
    const at = this.findId(id);
    if (at < 0) return false;
    this.ids[this.idTable[at]] = -1;
    this.deleteIdAt(at);
    this.live--;
    this.dead++;
    this.maybeCompact();
    return true;
  }

  search(query: Uint32Array, maxDistance: number): HammingHit[] {
    if (query.length < this.words) throw new RangeError(`query has ${query.length} words, expected ${this.words}`);
    const r = Math.min(Math.floor(maxDistance), this.words * 32);
    if (!(r >= 0) || this.live === 0) return [];
    const radii = this.plan(r);
    return sortHits(radii ? this.probe(query, r, radii) : this.scan(query, r));
  }

  /** Drops dead slots and rebuilds the CSR tables over every slot. */
  compact(): void {
    const w = this.words;
    const h = this.hashes;
    const ids = this.ids;
    let to = 0;
    for (let s = 0; s < this.top; s++) {
      if (ids[s] < 0) continue;
      if (s !== to) {
        h.copyWithin(to * w, s * w, (s + 1) * w);
        ids[to] = ids[s];
      }
      to++;
    }
    this.top = to;
    this.dead = 0;
    this.rebuildTables();
  }

  /** Bytes held by the index's typed arrays, and how many of them are the hashes themselves. */
  memory(): { totalBytes: number; hashBytes: number; overheadPerHash: number } {
    let total = this.hashes.byteLength + this.ids.byteLength + this.idTable.byteLength;
    for (let j = 0; j < this.offsets.length; j++) total += this.offsets[j].byteLength + this.postings[j].byteLength;
    total += (this.ovHeads?.byteLength ?? 0) + (this.ovNext?.byteLength ?? 0);
    const hashBytes = this.live * this.words * 4;
    return { totalBytes: total, hashBytes, overheadPerHash: this.live ? (total - hashBytes) / this.live : 0 };
  }

  // --- search ---

  private probe(query: Uint32Array, r: number, radii: Int32Array): HammingHit[] {
    const m = this.substrings;
    const w = this.words;
    const h = this.hashes;
    const ids = this.ids;
    const qkeys = this.qkeys;
    for (let j = 0; j < m; j++) qkeys[j] = extract(query, 0, this.starts[j], this.widths[j]);
    const hits: HammingHit[] = [];
    const ovHeads = this.ovHeads;
    const ovNext = this.ovNext;
    const ovMask = this.ovSize - 1;
    const base = this.baseCount;
    const stride = this.stride;
    for (let j = 0; j < m; j++) {
      if (radii[j] < 0) continue;
      const masks = ballMasks(this.widths[j], radii[j]);
      const qk = qkeys[j];
      const off = this.offsets[j];
      const post = this.postings[j];
      for (let t = 0; t < masks.length; t++) {
        const k = qk ^ masks[t];
        for (let p = off[k] * stride, end = off[k + 1] * stride; p < end; p += stride) {
          const slot = post[p] | (post[p + 1] << 8) | (post[p + 2] << 16) | (stride === 4 ? post[p + 3] << 24 : 0);
          const d = distance(h, slot * w, query, w, r);
          if (d <= r && ids[slot] >= 0 && !this.foundEarlier(slot, j, radii)) hits.push({ id: ids[slot], distance: d });
        }
        if (ovHeads === null) continue;
        for (let e = ovHeads[j * this.ovSize + (k & ovMask)]; e >= 0; e = ovNext![e * m + j]) {
          const slot = base + e;
          if (extract(h, slot * w, this.starts[j], this.widths[j]) !== k) continue;
          const d = distance(h, slot * w, query, w, r);
          if (d <= r && ids[slot] >= 0 && !this.foundEarlier(slot, j, radii)) hits.push({ id: ids[slot], distance: d });
        }
      }
    }
    return hits;
  }

  /** True when an earlier probed substring of `slot` is within its radius: that lookup reported it. */
  private foundEarlier(slot: number, j: number, radii: Int32Array): boolean {
    const off = slot * this.words;
    for (let i = 0; i < j; i++) {
      if (radii[i] >= 0 && pop(extract(this.hashes, off, this.starts[i], this.widths[i]) ^ this.qkeys[i]) <= radii[i]) return true;
    }
    return false;
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

  /**
   * Substring radii for radius r, or null when a scan is cheaper. sum(rho_i + 1) must reach r + 1;
   * each unit goes to the substring whose next probe ring costs least (cost is convex in rho_i, so
   * greedy is optimal for the model). Cached per r until the next compaction.
   */
  private plan(r: number): Int32Array | null {
    const cached = this.plans.get(r);
    if (cached !== undefined) return cached;
    const m = this.substrings;
    const radii = new Int32Array(m).fill(-1);
    const n = Math.max(1, this.top);
    let cost = 0;
    let plan: Int32Array | null = radii;
    if (r + 1 > this.words * 32) plan = null;
    for (let unit = 0; plan && unit <= r; unit++) {
      let best = -1;
      let bestCost = Infinity;
      for (let i = 0; i < m; i++) {
        const b = this.widths[i];
        if (radii[i] >= b) continue;
        const c = binomial(b, radii[i] + 1) * (COST_PROBE + (n / 2 ** b) * COST_CANDIDATE);
        if (c < bestCost) [best, bestCost] = [i, c];
      }
      if (best < 0) plan = null;
      else {
        radii[best]++;
        cost += bestCost;
        if (this.scanWhenCheaper && cost > n * COST_SCAN) plan = null;
      }
    }
    this.plans.set(r, plan);
    return plan;
  }

  // --- slots and the id table ---

  private append(id: number, hash: Uint32Array): number {
    if (hash.length < this.words) throw new RangeError(`hash has ${hash.length} words, expected ${this.words}`);
    const at = this.findId(id);
    if (at >= 0) {
      this.ids[this.idTable[at]] = -1; // replaced: the old slot dies, the new one takes the id
      this.dead++;
      this.live--;
    }
    else if ((this.live + 1) * 10 > this.idTable.length * 7) this.resizeIdTable(this.live + 1);
    this.ensureCapacity(this.top + 1);
    const slot = this.top++;
    this.hashes.set(hash.subarray(0, this.words), slot * this.words);
    this.ids[slot] = id;
    this.live++;
    if (at >= 0) this.idTable[at] = slot;
    else this.insertId(slot);
    return slot;
  }

  private ensureCapacity(slots: number): void {
    if (slots <= this.ids.length) return;
    const cap = Math.max(slots, Math.ceil(this.ids.length * 1.5));
    const hashes = new Uint32Array(cap * this.words);
    hashes.set(this.hashes.subarray(0, this.top * this.words));
    const ids = new Int32Array(cap);
    ids.set(this.ids.subarray(0, this.top));
    this.hashes = hashes;
    this.ids = ids;
  }

  private findId(id: number): number {
    const t = this.idTable;
    const mask = t.length - 1;
    for (let i = Math.imul(id, 0x9e3779b1) >>> this.idShift; ; i = (i + 1) & mask) {
      const s = t[i];
      if (s < 0) return -1;
      if (this.ids[s] === id) return i;
    }
  }

  /** The caller has made room (load <= 0.7). */
  private insertId(slot: number): void {
    const t = this.idTable;
    const mask = t.length - 1;
    let i = Math.imul(this.ids[slot], 0x9e3779b1) >>> this.idShift;
    while (t[i] >= 0) i = (i + 1) & mask;
    t[i] = slot;
  }

  /** Backward-shift deletion keeps linear probing free of tombstones. */
  private deleteIdAt(at: number): void {
    const t = this.idTable;
    const mask = t.length - 1;
    let hole = at;
    t[hole] = -1;
    for (let j = (hole + 1) & mask; t[j] >= 0; j = (j + 1) & mask) {
      const home = Math.imul(this.ids[t[j]], 0x9e3779b1) >>> this.idShift;
      // the entry at j may fill the hole unless its home lies cyclically in (hole, j]
      const stays = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (stays) continue;
      t[hole] = t[j];
      t[j] = -1;
      hole = j;
    }
  }

  private resizeIdTable(entries: number): void {
    let size = 16;
    while (entries * 10 > size * 7) size *= 2;
    this.idTable = new Int32Array(size).fill(-1);
    this.idShift = 32 - Math.log2(size);
    const mask = size - 1;
    for (let s = 0; s < this.top; s++) {
      if (this.ids[s] < 0) continue;
      let i = Math.imul(this.ids[s], 0x9e3779b1) >>> this.idShift;
      while (this.idTable[i] >= 0) i = (i + 1) & mask;
      this.idTable[i] = s;
    }
  }

  // --- CSR base and overflow ---

  private rebuildTables(): void {
    const m = this.substrings;
    const w = this.words;
    const n = this.top;
    const h = this.hashes;
    this.offsets = [];
    this.postings = [];
    const stride = (this.stride = n <= 1 << 24 ? 3 : 4);
    this.ovHeads = this.ovNext = null;
    this.ovSize = 0;
    const keys = new Uint32Array(n);
    for (let j = 0; j < m; j++) {
      const start = this.starts[j];
      const width = this.widths[j];
      const off = new Uint32Array((1 << width) + 1);
      for (let s = 0; s < n; s++) {
        const k = extract(h, s * w, start, width);
        keys[s] = k;
        off[k + 1]++;
      }
      for (let k = 0; k < 1 << width; k++) off[k + 1] += off[k];
      const cursor = off.slice(0, 1 << width);
      const post = new Uint8Array(n * stride);
      for (let s = 0; s < n; s++) {
        const p = cursor[keys[s]]++ * stride;
        post[p] = s;
        post[p + 1] = s >>> 8;
        post[p + 2] = s >>> 16;
        if (stride === 4) post[p + 3] = s >>> 24;
      }
      this.offsets.push(off);
      this.postings.push(post);
    }
    this.baseCount = n;
    this.resizeIdTable(this.live);
    this.plans.clear();
  }

  private indexOverflow(slot: number): void {
    const entries = slot - this.baseCount + 1;
    if (entries > this.ovSize) this.resizeOverflow(Math.max(256, this.ovSize * 2));
    this.linkOverflow(slot);
  }

  private linkOverflow(slot: number): void {
    const m = this.substrings;
    const e = slot - this.baseCount;
    const mask = this.ovSize - 1;
    for (let j = 0; j < m; j++) {
      const k = extract(this.hashes, slot * this.words, this.starts[j], this.widths[j]);
      const head = j * this.ovSize + (k & mask);
      this.ovNext![e * m + j] = this.ovHeads![head];
      this.ovHeads![head] = e;
    }
  }

  private resizeOverflow(size: number): void {
    this.ovSize = size;
    this.ovHeads = new Int32Array(size * this.substrings).fill(-1);
    this.ovNext = new Int32Array(size * this.substrings);
    for (let s = this.baseCount; s < this.top - 1; s++) this.linkOverflow(s);
  }

  private overflowLimit(): number {
    return Math.min(MAX_OVERFLOW_LIMIT, Math.max(MIN_OVERFLOW_LIMIT, this.baseCount >>> 3));
  }

  private maybeCompact(): void {
    if (this.top - this.baseCount > this.overflowLimit() || this.dead > Math.max(MIN_OVERFLOW_LIMIT, this.live >>> 3)) this.compact();
  }
}

function checkId(id: number): void {
  if (!Number.isInteger(id) || id < 0 || id > 0x7fffffff) throw new RangeError(`id must be an integer in [0, 2^31), got ${id}`);
}

/** `width` bits of the hash starting at bit `start` (bit 0 = most significant bit of word 0). */
function extract(h: ArrayLike<number>, off: number, start: number, width: number): number {
  const wi = off + (start >>> 5);
  const s = start & 31;
  const head = (h[wi] << s) >>> (32 - width);
  return s + width <= 32 ? head : head | (h[wi + 1] >>> (64 - s - width));
}

/** Full distance, or some value > r as soon as the running sum passes r (checked every 2 words). */
function distance(h: Uint32Array, off: number, q: Uint32Array, w: number, r: number): number {
  let d = 0;
  for (let i = 0; i < w; i++) {
    d += pop(h[off + i] ^ q[i]);
    if (d > r) return d;
  }
  return d;
}

/** popcount32 with Math.imul: the float multiply of `popcount32` costs ~2x on the verify path. */
function pop(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

function binomial(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
  return Math.round(c);
}

const ballCache = new Map<number, Uint32Array>();

/** Every `width`-bit mask of at most `radius` set bits (the XOR offsets of a Hamming ball). */
function ballMasks(width: number, radius: number): Uint32Array {
  const key = width * 64 + radius;
  let masks = ballCache.get(key);
  if (masks) return masks;
  let size = 0;
  for (let k = 0; k <= radius; k++) size += binomial(width, k);
  masks = new Uint32Array(size);
  let n = 0;
  for (let k = 0; k <= radius; k++) {
    if (k === 0) {
      masks[n++] = 0;
      continue;
    }
    // Gosper's hack: successive k-bit combinations below 2^width
    for (let c = 2 ** k - 1; c < 2 ** width; ) {
      masks[n++] = c;
      const u = c & -c;
      const v = c + u;
      c = v + (((v ^ c) / u) >>> 2);
    }
  }
  ballCache.set(key, masks);
  return masks;
}
