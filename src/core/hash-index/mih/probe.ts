/**
 * The search of the base tables: module functions over plain typed arrays, so that the helper
 * thread (job.ts) runs them on the same tables shared through SharedArrayBuffers.
 *
 * Duplicates: a hash can pass the lookups of several pieces, and near-duplicates (the frames of a
 * still scene) pass nearly all of them. A byte per slot, stamped per query, makes each slot's full
 * distance computed once a query, whichever pieces found it.
 */
import { hammingWithin, popcount16 } from '../../bits';
import type { HammingHit } from '../hamming';
import { ballSize, type Plan } from './cost';
import { extract, filterOf, type Shape } from './layout';

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

/** Candidates in one query past which checking the stamp first pays (about 3x a 10 M query's). */
const MANY_CANDIDATES = 8192;

interface Ball {
  masks: Uint32Array; // every width-bit mask of at most `radius` set bits...
  pops: Uint8Array; // ...and its popcount
}

/**
 * Buffers a search reuses, and the probe masks it has made: one per index, and one per helper
 * thread for the jobs it takes (`new MihScratch()` there).
 */
export class MihScratch {
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
  private readonly balls = new Map<number, Ball>();

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

  /** Every `width`-bit mask of at most `radius` set bits, with its popcount: the keys a piece's lookup probes. */
  ball(width: number, radius: number): Ball {
    const key = width * 64 + radius;
    let ball = this.balls.get(key);
    if (!ball) this.balls.set(key, (ball = makeBall(width, radius)));
    return ball;
  }
}

function makeBall(width: number, radius: number): Ball {
  const size = ballSize(width, radius);
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
  return { masks, pops };
}

/** The query's piece keys and filter values, into the scratch. */
export function queryKeys(t: MihTables, query: Uint32Array, s: MihScratch): void {
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
export function probeBase(t: MihTables, plan: Plan, query: Uint32Array, r: number, s: MihScratch, hits: HammingHit[]): void {
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
    const masks = s.ball(widths[j], radii[j]).masks;
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
    for (let i = 0, size = s.ball(widths[j], radii[j]).masks.length; i < size; i++, n++) if (lo[n] < hi[n]) sink ^= post[lo[n]] ^ post[hi[n] - 1];
  }
  let candSlot = s.candSlot;
  let candPiece = s.candPiece;
  let nc = 0;
  n = 0;
  for (let j = 0; j < m; j++) {
    if (radii[j] < 0) continue;
    const pops = s.ball(widths[j], radii[j]).pops;
    const qf = qfilter[j];
    const fmask = partner[j] >= 0 ? (1 << f) - 1 : 0;
    const bound = bounds[j];
    const post = t.postings[j];
    for (let i = 0; i < pops.length; i++, n++) {
      const limit = bound - pops[i];
      for (let p = lo[n], end = hi[n]; p < end; p++) {
        const e = post[p];
        if (popcount16((e ^ qf) & fmask) > limit) continue;
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
      const d = hammingWithin(h, slot * w, query, 0, w, r);
      if (d <= r && ids[slot] >= 0) hits.push({ id: ids[slot], distance: d });
    }
    return;
  }
  for (let c = 0; c < nc; c++) {
    const slot = candSlot[c];
    const d = hammingWithin(h, slot * w, query, 0, w, r);
    if (d <= r && ids[slot] >= 0 && seen[slot] !== stamp) {
      seen[slot] = stamp;
      hits.push({ id: ids[slot], distance: d });
    }
  }
}
