/**
 * The rule table of robust matching (issue 14, item 8): which variant of a query may match which
 * variant of a stored image, through which hash, at which distance, and which hashes are too weak to
 * take part. Chosen on the evaluation's false-match side (npm run eval:local, docs/eval.md), with
 * every robust variant and the dihedral ones switched on.
 *
 * Classes of variant: the query's `whole` (as sent), `dihedral` (its 7 other rotations and mirrors)
 * and `region` (trim, retrim, screen, deskew, tilt±…, centre, scaled), and `search` (its crops, recrop-…, PDQ
 * only, met with the stored crops: a copy cut by an amount between theirs); the stored `whole`, `region` (trim, screen, deskew) and
 * `crop` (crop-…). A stored hash says which variant of its item it is (item 5), so a threshold is
 * per (hash type, query class, stored class).
 *
 * Two kinds of evidence: one hash type `alone` within its threshold, or PDQ and blockhash of the same
 * item `together`, each within a looser threshold of its own (two independent signals agreeing).
 */
import { TURNED_VARIANTS } from '../pdq';

export type QueryClass = 'whole' | 'dihedral' | 'region' | 'search';
export type StoredClass = 'whole' | 'region' | 'crop';
export type RobustType = 'pdq' | 'blockhash';

/** The largest distance that matches, per query class and stored class; -1: never. */
export type ClassTable = Record<QueryClass, Record<StoredClass, number>>;

export interface RobustRules {
  /** Hashes below these qualities are neither stored nor queried (PDQ's own, blockhash's from gates.ts). */
  minQuality: Record<RobustType, number>;
  /**
   * A blockhash is stored or queried only when the PDQ of the same region has at least this quality:
   * the evaluation's worst magnet was a smooth gradient whose blockhash passed blockhash's own gate.
   */
  blockhashMinPdqQuality: number;
  /** One hash type on its own. */
  alone: Record<RobustType, ClassTable>;
  /** PDQ and blockhash of one item, each within its own threshold here. */
  together: Record<RobustType, ClassTable>;
  /** A match within this many bits of its `alone` threshold, supported by no other hash of the upload, is weak. */
  weakMargin: number;
}

type Row = [number, number, number];
const row = (r: Row) => ({ whole: r[0], region: r[1], crop: r[2] });
const table = (whole: Row, dihedral: Row, region: Row, search: Row): ClassTable => ({
  whole: row(whole),
  dihedral: row(dihedral),
  region: row(region),
  search: row(search),
});

export const ROBUST_RULES: RobustRules = {
  // PDQ 30: dim wallpapers and flat artwork of quality 30–49 keep their PDQ (+2 points of recall, no
  // new false match); below 30 hashes of flat images meet each other (all-zero PDQ at quality 0).
  minQuality: { pdq: 30, blockhash: 40 },
  blockhashMinPdqQuality: 50,
  // Rows: the query as sent, its rotations and mirrors, its regions; columns: the stored whole
  // image, its regions, its crops. Each below the nearest unrelated pair of its cell on the
  // evaluation (npm run eval:local -- --limit 414 --frontier; docs/eval.md, "Robust matching").
  alone: {
    // Crops are met by the query's regions only (its `scaled` whole, its centre, …: hashed as the
    // crops are, resampled by area); the query's own PDQ (full-size, point-sampled) met the resampled
    // crops of related wallpapers at 22. Region/crop 20: the light and dark Flow wallpapers' centres
    // are 16–24 bits apart once resampled (2026-12-03, docs/eval.md). Region/region 22 (PDQ) and 13
    // (blockhash): with thin margins cut (trim's minBand 1.5 %), two clip-art bunches of grapes met
    // there at 24 and 14 (2026-12-04, docs/eval.md "Thin borders").
    // The query's crops (`recrop-…`, the search for a crop between the stored ones) meet the stored
    // crops only, like with like, at the regions' crop distance.
    pdq: table([32, 32, -1], [32, 32, -1], [30, 22, 20], [-1, -1, 20]),
    // blockhash's rotations and mirrors: exact where PDQ's are not (textures, panoramas), but a
    // turned smooth image meets many, so 6 bits only; a query's whole blockhash met a wood texture's
    // trimmed one at 14.
    blockhash: table([16, 10, -1], [6, -1, -1], [20, 13, -1], [-1, -1, -1]),
  },
  // The query as sent (a watermark, a caption): PDQ within 56 and blockhash within 28 of one item.
  together: {
    pdq: table([56, 56, 56], [-1, -1, -1], [-1, -1, -1], [-1, -1, -1]),
    blockhash: table([28, -1, -1], [-1, -1, -1], [-1, -1, -1], [-1, -1, -1]),
  },
  weakMargin: 3,
};

/** The class of a stored variant name (`whole`, `trim`, `crop-c10`, …). */
export function storedClass(variant: string): StoredClass {
  return variant === 'whole' ? 'whole' : variant.startsWith('crop-') ? 'crop' : 'region';
}

/** The name of the query variant that tries undoing a turn of `degrees` (`tilt+1.25`, `tilt-3.75`; variants.ts `tilts`). */
export const tiltVariant = (degrees: number): string => `tilt${degrees < 0 ? '-' : '+'}${Math.abs(degrees)}`;

/** A query turned back by one of a few angles tried (variants.ts `tilts`): a region. */
const isTiltVariant = (variant: string) => /^tilt[+-]\d+(\.\d+)?$/.test(variant);

/** A query's own crop, hashed to meet a stored crop (variants.ts `search`). */
export const isSearchVariant = (variant: string) => variant.startsWith('recrop-');

/** The class of a query variant name (`original`, `rotate90`, …, `trim`, `screen`, `deskew`, `tilt+1.25`, …). */
export function queryClass(variant: string): QueryClass {
  if (variant === 'whole' || variant === 'original') return 'whole';
  if (REGION_QUERIES.has(variant) || isTiltVariant(variant)) return 'region';
  if (isSearchVariant(variant)) return 'search';
  if (DIHEDRAL_QUERIES.has(variant)) return 'dihedral';
  // A new variant must be given its class (and the class's thresholds measured), never a default one.
  throw new RangeError(`query variant ${JSON.stringify(variant)} has no class in the rule table`);
}

const DIHEDRAL_QUERIES: ReadonlySet<string> = new Set(TURNED_VARIANTS);

/**
 * The query variants that are regions: inside bands and bars, rotated back, its centre (variants.ts
 * queryCentre: a watermark's corner and caption left outside) and the whole resampled by area; the
 * tilts (isTiltVariant) too.
 */
const REGION_QUERIES = new Set(['trim', 'retrim', 'screen', 'deskew', 'centre', 'scaled']);

/** The distance within which a query variant is looked up: the widest of its class's row, alone or together (-1: not at all). */
export function lookupRadius(rules: RobustRules, type: RobustType, query: string): number {
  const q = queryClass(query);
  return Math.max(...Object.values(rules.alone[type][q]), ...Object.values(rules.together[type][q]));
}

/** The distance within which a query variant can match on its own, without the other type (-1: never). */
export function aloneRadius(rules: RobustRules, type: RobustType, query: string): number {
  return Math.max(...Object.values(rules.alone[type][queryClass(query)]));
}

/**
 * How a hit of a query variant on a stored variant at a distance counts: alone (within `threshold`,
 * its cell's), only together with the other type (threshold -1), or not (null).
 */
export function hitStrength(
  rules: RobustRules,
  type: RobustType,
  query: string,
  stored: string,
  distance: number,
): { strength: 'alone' | 'together'; threshold: number } | null {
  const q = queryClass(query);
  const s = storedClass(stored);
  const alone = rules.alone[type][q][s];
  if (distance <= alone) return { strength: 'alone', threshold: alone };
  if (distance <= rules.together[type][q][s]) return { strength: 'together', threshold: -1 };
  return null;
}

/**
 * How a hit counts against a stored hash that stands for several variants of items (a hash in
 * several items): by the loosest of them, a match alone before one together; null when none admits it.
 */
export function strongestHit(
  rules: RobustRules,
  type: RobustType,
  query: string,
  storedVariants: readonly string[],
  distance: number,
): { strength: 'alone' | 'together'; threshold: number } | null {
  let best: ReturnType<typeof hitStrength> = null;
  for (const stored of storedVariants) {
    const hit = hitStrength(rules, type, query, stored, distance);
    if (hit && (!best || (best.strength === 'together' && hit.strength === 'alone') || hit.threshold > best.threshold)) best = hit;
  }
  return best;
}

/** A rotation or mirror of the query (not the query as sent): PDQ_DIHEDRAL_VARIANTS but `original`. */
export const isDihedralQuery = (variant: string): boolean => DIHEDRAL_QUERIES.has(variant);

/** The rules in a line: per type, the thresholds alone and together, each row a query class over the stored whole / region / crop. */
export function rulesText(rules: RobustRules): string {
  const row = (t: ClassTable) =>
    Object.entries(t)
      .map(
        ([q, cells]) =>
          `${q} ${Object.values(cells)
            .map((v) => (v < 0 ? '–' : String(v)))
            .join('/')}`,
      )
      .join(', ');
  const types = (['pdq', 'blockhash'] as const).map(
    (type) => `${type} alone ${row(rules.alone[type])}; together ${row(rules.together[type])}; quality ≥ ${rules.minQuality[type]}`,
  );
  return `${types.join('; ')} (query class, then stored whole/region/crop; – never); blockhash only where that region's PDQ quality ≥ ${rules.blockhashMinPdqQuality}`;
}
