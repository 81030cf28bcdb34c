/**
 * Robust matching and sharing of images (issue 14): which of an image's hashes are shared (exact
 * always; a perceptual hash only above its quality gate, the others named with the reason), and how
 * a query's whole image, its rotations and mirrors and its regions are looked up, each at the
 * threshold the rule table (core/robust rules.ts) gives its class.
 */
import { aloneRadius, lookupRadius, ROBUST_RULES, strongestHit, type RobustRules, type RobustType } from '../core/robust';
import type { HashWithVariants, MediaHashes, RobustVariant } from './hashing';
import { hashList } from './hashing';
import { hammingHex } from '../core/hashes';
import { keepSupported, matchItemIds, matchParsed, resolveThresholds, type HitJudge, type MatchAnswer, type NearHit } from './matching';
import type { ServiceDeps } from './deps';

/** A perceptual hash left out of a share, and why, in the node's words. */
export interface OmittedHash {
  type: RobustType;
  variant: string;
  quality: number;
  reason: string;
}

const GATE_WHY: Record<RobustType, string> = {
  pdq: 'PDQ quality',
  blockhash: "blockhash quality (the share of blocks clear of their band's median)",
};

/**
 * Why a perceptual hash is too weak to store or look up, or null. A region too smooth for PDQ (its
 * PDQ quality below the gate) is too smooth for blockhash as well: the evaluation's worst magnet was
 * a smooth gradient whose blockhash passed blockhash's own gate.
 */
export function gateProblem(h: RobustVariant, all: readonly RobustVariant[], rules: RobustRules = ROBUST_RULES): string | null {
  const region = h.variant === 'whole' ? 'image' : `${h.variant} region`;
  const q = h.quality ?? 0;
  const min = rules.minQuality[h.type];
  if (q < min) return `${GATE_WHY[h.type]} ${q} is below ${min}: the ${region} is too flat for this hash to tell it from unrelated images`;
  if (h.type === 'blockhash') {
    const pdq = all.find((x) => x.type === 'pdq' && x.variant === h.variant)?.quality ?? 0;
    const need = rules.blockhashMinPdqQuality;
    if (pdq < need) return `the ${region}'s PDQ quality ${pdq} is below ${need}: too smooth for blockhash as well`;
  }
  return null;
}

/** The hashes of an image a share stores (with the variant each stands for) and those it leaves out. */
export function shareableImageHashes(
  h: MediaHashes,
  rules: RobustRules = ROBUST_RULES,
): { items: (HashWithVariants & { variant?: string })[]; omitted: OmittedHash[] } {
  const robust = h.robust ?? [];
  const omitted: OmittedHash[] = [];
  const perceptual: (HashWithVariants & { variant: string })[] = [];
  for (const r of robust) {
    const why = gateProblem(r, robust, rules);
    if (why) omitted.push({ type: r.type, variant: r.variant, quality: r.quality ?? 0, reason: why });
    else perceptual.push({ type: r.type, value: r.value, quality: r.type === 'pdq' ? r.quality : undefined, variant: r.variant });
  }
  const exact = hashList(h).filter((x) => x.type === 'md5' || x.type === 'sha256');
  return { items: [...perceptual, ...exact], omitted };
}

/**
 * The queries of a robust image match: PDQ and blockhash each with their rotations and mirrors and
 * the image's regions as variants, each looked up within the widest distance its class may match at
 * (-1 below the quality gate: not looked up; robustJudge then decides per stored variant); md5 and
 * sha256 as they are.
 */
export function robustImageQueries(h: MediaHashes, rules: RobustRules = ROBUST_RULES): HashWithVariants[] {
  const robust = h.robust ?? [];
  const usable = (type: RobustType, variant: string) => {
    const r = robust.find((x) => x.type === type && x.variant === variant);
    return r !== undefined && gateProblem(r, robust, rules) === null;
  };
  return hashList(h).map((q) => {
    if (q.type !== 'pdq' && q.type !== 'blockhash') return q;
    const type = q.type;
    const wholeOk = usable(type, 'whole');
    const turned = (q.variants ?? [{ variant: 'original', value: q.value }]).map((v) => ({
      ...v,
      maxDistance: wholeOk ? lookupRadius(rules, type, v.variant) : -1,
    }));
    const regions = robust
      .filter((r) => r.type === type && r.variant !== 'whole' && usable(type, r.variant))
      .map((r) => ({ variant: r.variant, value: r.value, maxDistance: lookupRadius(rules, type, r.variant) }));
    return { ...q, variants: [...turned, ...regions] };
  });
}

/**
 * The rule table as matching's judge: a hit counts by its query variant's class and the stored
 * hash's (the loosest of its items' variants); hashes of other types (md5, sha256) at their own
 * distance.
 */
export function robustJudge(rules: RobustRules = ROBUST_RULES): HitJudge {
  return (type, queryVariant, storedVariants, distance, maxDistance) => {
    if (type !== 'pdq' && type !== 'blockhash') return distance <= maxDistance ? { strength: 'alone', threshold: maxDistance } : null;
    return strongestHit(rules, type, queryVariant ?? 'original', storedVariants, distance);
  };
}

/**
 * Matches on two signals: a match within only its `together` threshold stands when the same item
 * matched through the other perceptual type as well (within either threshold), and is dropped
 * otherwise; the internal flag does not reach the answer.
 */
export function settleTogether(results: MatchAnswer[]): MatchAnswer[] {
  const kept = keepSupported(
    results.map((r) => r.matches),
    (m) => ({ type: m.type, items: matchItemIds(m), together: m.together }),
  );
  return results.map((r, i) => {
    if (!r.matches.some((m) => m.together)) return r;
    const matches = kept[i].map(({ together: _, ...m }) => m);
    return { ...r, matched: matches.length > 0, matches };
  });
}

/** A weak match stays weak only when no other hash of the upload matched anything. */
export function settleWeak(results: MatchAnswer[]): MatchAnswer[] {
  const supported = results.filter((r) => r.matched).length > 1;
  if (!supported) return results;
  return results.map((r) => ({ ...r, matches: r.matches.map(({ weak: _weak, ...m }) => m) }));
}

/**
 * PDQ's together distance without the lookup it would take. A PDQ hit beyond the distances at which
 * PDQ matches alone counts only together with a blockhash match of the same item (settleTogether),
 * so the only stored PDQ hashes it can concern are those of the items the upload's blockhash comes
 * near. The PDQ queries are looked up within their alone distances only; the upload's blockhash
 * probes are looked up first (cheap: within 28 bits of 256 at most, and made again by matching),
 * and the PDQ hashes of the items they found are compared with each PDQ variant that may match
 * together, in memory, and given to matching as hits to judge like the index's. The answers are
 * those of looking PDQ up within its together distance (test/http/robust-lookups.test.ts); what is
 * saved is that lookup, the costliest of the query (the image as sent within 56 bits: at 1 M
 * stored hashes it cost more than the rest of the query's lookups together), for every upload.
 * Where the index looks a batch up within its widest distance in one round trip (the SQL indexes
 * of Workers), the queries are left as they are.
 */
export async function togetherByItems(
  deps: ServiceDeps,
  queries: HashWithVariants[],
  rules: RobustRules = ROBUST_RULES,
): Promise<{ queries: HashWithVariants[]; extra: NearHit[] }> {
  const alone = (v: { variant?: string; maxDistance?: number }) => Math.min(v.maxDistance ?? -1, aloneRadius(rules, 'pdq', v.variant ?? 'original'));
  const at = queries.findIndex((q) => q.type === 'pdq');
  const pdq = queries[at];
  const wide = (pdq?.variants ?? []).filter((v) => (v.maxDistance ?? -1) > alone(v));
  // A loading index is refused by matching (not_ready), never read here.
  if (!deps.index.ready() || !deps.index.queryWithin || !wide.length) return { queries, extra: [] };
  const narrowed = queries.map((q, i) => (i === at ? { ...q, variants: q.variants?.map((v) => ({ ...v, maxDistance: alone(v) })) } : q));
  const probes = queries.filter((q) => q.type === 'blockhash').flatMap((q) => (q.variants ?? []).filter((v) => (v.maxDistance ?? -1) >= 0));
  if (!probes.length) return { queries: narrowed, extra: [] };
  const radii = probes.map((p) => p.maxDistance ?? -1);
  const found = await deps.index.queryWithin(
    'blockhash',
    probes.map((p) => p.value),
    radii,
  );
  const seqs = [...new Set(found.flatMap((hits, k) => hits.filter((h) => h.distance <= radii[k]).map((h) => h.seq)))];
  if (!seqs.length) return { queries: narrowed, extra: [] };
  const items = [...new Set((await deps.hashes.getBySeqs(seqs)).flatMap((d) => d.items.map((it) => it.id)))];
  if (!items.length) return { queries: narrowed, extra: [] };
  const extra: NearHit[] = [];
  for (const stored of await deps.hashes.activeOfItems(items, 'pdq'))
    for (const v of wide) {
      const distance = hammingHex(v.value, stored.value);
      if (distance <= (v.maxDistance ?? -1)) extra.push({ query: at, seq: stored.seq, distance, variant: v.variant, maxDistance: v.maxDistance ?? -1 });
    }
  return { queries: narrowed, extra };
}

/** A robust image match (the default of /v1/match/media): the image's queries under the rule table, one match per item. */
export async function matchImageRobustly(deps: ServiceDeps, h: MediaHashes, rules: RobustRules = ROBUST_RULES): Promise<MatchAnswer[]> {
  // Matching's time includes the lookups and reads made here for the together rule.
  const elapsed = deps.metrics.timer();
  const { queries, extra } = await togetherByItems(deps, robustImageQueries(h, rules), rules);
  const found = await matchParsed(deps, queries, resolveThresholds(), {
    judge: robustJudge(rules),
    weakMargin: rules.weakMargin,
    onePerShare: true,
    extra,
    elapsed,
  });
  return settleWeak(settleTogether(found));
}
