/**
 * Robust matching and sharing of images (issue 14): which of an image's hashes are shared (exact
 * always; a perceptual hash only above its quality gate, the others named with the reason), and how
 * a query's whole image, its rotations and mirrors and its regions are looked up, each at the
 * threshold the rule table (core/robust rules.ts) gives its class.
 */
import { aloneRadius, hitStrength, lookupRadius, ROBUST_RULES, type RobustRules, type RobustType } from '../core/robust';
import type { HashWithVariants, MediaHashes, RobustVariant } from './hashing';
import { hashList } from './hashing';
import { matchParsed, resolveThresholds, type HitJudge, type Match, type MatchAnswer } from './matching';
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
function gateProblem(h: RobustVariant, all: RobustVariant[], rules: RobustRules): string | null {
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
    let best: ReturnType<HitJudge> = null;
    for (const stored of storedVariants) {
      const hit = hitStrength(rules, type, queryVariant ?? 'original', stored, distance);
      if (hit && (!best || (best.strength === 'together' && hit.strength === 'alone') || hit.threshold > best.threshold)) best = hit;
    }
    return best;
  };
}

/** The items a match names (by id); none for a hash shared alone. */
const itemIds = (m: Match) => (m.items ?? (m.item ? [m.item] : [])).map((it) => it.id);

/**
 * Matches on two signals: a match within only its `together` threshold stands when the same item
 * matched through the other perceptual type as well (within either threshold), and is dropped
 * otherwise; the internal flag does not reach the answer.
 */
export function settleTogether(results: MatchAnswer[]): MatchAnswer[] {
  const byType = new Map<string, Set<string>>();
  for (const r of results)
    for (const m of r.matches) {
      let s = byType.get(m.type);
      if (!s) byType.set(m.type, (s = new Set()));
      for (const id of itemIds(m)) s.add(id);
    }
  const other = (type: string) => byType.get(type === 'pdq' ? 'blockhash' : 'pdq') ?? new Set<string>();
  return results.map((r) => {
    if (!r.matches.some((m) => m.together)) return r;
    const matches = r.matches.flatMap(({ together, ...m }) => (!together || itemIds(m).some((id) => other(m.type).has(id)) ? [m] : []));
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
 * The queries with PDQ looked up only within the distances at which it matches alone, when no
 * blockhash of the upload comes within its lookup distance of anything stored: a PDQ hit beyond
 * those counts only together with a blockhash match of the same item (settleTogether), so without
 * any blockhash hit it could never stand. The answers are the same; the lookup saved is the costly
 * one (the image as sent within 56 bits: at 1 M stored hashes it cost more than the rest of the
 * query's lookups together), and it is saved for most uploads, which match nothing. The blockhash
 * lookups made here are cheap (within 28 bits of 256) and made again by matching.
 */
export async function withoutHopelessTogether(deps: ServiceDeps, queries: HashWithVariants[], rules: RobustRules = ROBUST_RULES): Promise<HashWithVariants[]> {
  const narrowed = (v: { variant?: string; maxDistance?: number }) => Math.min(v.maxDistance ?? -1, aloneRadius(rules, 'pdq', v.variant ?? 'original'));
  const pdq = queries.find((q) => q.type === 'pdq');
  // Only where the index looks each value up within its own distance (the memory index on Node);
  // the SQL indexes (Workers) look a batch up within its widest, one round trip each, and gain little.
  // A loading index is refused by matching (not_ready), never read here.
  if (!deps.index.ready() || !deps.index.queryWithin || !pdq?.variants?.some((v) => (v.maxDistance ?? -1) > narrowed(v))) return queries;
  const probes = queries.filter((q) => q.type === 'blockhash').flatMap((q) => (q.variants ?? []).filter((v) => (v.maxDistance ?? -1) >= 0));
  if (probes.length) {
    const radii = probes.map((p) => p.maxDistance ?? -1);
    const found = await deps.index.queryWithin(
      'blockhash',
      probes.map((p) => p.value),
      radii,
    );
    if (found.some((hits, k) => hits.some((hit) => hit.distance <= radii[k]))) return queries;
  }
  return queries.map((q) => (q === pdq ? { ...q, variants: pdq.variants?.map((v) => ({ ...v, maxDistance: narrowed(v) })) } : q));
}

/** A robust image match (the default of /v1/match/media): the image's queries under the rule table, one match per item. */
export async function matchImageRobustly(deps: ServiceDeps, h: MediaHashes, rules: RobustRules = ROBUST_RULES): Promise<MatchAnswer[]> {
  const queries = await withoutHopelessTogether(deps, robustImageQueries(h, rules), rules);
  const found = await matchParsed(deps, queries, resolveThresholds(), {
    judge: robustJudge(rules),
    weakMargin: rules.weakMargin,
    onePerShare: true,
  });
  return settleWeak(settleTogether(found));
}
