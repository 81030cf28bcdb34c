/**
 * Benchmark of the pure Merkle code with the in-memory subtree store: append throughput while the
 * log grows, then proof generation, root computation and verification at the final size. The SQL
 * store is measured separately; this is the ceiling the core puts on it.
 *
 * Entries are 256 deterministic bytes (about the size of a canonical-JSON audit event), so the
 * append figure includes the leaf hash. Indices and sizes come from a seeded PRNG.
 */
import {
  EMPTY_FRONTIER,
  MemorySubtreeStore,
  appendLeaf,
  consistencyProof,
  consistencyProofKeys,
  inclusionProof,
  inclusionProofKeys,
  leafHash,
  rootAt,
  rootFromFrontier,
  verifyConsistency,
  verifyInclusion,
} from '../../core/merkle';
import { uniform as prng } from '../../core/prng';

// Local copy of the shared BenchTable type (src/cli/bench/types.ts, owned elsewhere, did not exist
// when this was written). Structurally identical; switch to `import type { BenchTable } from './types'`.
export interface BenchTable {
  title: string;
  columns: string[];
  rows: (string | number)[][];
  notes?: string[];
}

const COLUMNS = ['operation', 'tree size', 'runs', 'p50 µs', 'p99 µs', 'mean µs', 'ops/s', 'subtree reads'];

export async function run(opts: { size?: number; quick?: boolean } = {}): Promise<BenchTable> {
  const size = opts.size ?? (opts.quick ? 100_000 : 1_000_000);
  const samples = opts.quick ? 2_000 : 10_000;
  if (!Number.isSafeInteger(size) || size < 2) throw new Error('bench size must be an integer >= 2');
  const rand = prng(0x9162);
  const rows: (string | number)[][] = [];
  const notes: string[] = [];

  // ---- append, timed per decile of growth so a slowdown with size would show
  const store = new MemorySubtreeStore();
  let frontier = EMPTY_FRONTIER;
  const entry = new Uint8Array(256);
  const deciles: string[] = [];
  const step = Math.max(1, Math.floor(size / 10));
  let t0 = performance.now();
  const tStart = t0;
  for (let i = 0; i < size; i++) {
    entry[0] = i & 0xff;
    entry[1] = (i >>> 8) & 0xff;
    entry[2] = (i >>> 16) & 0xff;
    entry[3] = (i >>> 24) & 0xff;
    const r = appendLeaf(frontier, leafHash(entry));
    store.put(r.newSubtrees);
    frontier = r.frontier;
    if ((i + 1) % step === 0 || i + 1 === size) {
      const t = performance.now();
      deciles.push(`${fmtInt(i + 1)}: ${fmtInt(((i + 1) % step || step) / ((t - t0) / 1000))}/s`);
      t0 = t;
    }
  }
  const appendMs = performance.now() - tStart;
  rows.push(['append (leaf hash + frontier + store)', size, size, '', '', round((appendMs * 1000) / size), fmtInt(size / (appendMs / 1000)), '']);
  notes.push(`append throughput by decile of growth: ${deciles.join(', ')}`);
  notes.push(`stored complete subtrees: ${fmtInt(store.count)} (2n - popcount(n))`);

  const root = rootFromFrontier(frontier);

  // ---- root of a random past size from stored subtrees
  rows.push(
    row(
      'rootAt (random past size)',
      size,
      await timeEach(samples, async () => {
        await rootAt(store, 1 + Math.floor(rand() * size));
      }),
    ),
  );

  // ---- inclusion proofs
  const indices = Array.from({ length: samples }, () => Math.floor(rand() * size));
  const incReads = mean(indices.map((i) => inclusionProofKeys(i, size).length));
  const proofs: Uint8Array[][] = [];
  let k = 0;
  rows.push(
    row(
      'inclusion proof (generate)',
      size,
      await timeEach(samples, async () => {
        proofs.push(await inclusionProof(store, indices[k++], size));
      }),
      incReads,
    ),
  );
  const leaves = indices.map((i) => store.get(0, i));
  k = 0;
  let ok = true;
  rows.push(
    row(
      'inclusion proof (verify)',
      size,
      await timeEach(samples, () => {
        ok = verifyInclusion(leaves[k], indices[k], size, proofs[k], root) && ok;
        k++;
      }),
    ),
  );
  if (!ok) throw new Error('bench: an inclusion proof failed to verify');

  // ---- consistency proofs from a random earlier size to the final one
  const firsts = Array.from({ length: samples }, () => 1 + Math.floor(rand() * (size - 1)));
  const conReads = mean(firsts.map((f) => consistencyProofKeys(f, size).length));
  const firstRoots = await Promise.all(firsts.map((f) => rootAt(store, f)));
  const cproofs: Uint8Array[][] = [];
  k = 0;
  rows.push(
    row(
      'consistency proof (generate)',
      size,
      await timeEach(samples, async () => {
        cproofs.push(await consistencyProof(store, firsts[k++], size));
      }),
      conReads,
    ),
  );
  k = 0;
  rows.push(
    row(
      'consistency proof (verify)',
      size,
      await timeEach(samples, () => {
        ok = verifyConsistency(firsts[k], size, firstRoots[k], root, cproofs[k]) && ok;
        k++;
      }),
    ),
  );
  if (!ok) throw new Error('bench: a consistency proof failed to verify');

  notes.push('in-memory store (Map); generation includes the async reader call and the folds of right-edge nodes');
  notes.push(`"subtree reads" is the mean number of stored hashes one batched read fetches; ${samples} samples per operation`);
  return { title: `Merkle log core (RFC 9162), ${fmtInt(size)} entries`, columns: COLUMNS, rows, notes };
}

async function timeEach(n: number, op: () => void | Promise<void>): Promise<number[]> {
  const times = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await op();
    times[i] = (performance.now() - t) * 1000;
  }
  return times;
}

function row(name: string, size: number, micros: number[], reads?: number): (string | number)[] {
  const sorted = [...micros].sort((a, b) => a - b);
  const q = (p: number) => round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]);
  const m = mean(micros);
  return [name, size, micros.length, q(0.5), q(0.99), round(m), fmtInt(1e6 / m), reads === undefined ? '' : round(reads)];
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const round = (x: number): number => Math.round(x * 10) / 10;
const fmtInt = (x: number): string => Math.round(x).toLocaleString('en-US');
