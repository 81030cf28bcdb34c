/**
 * The matching benchmark (DESIGN §9): multi-index hashing against the brute-force scan, on the same
 * seeded bank of PDQ-like hashes, at radius 31. Every figure in the README's matching section comes
 * from here:
 *
 *   npx tsx src/cli/bench/index.ts                         # 100 k and 1 M
 *   npx tsx src/cli/bench/index.ts --sizes 10000000        # 10 M (about 3 GB of memory)
 *   npx tsx src/cli/bench/index.ts --quick                 # fewer queries, for a smoke run
 *
 * The bank: half unrelated hashes, half clusters of 2..30 near-duplicates (a base hash with 0..40
 * bits flipped), which is what a bank of re-uploaded media looks like. Two query sets: near
 * duplicates of stored hashes (0..31 bits flipped: at least one hit each) and unrelated hashes (the
 * common case for a node: most uploads are not in the bank).
 */
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BruteForceIndex } from '../../core/hash-index';
import type { HammingIndex } from '../../core/hash-index';
import { MultiIndexHashing } from '../../core/hash-index';
import { formatTable, type BenchTable } from './types';
import { mulberry32 as prng } from '../../core/prng';

export type { BenchTable } from './types';

export interface BenchOptions {
  sizes: number[];
  /** Fewer queries (a smoke run: the figures are rougher). */
  quick?: boolean;
  radius?: number;
  seed?: number;
}

const COLUMNS = [
  'hashes',
  'queries',
  'pieces',
  'MIH build (s)',
  'brute build (s)',
  'MIH p50 (ms)',
  'MIH p99 (ms)',
  'MIH batch (queries/s)',
  'hits/query',
  'MIH bytes/hash beyond the hash',
  'brute p50 (ms)',
  'speedup at p50',
  'same results',
];

export async function run(opts: BenchOptions): Promise<BenchTable> {
  const radius = opts.radius ?? 31;
  const rows: (string | number)[][] = [];
  const notes: string[] = [];
  for (const n of opts.sizes) {
    const result = benchSize(n, radius, opts.quick ?? false, (opts.seed ?? 1) + n);
    rows.push(...result.rows);
    notes.push(result.note);
    await new Promise((done) => setTimeout(done, 0)); // let the previous size's arrays go
  }
  const cpu = cpus();
  return {
    title: `Matching at radius ${radius}: multi-index hashing vs brute-force scan`,
    columns: COLUMNS,
    rows,
    notes: [
      `${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpu.length} x ${cpu[0]?.model ?? 'unknown CPU'}; single-threaded.`,
      'Bank: 256-bit hashes, half unrelated, half clusters of 2..30 near-duplicates (0..40 bits from a base); ids 0..n-1.',
      'Queries: "near" = a stored hash with 0..31 bits flipped; "random" = an unrelated hash. p50/p99 over single timed searches after a warm-up; batch = the same queries back to back.',
      'Brute force is timed on a sample of the same queries, and MIH must return exactly its results on every one ("same results").',
      'Bytes/hash beyond the hash: every typed array of the index (postings, offsets, ids, overflow) minus the 32 bytes of the hash itself.',
      ...notes,
    ],
  };
}

function benchSize(n: number, radius: number, quick: boolean, seed: number): { rows: (string | number)[][]; note: string } {
  const rnd = prng(seed);
  const { ids, hashes } = makeBank(rnd, n);
  const before = process.memoryUsage();
  let t = performance.now();
  const mih = MultiIndexHashing.build(ids, hashes);
  const mihBuild = (performance.now() - t) / 1000;
  const after = process.memoryUsage();
  t = performance.now();
  const brute = new BruteForceIndex(8, n);
  for (let i = 0; i < n; i++) brute.add(ids[i], hashes.subarray(i * 8, i * 8 + 8));
  const bruteBuild = (performance.now() - t) / 1000;

  const perKind = quick ? 300 : 2000;
  const bruteSample = quick ? 10 : n >= 5_000_000 ? 20 : 60;
  const sets: [string, Uint32Array[]][] = [
    ['near', Array.from({ length: perKind }, () => flipBits(rnd, stored(hashes, rnd() % n), rnd() % 32))],
    ['random', Array.from({ length: perKind }, () => randomHash(rnd))],
  ];
  for (const [, qs] of sets) for (const q of qs.slice(0, 200)) mih.search(q, radius); // warm-up

  const rows: (string | number)[][] = [];
  const overhead = mih.memory().overheadPerHash;
  for (const [kind, qs] of sets) {
    const latencies = timeEach(mih, qs, radius);
    t = performance.now();
    let hits = 0;
    for (const q of qs) hits += mih.search(q, radius).length;
    const qps = qs.length / ((performance.now() - t) / 1000);
    const sample = qs.slice(0, bruteSample);
    const bruteLatencies = timeEach(brute, sample, radius);
    const same = sample.filter((q) => JSON.stringify(mih.search(q, radius)) === JSON.stringify(brute.search(q, radius))).length;
    const p50 = quantile(latencies, 0.5);
    const bruteP50 = quantile(bruteLatencies, 0.5);
    rows.push([
      n.toLocaleString('en-US'),
      kind,
      mih.substrings,
      mihBuild.toFixed(2),
      bruteBuild.toFixed(2),
      p50.toFixed(3),
      quantile(latencies, 0.99).toFixed(3),
      Math.round(qps).toLocaleString('en-US'),
      (hits / qs.length).toFixed(1),
      overhead.toFixed(1),
      bruteP50.toFixed(2),
      `${Math.round(bruteP50 / p50)}x`,
      same === sample.length ? `yes (${same}/${sample.length})` : `NO (${same}/${sample.length})`,
    ]);
  }
  const rssMb = (after.rss - before.rss) / 2 ** 20;
  const note = `${n.toLocaleString('en-US')} hashes: building MIH raised RSS by ${rssMb.toFixed(0)} MB (${((rssMb * 2 ** 20) / n).toFixed(0)} bytes/hash, hashes and build garbage included); process RSS at the end ${(process.memoryUsage().rss / 2 ** 30).toFixed(2)} GB.`;
  return { rows, note };
}

function timeEach(index: HammingIndex, qs: Uint32Array[], radius: number): number[] {
  const out: number[] = [];
  for (const q of qs) {
    const t = performance.now();
    index.search(q, radius);
    out.push(performance.now() - t);
  }
  return out;
}

function quantile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
}

function randomHash(rnd: () => number): Uint32Array {
  const h = new Uint32Array(8);
  for (let i = 0; i < 8; i++) h[i] = rnd();
  return h;
}

function stored(hashes: Uint32Array, index: number): Uint32Array {
  return hashes.slice(index * 8, index * 8 + 8);
}

/** `h` with k random bits flipped, in place (some may flip back: distance <= k). */
function flipBits(rnd: () => number, h: Uint32Array, k: number): Uint32Array {
  for (let i = 0; i < k; i++) {
    const b = rnd() & 255;
    h[b >>> 5] ^= 1 << (b & 31);
  }
  return h;
}

/** Half unrelated hashes, half clusters of 2..30 (a singleton 16 times in 17, a cluster of mean size 16 otherwise). */
function makeBank(rnd: () => number, n: number): { ids: Int32Array; hashes: Uint32Array } {
  const hashes = new Uint32Array(n * 8);
  for (let i = 0; i < n; ) {
    const base = randomHash(rnd);
    const size = rnd() % 17 ? 1 : 2 + (rnd() % 29);
    for (let c = 0; c < size && i < n; c++, i++) hashes.set(size === 1 ? base : flipBits(rnd, base.slice(), rnd() % 41), i * 8);
  }
  const ids = new Int32Array(n);
  for (let i = 0; i < n; i++) ids[i] = i;
  return { ids, hashes };
}

function parseArgs(argv: string[]): BenchOptions {
  const sizesAt = argv.indexOf('--sizes');
  const sizes = sizesAt >= 0 ? argv[sizesAt + 1].split(',').map((s) => Number(s.replace(/_/g, ''))) : [100_000, 1_000_000];
  if (sizes.some((s) => !Number.isInteger(s) || s < 1)) throw new Error(`--sizes wants positive integers, got ${argv[sizesAt + 1]}`);
  const radiusAt = argv.indexOf('--radius');
  return { sizes, quick: argv.includes('--quick'), radius: radiusAt >= 0 ? Number(argv[radiusAt + 1]) : undefined };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  run(parseArgs(process.argv.slice(2))).then((table) => console.log(formatTable(table)));
}
