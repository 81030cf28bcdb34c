/** Match queries: each hash against the index, with per-type thresholds a request may tighten or widen up to a cap. */
import { DomainError, type FieldProblem } from '../core/errors';
import { HASH_SPECS, isListHashType, isSingleHashType, type HashType } from '../core/hashes';
import { dihedralFromHash, PDQ_DIHEDRAL_VARIANTS } from '../core/pdq';
import type { ServiceDeps } from './deps';
import type { MatchTally } from './observe';
import { PDQ_MIN_SHARE_QUALITY, type HashWithVariants } from './hashing';
import { checkItem, type ItemInput } from './item-checks';
import { checkBatchSize, checkFrameTotal } from './sharing';
import { matchUrls } from './url-matching';
import { matchVideo, stillsInVideos } from './video-matching';
import { matchOf } from './views';

export interface MatchQuery extends ItemInput {
  /** PDQ quality, when the client knows it: below 50 the result is flagged. */
  quality?: number;
}

export interface MatchOptions {
  maxDistance?: Record<string, number>;
  dihedral?: boolean;
}

export interface Match {
  id: string;
  type: HashType;
  value: string;
  distance: number;
  labels: string[];
  /** How many members contributed this hash. */
  contributors: number;
  feedback: { confirm: number; dispute: number };
  /** With dihedral matching: which rotation or mirror of the query matched (the nearest). */
  variant?: string;
  /** A video matched a stored video: the vPDQ shares, in percent. */
  video?: { queryMatchPercent: number; candidateMatchPercent: number };
  /** An image matched a frame of a video: that frame. */
  frame?: { index: number; timestamp: number };
  /** A PDF matched a stored PDF by its pages: the shares, in percent. */
  document?: { queryMatchPercent: number; candidateMatchPercent: number };
  /** An image matched a page of a PDF: that page. */
  page?: { number: number };
  /** A URL query matched the URL itself, or a host or folder a member shared. */
  url?: { scope: 'exact' | 'host' | 'prefix' };
}

export interface MatchResult {
  query: { type: HashType; value: string; quality?: number; frames?: number; usableFrames?: number; pages?: number; usablePages?: number; canonicalUrl?: string };
  /** The query's PDQ quality is below 50 (a video: no usable frame): matches on it are weak evidence. */
  lowQuality?: boolean;
  matches: Match[];
}

export function resolveThresholds(opts: MatchOptions): Record<HashType, number> {
  const out = Object.fromEntries(Object.entries(HASH_SPECS).map(([t, s]) => [t, s.defaultMaxDistance])) as Record<HashType, number>;
  const problems: FieldProblem[] = [];
  for (const [t, d] of Object.entries(opts.maxDistance ?? {})) {
    if (!isSingleHashType(t) && !isListHashType(t)) {
      problems.push({ path: `maxDistance/${t}`, message: `unknown hash type ${JSON.stringify(t)}` });
      continue;
    }
    const cap = HASH_SPECS[t].maxDistanceCap;
    if (!Number.isInteger(d) || d < 0 || d > cap) {
      problems.push({ path: `maxDistance/${t}`, message: `${t} maxDistance must be an integer from 0 to ${cap}` });
      continue;
    }
    out[t] = d;
  }
  if (problems.length) throw new DomainError('invalid_request', problems[0].message, { errors: problems });
  return out;
}

export async function matchHashes(deps: ServiceDeps, queries: MatchQuery[], opts: MatchOptions = {}): Promise<MatchResult[]> {
  checkBatchSize(queries.length, deps.limits.maxBatch, 'hashes');
  const maxPages = deps.documents.limits.maxPages;
  checkFrameTotal(queries, deps.video.decode.maxFrames, 'hashes', maxPages);
  const thresholds = resolveThresholds(opts);
  const problems: FieldProblem[] = [];
  const parsed = queries.map((q, i) => {
    const r = checkItem(q, `hashes/${i}`, { maxFrames: deps.video.decode.maxFrames, maxPages }, 'match');
    if ('problems' in r) problems.push(...r.problems);
    if (q.quality !== undefined && (!Number.isInteger(q.quality) || q.quality < 0 || q.quality > 100)) problems.push({ path: `hashes/${i}/quality`, message: 'quality must be an integer from 0 to 100' });
    if ('problems' in r) return null;
    const h: HashWithVariants = { type: r.type, value: r.value, quality: q.quality, frames: r.frames, pages: r.pages, urlCandidates: r.url?.candidates, url: r.url?.canonical };
    // From a hash alone only PDQ's variants can be derived (approximately; see dihedralFromHash).
    if (opts.dihedral && h.type === 'pdq') h.variants = PDQ_DIHEDRAL_VARIANTS.map((variant) => ({ variant, value: dihedralFromHash(h.value, variant) }));
    return h;
  });
  if (problems.length) throw new DomainError('invalid_request', problems[0].message, { errors: problems });
  return matchParsed(deps, parsed as HashWithVariants[], thresholds);
}

/**
 * Each query, and each of its variants, against the index; per stored hash the nearest variant wins.
 * A vpdq query matches stored videos by the vPDQ rule (services/video-matching.ts), and a PDQ query
 * also matches the frames of stored videos.
 */
export async function matchParsed(deps: ServiceDeps, queries: HashWithVariants[], thresholds: Record<HashType, number>): Promise<MatchResult[]> {
  // A half-loaded index would miss hashes: say so rather than answer "no match".
  if (!deps.index.ready()) throw new DomainError('not_ready', 'the match index is still loading after a start; retry in a few seconds', { extra: { retryAfter: 2 } });
  const elapsed = deps.metrics.timer();
  const videos = await Promise.all(queries.map((q) => (isListHashType(q.type) ? matchVideo(deps, q, thresholds) : null)));
  const urls = await matchUrls(deps, queries);
  // Every value to look up (a query, or each of its variants), one batch per type.
  const probes = new Map<HashType, { query: number; variant?: string; value: string }[]>();
  queries.forEach((q, i) => {
    if (isListHashType(q.type) || urls.has(i)) return;
    const list = probes.get(q.type) ?? probes.set(q.type, []).get(q.type)!;
    for (const p of q.variants?.length ? q.variants : [{ variant: undefined, value: q.value }]) list.push({ query: i, variant: p.variant, value: p.value });
  });
  const best = queries.map(() => new Map<number, { distance: number; variant?: string }>());
  await Promise.all(
    [...probes].map(async ([type, list]) => {
      const found = await deps.index.queryMany(type, list.map((p) => p.value), thresholds[type]);
      list.forEach((p, k) => {
        for (const h of found[k]) {
          const cur = best[p.query].get(h.seq);
          if (!cur || h.distance < cur.distance) best[p.query].set(h.seq, { distance: h.distance, variant: p.variant });
        }
      });
    }),
  );
  const hits = best.map((b) => [...b].map(([seq, x]) => ({ seq, ...x })).sort((a, c) => a.distance - c.distance || a.seq - c.seq));
  const inVideos = await stillsInVideos(deps, queries, thresholds.pdq);
  const details = new Map((await deps.hashes.getBySeqs(hits.flat().map((h) => h.seq))).map((d) => [d.seq, d]));
  const results = queries.map((q, i): MatchResult => {
    const video = videos[i] ?? urls.get(i);
    if (video) return video;
    return {
      query: { type: q.type, value: q.value, ...(q.quality !== undefined ? { quality: q.quality } : {}) },
      ...(q.type === 'pdq' && q.quality !== undefined && q.quality < PDQ_MIN_SHARE_QUALITY ? { lowQuality: true } : {}),
      matches: [
        ...hits[i].flatMap((hit) => {
          const d = details.get(hit.seq);
          // The index follows commits; a hash retracted a moment ago must still never match.
          if (!d || d.status !== 'active') return [];
          const m = matchOf(d, hit.distance);
          if (hit.variant) m.variant = hit.variant;
          return [m];
        }),
        ...(inVideos.get(i) ?? []),
      ],
    };
  });
  deps.metrics.matched(elapsed(), tallyMatches(results));
  return results;
}

/** Queries and queries with at least one match, per hash type. */
function tallyMatches(results: MatchResult[]): MatchTally[] {
  const by = new Map<string, MatchTally>();
  for (const r of results) {
    const t = by.get(r.query.type) ?? by.set(r.query.type, { type: r.query.type, queries: 0, hits: 0 }).get(r.query.type)!;
    t.queries++;
    if (r.matches.length) t.hits++;
  }
  return [...by.values()];
}

/**
 * Counts match queries per client and UTC day (DESIGN §7: counted, never logged with their hashes).
 * Counts gather in memory and are written by `flush()` (every few seconds on Node, at once on
 * Workers), so a match query costs no database write. A crash loses at most the unflushed counts.
 */
export class MatchCounter {
  private pending = new Map<string, { clientId: string; day: string; queries: number; hashes: number }>();

  constructor(
    private readonly ledger: ServiceDeps['ledger'],
    private readonly now: () => number,
    /** Write at once (Workers: no timer outlives a request). */
    readonly flushEachRequest = false,
  ) {}

  record(clientId: string, hashes: number): void {
    const day = new Date(this.now()).toISOString().slice(0, 10);
    const k = `${clientId}|${day}`;
    const p = this.pending.get(k);
    if (p) {
      p.queries++;
      p.hashes += hashes;
    } else this.pending.set(k, { clientId, day, queries: 1, hashes });
  }

  async flush(): Promise<void> {
    const batch = [...this.pending.values()];
    this.pending.clear();
    await this.ledger.countMatches(batch);
  }
}

export async function countMatchQuery(deps: Pick<ServiceDeps, 'matchCounter'>, clientId: string, hashes: number): Promise<void> {
  deps.matchCounter.record(clientId, hashes);
  if (deps.matchCounter.flushEachRequest) await deps.matchCounter.flush();
}
