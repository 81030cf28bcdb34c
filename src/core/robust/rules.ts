/**
 * The rule table of robust matching (issue 14, item 8): which variant of a query may match which
 * variant of a stored image, through which hash, at which distance, and which hashes are too weak to
 * take part. Chosen on the evaluation's false-match side (npm run eval:local, docs/eval.md), with
 * every robust variant and the dihedral ones switched on.
 *
 * Classes of variant: the query's `whole` (as sent), `dihedral` (its 7 other rotations and mirrors)
 * and `region` (trim, screen, deskew); the stored `whole`, `region` (trim, screen, deskew) and
 * `crop` (crop-…). Until stored hashes are grouped into items with their variants, the store does
 * not know which variant a stored hash is, so thresholds are per query class and meet every stored
 * variant alike (the scorer measures them so).
 */

export type QueryClass = 'whole' | 'dihedral' | 'region';
export type StoredClass = 'whole' | 'region' | 'crop';
export type RobustType = 'pdq' | 'blockhash';

export interface RobustRules {
  /** Hashes below these qualities are neither stored nor queried (PDQ's own, blockhash's from gates.ts). */
  minQuality: Record<RobustType, number>;
  /** The largest distance that matches, per hash type and query class; -1: never. */
  maxDistance: Record<RobustType, Record<QueryClass, number>>;
  /** A match within this many bits of its threshold, supported by no other hash of the pair, is weak. */
  weakMargin: number;
}

export const ROBUST_RULES: RobustRules = {
  minQuality: { pdq: 50, blockhash: 40 },
  maxDistance: {
    // Nearest unrelated pairs on the evaluation (npm run eval:local -- --limit 160, 1.12 M pairs):
    // PDQ whole-or-dihedral query / any stored hash 48, region / region 26; blockhash whole / whole
    // 24, dihedral / whole 16, region / region 20 (docs/eval.md).
    // The full evaluation at 40/40/24 and 20/14/18 gave 782 false matches, most through blockhash to
    // a smooth gradient (turned 270°) and a wood texture (README): blockhash's rotations are off,
    // blockhash is held to 16, and PDQ to 32.
    pdq: { whole: 32, dihedral: 32, region: 24 },
    blockhash: { whole: 16, dihedral: -1, region: 16 },
  },
  weakMargin: 3,
};

/** The class of a variant name. */
export function storedClass(variant: string): StoredClass {
  return variant === 'whole' ? 'whole' : variant.startsWith('crop-') ? 'crop' : 'region';
}

export function queryClass(variant: string): QueryClass {
  if (variant === 'whole' || variant === 'original') return 'whole';
  return variant === 'trim' || variant === 'screen' || variant === 'deskew' ? 'region' : 'dihedral';
}

/** The largest distance at which a query variant matches through `type` (-1: never). */
export function variantThreshold(rules: RobustRules, type: RobustType, query: string): number {
  return rules.maxDistance[type][queryClass(query)];
}
