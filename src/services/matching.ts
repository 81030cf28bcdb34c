/**
 * Match queries: each hash against the index, with per-type thresholds a request may tighten or widen
 * up to a cap. The queries arrive checked (src/http/hash-input.ts): known types, hex of the right
 * length in lowercase (tlsh: T1 and upper case), a vpdq or pdf item's value the digest of its frames
 * or pages, a URL canonicalised with the keys it falls under, distances within their caps.
 */
import { DomainError } from '../core/errors';
import { HASH_SPECS, isListHashType, THRESHOLDS, type HashType } from '../core/hashes';
import type { ItemRef } from '../core/items';
import type { HashDetail } from '../storage/types';
import { dihedralFromHash, PDQ_DIHEDRAL_VARIANTS } from '../core/pdq';
import { aloneRadius, isDihedralQuery, isSearchVariant, ROBUST_RULES, storedClass, strongestHit, type RobustRules } from '../core/robust';
import type { ServiceDeps } from './deps';
import type { MatchTally } from './observe';
import type { HashQuery, HashWithVariants, UrlScope } from './hashing';
import { matchUrls } from './url-matching';
import { matchVideo, stillsInVideos } from './video-matching';
import { matchable, matchOf } from './views';

export interface MatchOptions {
  /** Per type, the largest distance that matches (Hamming; tlsh: TLSH distance; within HASH_SPECS' caps). */
  maxDistance?: Partial<Record<HashType, number>>;
  dihedral?: boolean;
}

export interface Match {
  id: string;
  type: HashType;
  value: string;
  distance: number;
  labels: string[];
  /** How many members contributed this hash (at its origin, for a pulled one). */
  contributors: number;
  /** A hash pulled from a peer: the URL of the node it was shared at. */
  origin?: string;
  feedback: { confirm: number; dispute: number };
  /** With dihedral matching: which rotation or mirror of the query matched (the nearest). */
  variant?: string;
  /** ... and the query's hash under it. */
  variantValue?: string;
  /**
   * Robust matching: the distance lies within the rules' weak margin of its threshold and no hash
   * of the other perceptual type matched: one weak signal, to be checked by a person.
   */
  weak?: boolean;
  /**
   * Robust matching, internal: within its type's `together` threshold only, so a match only if the
   * same item matched through the other perceptual type too (robust-matching settleTogether removes
   * the flag, or the match).
   */
  together?: boolean;
  /** A video matched a stored video: the vPDQ shares, in percent. */
  video?: { queryMatchPercent: number; candidateMatchPercent: number };
  /** An image matched a frame of a video: that frame. */
  frame?: { index: number; timestamp: number };
  /** A PDF matched a stored PDF by its pages: the shares, in percent. */
  document?: { queryMatchPercent: number; candidateMatchPercent: number };
  /** An image matched a page of a PDF: that page. */
  page?: { number: number };
  /** A URL query matched the URL itself, or a host or folder a member shared. */
  url?: { scope: UrlScope };
  /** The item (shared media) the matched hash belongs to, and the variant of it the hash was computed from; the first shared when several. */
  item?: ItemRef;
  /** Every item the matched hash belongs to, when more than one. */
  items?: ItemRef[];
}

/** What the index found for one query. */
export interface MatchResult {
  query: {
    type: HashType;
    value: string;
    quality?: number;
    frames?: number;
    usableFrames?: number;
    pages?: number;
    usablePages?: number;
    canonicalUrl?: string;
  };
  /** The query's PDQ quality is below 50 (a video or PDF: no usable frame or page): matches on it are weak evidence. */
  lowQuality?: boolean;
  matches: Match[];
}

/** A result as answered: whether anything matched, said outright. */
export type MatchAnswer = { query: MatchResult['query']; matched: boolean } & Omit<MatchResult, 'query'>;

/** The default distance per type, with the request's own where it gave one. */
export function resolveThresholds(maxDistance: MatchOptions['maxDistance'] = {}): Record<HashType, number> {
  const pick = (t: HashType) => maxDistance[t] ?? HASH_SPECS[t].defaultMaxDistance;
  return {
    pdq: pick('pdq'),
    blockhash: pick('blockhash'),
    md5: pick('md5'),
    sha256: pick('sha256'),
    vpdq: pick('vpdq'),
    pdf: pick('pdf'),
    tlsh: pick('tlsh'),
    url: pick('url'),
  };
}

/**
 * POST /v1/match: each query as sent, at its type's distance. A pdq or blockhash query with the
 * rotations and mirrors the client hashed from the image (`variants`) has each of them looked up as
 * robust matching looks up its own (core/robust rules.ts, the dihedral row: within the row's widest
 * distance, then judged per stored variant, alone only), no farther than the request's maxDistance
 * for the type; with `dihedral` and no variants a pdq query's are derived from its bits and held to
 * the pdq distance, as before.
 */
export async function matchHashes(deps: ServiceDeps, queries: readonly HashQuery[], opts: MatchOptions = {}): Promise<MatchAnswer[]> {
  const thresholds = resolveThresholds(opts.maxDistance);
  const sent = new Set<number>();
  const withVariants = queries.map((q, i): HashWithVariants => {
    if (q.type === 'vpdq' || q.type === 'pdf') return q;
    // A URL sent as a URL is looked up by every key it falls under (services/url-matching.ts).
    if (q.type === 'url') return { type: 'url', value: q.value, url: q.url?.canonical, urlCandidates: q.url?.candidates };
    if ((q.type === 'pdq' || q.type === 'blockhash') && q.variants?.length) {
      sent.add(i);
      const type = q.type;
      const cap = opts.maxDistance?.[type] ?? Number.POSITIVE_INFINITY;
      const turned = q.variants.map((v) => ({ variant: v.variant, value: v.value, maxDistance: Math.min(aloneRadius(ROBUST_RULES, type, v.variant), cap) }));
      return { ...q, variants: [{ variant: 'original', value: q.value }, ...turned] };
    }
    // From a hash alone only PDQ's variants can be derived (approximately; see dihedralFromHash).
    if (opts.dihedral && q.type === 'pdq')
      return { ...q, variants: PDQ_DIHEDRAL_VARIANTS.map((variant) => ({ variant, value: dihedralFromHash(q.value, variant) })) };
    return { type: q.type, value: q.value, quality: q.quality };
  });
  return matchParsed(deps, withVariants, thresholds, { judge: hashQueryJudge(sent) });
}

/**
 * The judge of a /v1/match request. A hit of a rotation or mirror the client sent counts as robust
 * matching counts a rotation's (the rule table's dihedral row for the stored hash's variants: a
 * whole image, a region, never a crop; alone only). Every other pdq or blockhash hit (the hash as
 * sent, PDQ variants derived from a hash) counts within the distance it was looked up within against
 * a stored whole image, and against a stored region or crop (items shared as media, or by the CLI,
 * store them) no farther than the rule table's row for that query allows: a whole image never
 * matches a crop, and a region only within the region column (issue 14 item 8: the crops met
 * related artwork at 22 bits). A hash in several items counts by its loosest variant.
 */
function hashQueryJudge(sent: ReadonlySet<number>, rules: RobustRules = ROBUST_RULES): HitJudge {
  return (type, queryVariant, storedVariants, distance, maxDistance, query) => {
    if (type !== 'pdq' && type !== 'blockhash') return distance <= maxDistance ? { strength: 'alone', threshold: maxDistance } : null;
    const turned = queryVariant !== undefined && isDihedralQuery(queryVariant);
    if (turned && query !== undefined && sent.has(query)) {
      const hit = strongestHit(rules, type, queryVariant, storedVariants, distance);
      return hit?.strength === 'alone' ? hit : null;
    }
    const row = rules.alone[type][turned ? 'dihedral' : 'whole'];
    let best = -1;
    for (const v of storedVariants) {
      const cls = storedClass(v);
      best = Math.max(best, cls === 'whole' ? maxDistance : Math.min(maxDistance, row[cls]));
    }
    return distance <= best ? { strength: 'alone', threshold: best } : null;
  };
}

/**
 * Each query, and each of its variants, against the index; per stored hash the nearest variant wins.
 * A vpdq (pdf) query matches stored videos (PDFs) by the vPDQ rule on their frames (pages)
 * (services/video-matching.ts), a PDQ query also matches the frames of stored videos and the pages
 * of stored PDFs, and a URL sent as a URL matches its host's and folders' keys too (url-matching.ts).
 */
export async function matchParsed(
  deps: ServiceDeps,
  queries: HashWithVariants[],
  thresholds: Record<HashType, number>,
  opts: {
    judge?: HitJudge;
    weakMargin?: number;
    onePerShare?: boolean;
    /** Stored hashes a query variant came near, found without the index (robust-matching togetherByItems): judged as the index's hits are. */
    extra?: readonly NearHit[];
    /** The match's timer, when the caller's own lookups (togetherByItems) belong to the time matching took. */
    elapsed?: () => number;
  } = {},
): Promise<MatchAnswer[]> {
  // A half-loaded index would miss hashes: say so rather than answer "no match".
  if (!deps.index.ready())
    throw new DomainError('not_ready', 'the match index is still loading after a start; retry in a few seconds', { extra: { retryAfter: 2 } });
  const elapsed = opts.elapsed ?? deps.metrics.timer();
  const videos = await Promise.all(queries.map((q) => (isListHashType(q.type) ? matchVideo(deps, q, thresholds) : null)));
  const urls = await matchUrls(deps, queries);
  // Every value to look up (a query, or each of its variants), one batch per type.
  const probes = new Map<HashType, { query: number; variant?: string; value: string; maxDistance: number }[]>();
  queries.forEach((q, i) => {
    if (isListHashType(q.type) || urls.has(i)) return;
    let list = probes.get(q.type);
    if (!list) probes.set(q.type, (list = []));
    for (const p of q.variants?.length ? q.variants : [{ variant: undefined, value: q.value, maxDistance: undefined }]) {
      // A variant the rules never let match (below its quality gate) is not looked up.
      const maxDistance = p.maxDistance ?? thresholds[q.type];
      if (maxDistance >= 0) list.push({ query: i, variant: p.variant, value: p.value, maxDistance });
    }
  });
  // Per query, per stored hash: every variant that came within its lookup distance.
  const near = queries.map(() => new Map<number, { distance: number; variant?: string; maxDistance: number }[]>());
  const note = (query: number, seq: number, hit: { distance: number; variant?: string; maxDistance: number }) => {
    const seen = near[query].get(seq);
    if (seen) seen.push(hit);
    else near[query].set(seq, [hit]);
  };
  await Promise.all(
    [...probes].map(async ([type, list]) => {
      if (!list.length) return;
      // Each within its own distance where the index can (a lookup within the widest costs far more
      // at 1 M hashes: see MatchIndex.queryWithin); else one batch within the widest.
      const values = list.map((p) => p.value);
      const radii = list.map((p) => p.maxDistance);
      const found = deps.index.queryWithin ? await deps.index.queryWithin(type, values, radii) : await deps.index.queryMany(type, values, Math.max(...radii));
      list.forEach((p, k) => {
        for (const h of found[k]) {
          if (h.distance <= p.maxDistance) note(p.query, h.seq, { distance: h.distance, variant: p.variant, maxDistance: p.maxDistance });
        }
      });
    }),
  );
  for (const x of opts.extra ?? []) note(x.query, x.seq, { distance: x.distance, variant: x.variant, maxDistance: x.maxDistance });
  const inVideos = await stillsInVideos(deps, queries, thresholds.pdq);
  const details = new Map((await deps.hashes.getBySeqs(near.flatMap((n) => [...n.keys()]))).map((d) => [d.seq, d]));
  const origins = await deps.origins.matching();
  const hits = near.map((n, i) => {
    const out: Hit[] = [];
    for (const [seq, tried] of n) {
      const d = details.get(seq);
      // The index follows commits; a hash retracted a moment ago must still never match.
      if (!matchable(d, origins)) continue;
      const pick = pickHit(queries[i].type, i, tried, d.items, opts.judge);
      if (pick) out.push({ seq, detail: d, ...pick });
    }
    return out.sort((a, c) => a.distance - c.distance || a.seq - c.seq);
  });
  const standing = opts.judge ? supportedOnly(queries, hits, inVideos) : hits;
  const found = queries.map(
    (q, i): MatchResult =>
      videos[i] ??
      urls.get(i) ?? {
        query: { type: q.type, value: q.value, ...(q.quality !== undefined ? { quality: q.quality } : {}) },
        ...(q.type === 'pdq' && q.quality !== undefined && q.quality < THRESHOLDS.pdq.minQuality ? { lowQuality: true } : {}),
        matches: [
          ...(opts.onePerShare ? onePerShare(standing[i]) : standing[i]).map((hit) => {
            const m = matchOf(hit.detail, hit.distance);
            if (hit.variant) m.variant = hit.variant;
            if (hit.together) m.together = true;
            else if (opts.weakMargin !== undefined && hit.distance > hit.threshold - opts.weakMargin) m.weak = true;
            return m;
          }),
          ...(inVideos.get(i) ?? []),
        ],
      },
  );
  deps.metrics.matched(elapsed(), tallyMatches(found));
  return found.map((r, i) => answer(r, queries[i]));
}

/** A stored hash (by seq) that variant `variant` of query `query` came within `distance` of, looked up within `maxDistance`. */
export interface NearHit {
  query: number;
  seq: number;
  distance: number;
  variant?: string;
  maxDistance: number;
}

/**
 * Robust matching's rule for one hit (core/robust rules.ts hitStrength): a query variant met a stored
 * hash, whose items name the variants it stands for, at a distance. `alone` matches on its own
 * (within `threshold`); `together` only when the same item matched through the other perceptual type
 * too (services/robust-matching settleTogether); null not at all.
 */
export type HitJudge = (
  type: HashType,
  queryVariant: string | undefined,
  storedVariants: readonly string[],
  distance: number,
  /** The distance the variant was looked up within (the plain threshold, for types the judge does not rule). */
  maxDistance: number,
  /** Which query of the request (its index); matching always says, a judge called alone (a test) may not. */
  query?: number,
) => { strength: 'alone' | 'together'; threshold: number } | null;

interface Hit {
  seq: number;
  detail: HashDetail;
  distance: number;
  variant?: string;
  threshold: number;
  together: boolean;
}

/**
 * Of the query variants that met one stored hash, the one that counts: the nearest within its
 * threshold; with a judge, the nearest that matches alone, else the nearest that matches together.
 */
function pickHit(
  type: HashType,
  query: number,
  tried: { distance: number; variant?: string; maxDistance: number }[],
  items: readonly ItemRef[],
  judge: HitJudge | undefined,
): Omit<Hit, 'seq' | 'detail'> | null {
  let best: Omit<Hit, 'seq' | 'detail'> | null = null;
  const stored = items.length ? items.map((it) => it.variant) : ['whole'];
  for (const t of tried) {
    const j = judge ? judge(type, t.variant, stored, t.distance, t.maxDistance, query) : { strength: 'alone' as const, threshold: t.maxDistance };
    if (!j) continue;
    const c = { distance: t.distance, variant: t.variant, threshold: j.threshold, together: j.strength === 'together' };
    if (!best || (best.together && !c.together) || (best.together === c.together && c.distance < best.distance)) best = c;
  }
  return best;
}

/**
 * The two-signal rule on the hits, before one hit per share is kept: a hit that counts only together
 * stands when one of its items matched through the other perceptual type as well (within either
 * threshold). Dropped here, a hit that cannot stand does not take its items' place from one that can
 * in onePerShare. (services/robust-matching settleTogether, after it, then only removes the `together` flag.)
 */
function supportedOnly(queries: readonly HashWithVariants[], hits: Hit[][], inVideos: Map<number, Match[]>): Hit[][] {
  if (!hits.some((list) => list.some((h) => h.together))) return hits;
  const support = [...inVideos.values()].flat().map((m) => ({ type: m.type, items: matchItemIds(m) }));
  return keepSupported(hits, (h, i) => ({ type: queries[i].type, items: h.detail.items.map((it) => it.id), together: h.together }), support);
}

/** The item ids a match names (none for a hash shared alone). */
export const matchItemIds = (m: Match): string[] => (m.items ?? (m.item ? [m.item] : [])).map((it) => it.id);

/** What the two-signal rule reads of an entry: its hash type, its items, whether it counts only together. */
interface Signal {
  type: string;
  items: readonly string[];
  together?: boolean;
}

/**
 * The two-signal rule of robust matching: of each list, the entries that stand. An entry that counts
 * only together stands when one of its items is named by an entry of the other perceptual type (PDQ
 * for blockhash, blockhash for everything else) in any list, or in `more`; every other entry stands.
 */
export function keepSupported<T>(lists: readonly (readonly T[])[], of: (entry: T, list: number) => Signal, more: readonly Signal[] = []): T[][] {
  const signals = lists.map((list, i) => list.map((e) => of(e, i)));
  const byType = new Map<string, Set<string>>();
  for (const { type, items } of [...signals.flat(), ...more]) {
    let set = byType.get(type);
    if (!set) byType.set(type, (set = new Set()));
    for (const id of items) set.add(id);
  }
  const other = (type: string) => byType.get(type === 'pdq' ? 'blockhash' : 'pdq') ?? new Set<string>();
  return lists.map((list, i) =>
    list.filter((_, k) => {
      const s = signals[i][k];
      return !s.together || s.items.some((id) => other(s.type).has(id));
    }),
  );
}

/**
 * Robust matching: one hit per item (its whole image, regions, crops), the nearest that matches
 * alone, else the nearest that matches together; a hash in several items answers while one of them
 * has not answered yet. In order of distance. The query's own crops (`recrop-…`) answer for an item
 * only when nothing else of the query matches it alone: a copy as shared meets the stored 5 % crop
 * through its own 5 % crop as closely as it meets the whole image, and the whole image says more.
 */
function onePerShare(hits: Hit[]): Hit[] {
  const seen = new Set<string>();
  const out: Hit[] = [];
  const pass = (h: Hit) => (h.together ? 2 : h.variant !== undefined && isSearchVariant(h.variant) ? 1 : 0);
  for (const p of [0, 1, 2])
    for (const h of hits) {
      if (pass(h) !== p) continue;
      const keys = shareKeys(h.detail);
      if (keys.every((k) => seen.has(k))) continue;
      for (const k of keys) seen.add(k);
      out.push(h);
    }
  return out.sort((a, c) => a.distance - c.distance || a.seq - c.seq);
}

/**
 * Which shared media a hash belongs to: its items (issue 14 item 5); for a hash shared without an
 * item (by value, or pulled from a node that sends none), its contributions' members and times (the
 * hashes one request shared carry the same commit time and externalId).
 */
function shareKeys(d: { items: readonly { id: string }[]; contributions: { contributor: string; createdAt: number; externalId: string | null }[] }): string[] {
  if (d.items.length) return d.items.map((it) => `item:${it.id}`);
  return [JSON.stringify(d.contributions.map((c) => [c.contributor, c.createdAt, c.externalId]).sort())];
}

/** Queries and queries with at least one match, per hash type. */
function tallyMatches(results: MatchResult[]): MatchTally[] {
  const by = new Map<string, MatchTally>();
  for (const r of results) {
    let t = by.get(r.query.type);
    if (!t) by.set(r.query.type, (t = { type: r.query.type, queries: 0, hits: 0 }));
    t.queries++;
    if (r.matches.length) t.hits++;
  }
  return [...by.values()];
}

/** A result as answered: `matched` said outright, and each match through a variant with that variant's hash. */
function answer(r: MatchResult, q: HashWithVariants): MatchAnswer {
  const variantValue = (name: string) => q.variants?.find((v) => v.variant === name)?.value;
  return {
    query: r.query,
    matched: r.matches.length > 0,
    ...(r.lowQuality ? { lowQuality: true } : {}),
    matches: r.matches.map((m) => (m.variant === undefined ? m : { ...m, variantValue: variantValue(m.variant) })),
  };
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
