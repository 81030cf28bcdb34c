/** Match queries: each hash against the index, with per-type thresholds a request may tighten or widen up to a cap. */
import { DomainError, type FieldProblem } from '../core/errors';
import { checkHash, HASH_SPECS, isSingleHashType, type SingleHashType } from '../core/hashes';
import type { ServiceDeps } from './deps';
import { checkBatchSize } from './sharing';
import { activeContributions, feedbackCounts, labelsOf } from './views';

export interface MatchQuery {
  type: string;
  value: string;
}

export interface MatchOptions {
  maxDistance?: Record<string, number>;
  dihedral?: boolean;
}

export interface Match {
  id: string;
  type: SingleHashType;
  value: string;
  distance: number;
  labels: string[];
  /** How many members contributed this hash. */
  contributors: number;
  feedback: { confirm: number; dispute: number };
}

export interface MatchResult {
  query: { type: SingleHashType; value: string };
  matches: Match[];
}

export function resolveThresholds(opts: MatchOptions): Record<SingleHashType, number> {
  const out = Object.fromEntries(Object.entries(HASH_SPECS).map(([t, s]) => [t, s.defaultMaxDistance])) as Record<SingleHashType, number>;
  const problems: FieldProblem[] = [];
  for (const [t, d] of Object.entries(opts.maxDistance ?? {})) {
    if (!isSingleHashType(t)) {
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
  const thresholds = resolveThresholds(opts);
  const problems: FieldProblem[] = [];
  const parsed = queries.map((q, i) => {
    const r = checkHash(q.type, q.value, `hashes/${i}`);
    if ('problems' in r) problems.push(...r.problems);
    return 'value' in r ? { type: q.type as SingleHashType, value: r.value } : null;
  });
  if (problems.length) throw new DomainError('invalid_request', problems[0].message, { errors: problems });
  return matchParsed(deps, parsed as { type: SingleHashType; value: string }[], thresholds);
}

export async function matchParsed(deps: ServiceDeps, queries: { type: SingleHashType; value: string }[], thresholds: Record<SingleHashType, number>): Promise<MatchResult[]> {
  const hits = await Promise.all(queries.map((q) => deps.index.query(q.type, q.value, thresholds[q.type])));
  const details = new Map((await deps.hashes.getBySeqs(hits.flat().map((h) => h.seq))).map((d) => [d.seq, d]));
  return queries.map((q, i) => ({
    query: q,
    matches: hits[i].flatMap((hit) => {
      const d = details.get(hit.seq);
      // The index follows commits; a hash retracted a moment ago must still never match.
      if (!d || d.status !== 'active') return [];
      return [{ id: d.id, type: d.type, value: d.value, distance: hit.distance, labels: labelsOf(d), contributors: activeContributions(d).length, feedback: feedbackCounts(d) }];
    }),
  }));
}

/** Counts a match query per client and UTC day (DESIGN §7: counted, never logged with its hashes). */
export async function countMatchQuery(deps: Pick<ServiceDeps, 'log' | 'now'>, clientId: string, hashes: number): Promise<void> {
  await deps.log.countMatches(clientId, new Date(deps.now()).toISOString().slice(0, 10), hashes);
}
