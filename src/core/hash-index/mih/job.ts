/**
 * The helper-thread job protocol: a batch whose base lookups the helper thread claims, in chunks of
 * queries from one shared counter, until none are left; the owner takes whatever it left (all of
 * them when the helper was not running). The thread's side is `searchBase`; the Node runtime's
 * helper thread runs it with a scratch of its own.
 */
import type { HammingHit } from '../hamming';
import type { Plan } from './cost';
import { MihScratch, probeBase, queryKeys, type MihTables } from './probe';

/** A batch whose base lookups are shared (`queries` holds `tables.words` words per query). */
export interface MihJob {
  tables: MihTables;
  plan: Plan;
  queries: Uint32Array;
  maxDistance: number;
  /** The next unclaimed query (an Int32Array on a SharedArrayBuffer, advanced with Atomics). */
  next: Int32Array;
}

/** The base hits of the queries one side claimed: (query, hits) pairs. */
export type MihJobHits = [query: number, hits: HammingHit[]][];

/** Resolves to `searchBase(job)`, run on another thread. */
export type MihOffload = (job: MihJob) => Promise<MihJobHits>;

/** Queries per claim of a shared batch (~0.5 ms at 1 M): the longest either side waits for the other at the end. */
const CLAIM = 8;

/** What an offload runs on the other thread: claims chunks of the job's queries until none are left, and returns their base hits (unsorted). */
export function searchBase(job: MihJob, scratch: MihScratch): MihJobHits {
  const out: MihJobHits = [];
  for (let claim: ReturnType<typeof claimQueries>; (claim = claimQueries(job)); )
    baseRange(job, claim[0], claim[1], scratch).forEach((hits, i) => out.push([claim[0] + i, hits]));
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
  return baseRange(job, from, to, new MihScratch());
}

export function baseRange(job: MihJob, from: number, to: number, s: MihScratch): HammingHit[][] {
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
