/**
 * The one interface matching goes through. Perceptual types are searched by Hamming radius, exact
 * types by equality; a hit names the stored hash by its dense `seq` key. Entries of type `vpdq` are
 * video frames (PDQ hashes): their `seq` is the frame's key, not the video's (see storage types).
 *
 * `MemoryMatchIndex` (here) keeps everything in typed arrays and is loaded from the database at
 * start (Node); the Workers build answers from SQL instead (src/storage). Both give the results of a
 * brute-force scan.
 */
import { HASH_SPECS, hexToWords, type HashType } from '../hashes';
import type { HammingHit, HammingIndex } from './hamming';
import { TlshIndex } from './tlsh';

export interface IndexedHash {
  seq: number;
  type: HashType;
  value: string;
}

export interface IndexHit {
  seq: number;
  distance: number;
}

export interface MatchIndex {
  /** False until the index holds every active hash (GET /health reports it). */
  ready(): boolean;
  add(entries: IndexedHash[]): void;
  remove(entries: IndexedHash[]): void;
  query(type: HashType, value: string, maxDistance: number): Promise<IndexHit[]>;
  /** `query` for each value of a batch of one type, in order (one call for a whole match request). */
  queryMany(type: HashType, values: string[], maxDistance: number): Promise<IndexHit[][]>;
  /**
   * `queryMany` with a distance per value, where an index answers that faster than one batch within
   * the widest. A robust image query's variants have distances from 20 to 32 bits of PDQ and up to
   * 28 of blockhash; in the multi-index at 1 M random hashes one lookup within 56 took 19 ms and one
   * within 32 0.65 ms (2-core machine, loaded, 2026-12-03), which is why PDQ's together distance (56)
   * is never looked up where this exists (services/robust-matching togetherByItems). (An index that
   * scans, as on Workers, reads every hash once per batch: one batch within the widest is its best,
   * and there the query as sent is still looked up within 56.)
   */
  queryWithin?(type: HashType, values: string[], maxDistances: number[]): Promise<IndexHit[][]>;
}

/** `queryMany` as one `query` per value: for indexes with nothing to share between the queries of a batch. */
export function queryEach(index: MatchIndex, type: HashType, values: string[], maxDistance: number): Promise<IndexHit[][]> {
  return Promise.all(values.map((v) => index.query(type, v, maxDistance)));
}

export type HammingIndexFactory = (words: number) => HammingIndex;

function toIndexHit(h: HammingHit): IndexHit {
  return { seq: h.id, distance: h.distance };
}

export class MemoryMatchIndex implements MatchIndex {
  private readonly hamming = new Map<HashType, HammingIndex>();
  private readonly exact = new Map<HashType, Map<string, Set<number>>>();
  /** `tlsh` hashes: scanned (see tlsh.ts). */
  private readonly tlsh = new TlshIndex();
  private loaded = false;

  constructor(private readonly makeHamming: HammingIndexFactory) {}

  ready(): boolean {
    return this.loaded;
  }

  markReady(): void {
    this.loaded = true;
  }

  /** Compacts every Hamming index that can (benchmarks; the indexes also do it by themselves). */
  compact(): void {
    for (const idx of this.hamming.values()) idx.compact?.();
  }

  add(entries: IndexedHash[]): void {
    const perceptual = new Map<HashType, IndexedHash[]>();
    for (const e of entries) {
      if (HASH_SPECS[e.type].metric === 'tlsh') this.tlsh.add(e.seq, e.value);
      else if (HASH_SPECS[e.type].perceptual) {
        const list = perceptual.get(e.type);
        if (list) list.push(e);
        else perceptual.set(e.type, [e]);
      } else {
        const m = this.exactFor(e.type);
        const set = m.get(e.value);
        if (set) set.add(e.seq);
        else m.set(e.value, new Set([e.seq]));
      }
    }
    for (const [type, list] of perceptual) {
      const idx = this.hammingFor(type);
      if (idx.addMany && list.length > 1) {
        const words = new Uint32Array(list.length * idx.words);
        list.forEach((e, i) => hexToWords(e.value, words.subarray(i * idx.words, (i + 1) * idx.words)));
        idx.addMany(
          Int32Array.from(list, (e) => e.seq),
          words,
        );
      } else for (const e of list) idx.add(e.seq, hexToWords(e.value));
    }
  }

  remove(entries: IndexedHash[]): void {
    for (const e of entries) {
      if (HASH_SPECS[e.type].metric === 'tlsh') this.tlsh.remove(e.seq);
      else if (HASH_SPECS[e.type].perceptual) this.hamming.get(e.type)?.remove(e.seq);
      else {
        const set = this.exact.get(e.type)?.get(e.value);
        set?.delete(e.seq);
        if (set && set.size === 0) this.exact.get(e.type)!.delete(e.value);
      }
    }
  }

  async query(type: HashType, value: string, maxDistance: number): Promise<IndexHit[]> {
    if (HASH_SPECS[type].metric === 'tlsh') return this.tlsh.search(value, maxDistance);
    if (HASH_SPECS[type].perceptual) {
      const idx = this.hamming.get(type);
      return idx ? idx.search(hexToWords(value), maxDistance).map(toIndexHit) : [];
    }
    return this.exactHits(type, value);
  }

  /** Perceptual types go to the Hamming index as one batch (`searchMany`, where it has one). */
  async queryMany(type: HashType, values: string[], maxDistance: number): Promise<IndexHit[][]> {
    if (HASH_SPECS[type].metric === 'tlsh') return values.map((v) => this.tlsh.search(v, maxDistance));
    if (!HASH_SPECS[type].perceptual) return values.map((v) => this.exactHits(type, v));
    const idx = this.hamming.get(type);
    if (!idx) return values.map(() => []);
    const w = idx.words;
    const words = new Uint32Array(values.length * w);
    values.forEach((v, i) => hexToWords(v, words.subarray(i * w, (i + 1) * w)));
    const hits = idx.searchMany ? await idx.searchMany(words, maxDistance) : values.map((_, i) => idx.search(words.subarray(i * w, (i + 1) * w), maxDistance));
    return hits.map((list) => list.map(toIndexHit));
  }

  /** One `queryMany` per distance asked for, the answers in the order of `values`. */
  async queryWithin(type: HashType, values: string[], maxDistances: number[]): Promise<IndexHit[][]> {
    const groups = new Map<number, number[]>();
    maxDistances.forEach((r, k) => {
      const g = groups.get(r);
      if (g) g.push(k);
      else groups.set(r, [k]);
    });
    const found: IndexHit[][] = new Array(values.length);
    await Promise.all(
      [...groups].map(async ([r, members]) => {
        const hits = await this.queryMany(
          type,
          members.map((k) => values[k]),
          r,
        );
        members.forEach((k, i) => (found[k] = hits[i]));
      }),
    );
    return found;
  }

  private exactHits(type: HashType, value: string): IndexHit[] {
    const set = this.exact.get(type)?.get(value);
    return set ? [...set].sort((a, b) => a - b).map((seq) => ({ seq, distance: 0 })) : [];
  }

  /**
   * For loading millions at start: entries gather in packed arrays per type, and `finish` hands each
   * type to its index in one `addMany` (one build instead of many incremental inserts).
   */
  loader(): { push(entries: IndexedHash[]): void; finish(): void } {
    const packs = new Map<HashType, { ids: Int32Array; words: Uint32Array; n: number }>();
    return {
      push: (entries) => {
        const exact: IndexedHash[] = [];
        for (const e of entries) {
          if (HASH_SPECS[e.type].metric !== 'hamming') {
            exact.push(e);
            continue;
          }
          const w = HASH_SPECS[e.type].bits / 32;
          let p = packs.get(e.type);
          if (!p) packs.set(e.type, (p = { ids: new Int32Array(1024), words: new Uint32Array(1024 * w), n: 0 }));
          if (p.n === p.ids.length) {
            const ids = new Int32Array(p.n * 2);
            ids.set(p.ids);
            const words = new Uint32Array(p.n * 2 * w);
            words.set(p.words);
            p.ids = ids;
            p.words = words;
          }
          p.ids[p.n] = e.seq;
          hexToWords(e.value, p.words.subarray(p.n * w, (p.n + 1) * w));
          p.n++;
        }
        this.add(exact);
      },
      finish: () => {
        for (const [type, p] of packs) {
          const idx = this.hammingFor(type);
          const w = idx.words;
          if (idx.addMany) idx.addMany(p.ids.subarray(0, p.n), p.words.subarray(0, p.n * w));
          else for (let i = 0; i < p.n; i++) idx.add(p.ids[i], p.words.subarray(i * w, (i + 1) * w));
        }
        packs.clear();
      },
    };
  }

  /** How many hashes of each type the index holds (for /health and metrics). */
  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [t, idx] of this.hamming) out[t] = idx.count;
    if (this.tlsh.count) out.tlsh = this.tlsh.count;
    for (const [t, m] of this.exact) {
      let n = 0;
      for (const s of m.values()) n += s.size;
      out[t] = n;
    }
    return out;
  }

  private hammingFor(type: HashType): HammingIndex {
    let idx = this.hamming.get(type);
    if (!idx) {
      idx = this.makeHamming(HASH_SPECS[type].bits / 32);
      this.hamming.set(type, idx);
    }
    return idx;
  }

  private exactFor(type: HashType): Map<string, Set<number>> {
    let m = this.exact.get(type);
    if (!m) {
      m = new Map();
      this.exact.set(type, m);
    }
    return m;
  }
}
