/**
 * Matching a URL sent as a URL: its exact digest, and the host and folder keys it falls under
 * (core/url `prefixDigests`), each looked up as an exact `url` value. A match says which it was:
 * the URL itself, its whole host, or a folder a member shared (a channel, a user's uploads).
 * A `url` query sent as a digest is an exact value like any other, matched in matching.ts.
 */
import type { ServiceDeps } from './deps';
import type { HashWithVariants } from './hashing';
import type { Match, MatchResult } from './matching';
import { matchable, matchOf } from './views';

export async function matchUrls(deps: ServiceDeps, queries: HashWithVariants[]): Promise<Map<number, MatchResult>> {
  const out = new Map<number, MatchResult>();
  const asked = queries.flatMap((q, i) => (q.type === 'url' && q.urlCandidates ? [{ i, q, candidates: q.urlCandidates }] : []));
  if (asked.length === 0) return out;
  const hits = await deps.index.queryMany(
    'url',
    asked.flatMap((a) => a.candidates.map((c) => c.digest)),
    0,
  );
  const details = new Map((await deps.hashes.getBySeqs(hits.flat().map((h) => h.seq))).map((d) => [d.seq, d]));
  const origins = await deps.origins.matching();
  let k = 0;
  for (const { i, q, candidates } of asked) {
    const matches: Match[] = [];
    candidates.forEach((c, j) => {
      // The first candidate is the host key; the last the URL itself; between them, its folders.
      const scope = c.scope === 'exact' ? 'exact' : j === 0 ? 'host' : 'prefix';
      for (const h of hits[k++]) {
        const d = details.get(h.seq);
        if (matchable(d, origins)) matches.push({ ...matchOf(d, 0), url: { scope } });
      }
    });
    // The narrowest first: the URL itself, then its folders from the deepest, then the host.
    out.set(i, { query: { type: 'url', value: q.value, canonicalUrl: q.url }, matches: matches.reverse() });
  }
  return out;
}
