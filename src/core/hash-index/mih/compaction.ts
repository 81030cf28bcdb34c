/**
 * Compaction: new base tables from a snapshot of the slots, with the dead slots dropped and the
 * overflow merged in id order. Written as a generator of steps, so that an index that serves can
 * build them a millisecond at a time (deferred compaction) while its current tables keep answering.
 */
import { filterBits, filterOfSlot, extract, type Shape } from './layout';

/** The slots a compaction builds from: the ids copied when it began, the hashes as they were. */
export interface Snapshot {
  ids: Int32Array;
  hashes: Uint32Array;
  top: number;
  baseCount: number;
  /** Ids whose snapshot slot was removed (or replaced) while the new tables were being built. */
  removed: number[];
}

/** New base tables, built from a snapshot. */
export interface Built {
  hashes: Uint32Array;
  ids: Int32Array;
  n: number;
  shape: Shape;
  f: number;
  offsets: Uint32Array[];
  postings: Uint32Array[];
}

/** What a build asks of its index. */
export interface BuildEnv {
  words: number;
  /** New arrays (on SharedArrayBuffers when the index offloads). */
  u32(n: number): Uint32Array;
  i32(n: number): Int32Array;
  /** The piece layout for n hashes, in steps. */
  shape(n: number): Generator<void, Shape>;
  /** Solves ahead the plans the index has used (a step each), so the next queries find them ready. */
  warm(shape: Shape, n: number, f: number): Generator<void, void>;
}

/**
 * The new base from a snapshot: the live slots in id order, copied into new arrays, and one CSR
 * table per piece. Yields after about `step` slots of work, so it can run in steps.
 */
export function* buildBase(snap: Snapshot, step: number, minCapacity: number, env: BuildEnv): Generator<void, Built> {
  const order = yield* liveOrderOf(snap.ids, snap.top, snap.baseCount, step);
  const n = order.length;
  const w = env.words;
  // Room to grow, so the adds after a compaction do not copy everything again at once.
  const cap = Math.max(minCapacity, n + Math.max(1024, n >>> 3));
  // Each large allocation a step of its own (tens of MB at 1 M hashes).
  yield;
  const hashes = env.u32(cap * w);
  yield;
  const ids = env.i32(cap);
  yield;
  for (let i = 0; i < n; ) {
    for (const end = Math.min(n, i + step); i < end; i++) {
      const s = order[i];
      hashes.set(snap.hashes.subarray(s * w, (s + 1) * w), i * w);
      ids[i] = snap.ids[s];
    }
    if (i < n) yield;
  }
  const shape = yield* env.shape(n);
  const f = filterBits(shape, n);
  yield* env.warm(shape, n, f);
  const offsets: Uint32Array[] = [];
  const postings: Uint32Array[] = [];
  const keys = new Uint32Array(n);
  for (let j = 0; j < shape.m; j++) {
    yield;
    const start = shape.starts[j];
    const width = shape.widths[j];
    const off = env.u32((1 << width) + 1);
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
    const post = env.u32(n);
    for (let s = 0; s < n; ) {
      for (const end = Math.min(n, s + step); s < end; s++) post[cursor[keys[s]]++] = (s << f) | filterOfSlot(hashes, w, shape, f, s, j);
      if (s < n) yield;
    }
    offsets.push(off);
    postings.push(post);
  }
  return { hashes, ids, n, shape, f, offsets, postings };
}

/** Runs a generator of steps to its end. */
export function drive<T>(steps: Generator<void, T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * Old slot numbers of the live hashes in id order. The base (slots below baseCount) is sorted
 * already; the overflow is sorted (stable, so the last of equal ids wins: that is how addMany
 * replaces) and merged in, yielding after about `step` base slots.
 */
function* liveOrderOf(ids: Int32Array, top: number, baseCount: number, step: number): Generator<void, Int32Array> {
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
    if (s % step === step - 1) yield;
    if (ids[s] < 0) continue;
    while (o < ov.length && ids[ov[o]] < ids[s]) order[n++] = ov[o++];
    if (o < ov.length && ids[ov[o]] === ids[s]) continue; // replaced by a later add
    order[n++] = s;
  }
  while (o < ov.length) order[n++] = ov[o++];
  return order.subarray(0, n);
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
