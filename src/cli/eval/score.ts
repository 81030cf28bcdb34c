/**
 * Scoring, on plain data: which originals each answer matched, recall per edit, false matches over
 * every unrelated (edited copy, other original) pair, and the distance distributions the thresholds
 * will be chosen from. No I/O here: the test feeds it a synthetic answer set.
 */
import { hammingWords } from '../../core/bits';
import { hexToWords } from '../../core/hashes';

export type Category = 'photo' | 'other';

export interface SharedOriginal {
  id: string;
  category: Category;
  /** The hashes shared for this original (pdq, blockhash, md5, sha256; fewer when some were refused), by a key that matches `Match.id`. */
  hashIds: string[];
  /** Its perceptual hashes, as shared (absent when not shared). */
  pdq?: string;
  blockhash?: string;
  /** Its whole image's PDQ was left out of the share (quality below the gate): a flat graphic. */
  lowQuality?: boolean;
  /** The design it is a version of (sources.ts `designOf`): originals of one design are related, not unrelated. */
  design?: string;
}

export interface Match {
  id: string;
  type: string;
  distance: number;
  variant?: string;
}

export interface CopyAnswer {
  original: string;
  edit: string;
  /** HTTP status of the match request; only 200 answers are scored. */
  status: number;
  error?: string;
  matches: Match[];
  /** The query's own hashes, from the answer; with dihedral matching also its variants. */
  query?: { pdq?: string; pdqQuality?: number; blockhash?: string; variants?: { pdq: string[]; blockhash: string[] } };
}

export interface EditInfo {
  id: string;
  kind: string;
  strength: string;
}

export interface Tally {
  copies: number;
  hits: number;
}

export interface EditScore extends EditInfo {
  photo: Tally;
  other: Tally;
  all: Tally;
  /**
   * Copies of the originals whose whole image's PDQ was shared (not `lowQuality`): the images the node
   * hashes perceptually. The others (flat graphics below the quality gate) match by their exact
   * hashes and whatever region hashes pass the gates; this tally says how much of the gap they make.
   */
  hashed: Tally;
  /** Copies matched to their own original through each hash type. */
  byType: Record<'pdq' | 'blockhash' | 'exact', number>;
  errors: number;
  pairs: number;
  falseMatches: number;
  /** Matches of another version of the same design (neither recalled nor false). */
  relatedMatches: number;
}

export interface FalseMatch {
  copy: string;
  edit: string;
  matched: string;
  /** Each hash of the other original that matched, with its distance (and the query variant). */
  via: { type: string; distance: number; variant?: string }[];
}

export interface Score {
  edits: EditScore[];
  /** `hashed`: how many of them had their whole image's PDQ shared. */
  originals: { photo: number; other: number; hashed: number };
  totals: {
    copies: number;
    hits: number;
    errors: number;
    meanRecall: number;
    meanRecallPhoto: number;
    meanRecallOther: number;
    /** Mean over the edits of `hashed` recall. */
    meanRecallHashed: number;
    pairs: number;
    falseMatches: number;
    relatedMatches: number;
  };
  falseMatches: FalseMatch[];
  /** Matches between versions of one design, listed as false matches are. */
  relatedMatches: FalseMatch[];
}

export const recall = (t: Tally) => (t.copies ? t.hits / t.copies : NaN);
const mean = (xs: number[]) => {
  const v = xs.filter((x) => !Number.isNaN(x));
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN;
};

/** Whether two distinct originals are versions of one design. */
export const related = (a: SharedOriginal | undefined, b: SharedOriginal | undefined) =>
  !!a && !!b && a.id !== b.id && a.design !== undefined && a.design === b.design;

/** Which original(s) each hash id stands for: the node keeps one record per distinct hash, so two originals may share one. */
export function ownersOf(originals: SharedOriginal[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const o of originals) for (const id of o.hashIds) m.set(id, [...(m.get(id) ?? []), o.id]);
  return m;
}

export function score(originals: SharedOriginal[], answers: CopyAnswer[], edits: EditInfo[]): Score {
  const owners = ownersOf(originals);
  const cat = new Map(originals.map((o) => [o.id, o.category]));
  const byId = new Map(originals.map((o) => [o.id, o]));
  // Each original's unrelated others: all but itself and the other versions of its design.
  const unrelatedCount = new Map(originals.map((o) => [o.id, originals.filter((x) => x.id !== o.id && !related(o, x)).length]));
  const per = new Map<string, EditScore>(
    edits.map((e) => [
      e.id,
      {
        ...e,
        photo: { copies: 0, hits: 0 },
        other: { copies: 0, hits: 0 },
        all: { copies: 0, hits: 0 },
        hashed: { copies: 0, hits: 0 },
        byType: { pdq: 0, blockhash: 0, exact: 0 },
        errors: 0,
        pairs: 0,
        falseMatches: 0,
        relatedMatches: 0,
      },
    ]),
  );
  const falseMatches: FalseMatch[] = [];
  const relatedMatches: FalseMatch[] = [];
  for (const a of answers) {
    const s = per.get(a.edit);
    if (!s) throw new Error(`answer for unknown edit ${a.edit}`);
    if (a.status !== 200) {
      s.errors++;
      continue;
    }
    const c = cat.get(a.original);
    if (!c) throw new Error(`answer for unknown original ${a.original}`);
    // Matched originals, each with the hashes that matched it.
    const hit = new Map<string, Match[]>();
    for (const m of a.matches) for (const o of owners.get(m.id) ?? []) hit.set(o, [...(hit.get(o) ?? []), m]);
    const own = hit.get(a.original);
    for (const t of !byId.get(a.original)?.lowQuality ? [s[c], s.all, s.hashed] : [s[c], s.all]) {
      t.copies++;
      if (own) t.hits++;
    }
    if (own?.some((m) => m.type === 'pdq')) s.byType.pdq++;
    if (own?.some((m) => m.type === 'blockhash')) s.byType.blockhash++;
    if (own?.some((m) => m.type === 'md5' || m.type === 'sha256')) s.byType.exact++;
    s.pairs += unrelatedCount.get(a.original) ?? 0;
    for (const [o, ms] of hit) {
      if (o === a.original) continue;
      const isRelated = related(byId.get(a.original), byId.get(o));
      if (isRelated) s.relatedMatches++;
      else s.falseMatches++;
      (isRelated ? relatedMatches : falseMatches).push({
        copy: `${a.original}/${a.edit}`,
        edit: a.edit,
        matched: o,
        via: ms.map((m) => ({ type: m.type, distance: m.distance, ...(m.variant ? { variant: m.variant } : {}) })),
      });
    }
  }
  const list = [...per.values()];
  const sum = (f: (e: EditScore) => number) => list.reduce((n, e) => n + f(e), 0);
  return {
    edits: list,
    originals: {
      photo: originals.filter((o) => o.category === 'photo').length,
      other: originals.filter((o) => o.category === 'other').length,
      hashed: originals.filter((o) => !o.lowQuality).length,
    },
    totals: {
      copies: sum((e) => e.all.copies),
      hits: sum((e) => e.all.hits),
      errors: sum((e) => e.errors),
      meanRecall: mean(list.map((e) => recall(e.all))),
      meanRecallPhoto: mean(list.map((e) => recall(e.photo))),
      meanRecallOther: mean(list.map((e) => recall(e.other))),
      meanRecallHashed: mean(list.map((e) => recall(e.hashed))),
      pairs: sum((e) => e.pairs),
      falseMatches: sum((e) => e.falseMatches),
      relatedMatches: sum((e) => e.relatedMatches),
    },
    falseMatches,
    relatedMatches,
  };
}

export type PerceptualType = 'pdq' | 'blockhash';
export const PERCEPTUAL: PerceptualType[] = ['pdq', 'blockhash'];

/** Counts by distance 0..256. */
export type Histogram = Float64Array;

export interface Distances {
  /** Per edit and type: distance of each copy to its own original (the nearest query variant with dihedral matching). */
  truePairs: Map<string, Record<PerceptualType, Histogram>>;
  /** Per type: every unrelated (copy, other original) pair, and each copy's nearest unrelated original (versions of the copy's own design left out). */
  unrelated: Record<PerceptualType, Histogram>;
  nearestUnrelated: Record<PerceptualType, Histogram>;
}

const hist = () => new Float64Array(257);

/**
 * Distances computed here from the hashes the node returned: the originals' shared hashes (PDQ only
 * where it was shared: quality >= 50 today) and each copy's query hashes from its match answer.
 */
export function distances(originals: SharedOriginal[], answers: CopyAnswer[]): Distances {
  const out: Distances = { truePairs: new Map(), unrelated: { pdq: hist(), blockhash: hist() }, nearestUnrelated: { pdq: hist(), blockhash: hist() } };
  for (const type of PERCEPTUAL) {
    const have = originals.filter((o) => o[type]);
    const words = new Uint32Array(have.length * 8);
    have.forEach((o, i) => hexToWords(o[type]!, words.subarray(i * 8, i * 8 + 8)));
    const index = new Map(have.map((o, i) => [o.id, i]));
    const byId = new Map(originals.map((o) => [o.id, o]));
    const q = new Uint32Array(8);
    for (const a of answers) {
      if (a.status !== 200 || !a.query?.[type]) continue;
      const probes = a.query.variants?.[type]?.length ? a.query.variants[type] : [a.query[type]!];
      const best = new Int32Array(have.length).fill(257);
      for (const v of probes) {
        hexToWords(v, q);
        for (let i = 0; i < have.length; i++) {
          const d = hammingWords(q, 0, words, i * 8, 8);
          if (d < best[i]) best[i] = d;
        }
      }
      const own = index.get(a.original);
      const mine = byId.get(a.original);
      let nearest = 257;
      for (let i = 0; i < have.length; i++) {
        if (i === own || related(mine, have[i])) continue;
        out.unrelated[type][best[i]]++;
        if (best[i] < nearest) nearest = best[i];
      }
      if (nearest <= 256) out.nearestUnrelated[type][nearest]++;
      if (own !== undefined) {
        const h = out.truePairs.get(a.edit) ?? out.truePairs.set(a.edit, { pdq: hist(), blockhash: hist() }).get(a.edit)!;
        h[type][best[own]]++;
      }
    }
  }
  return out;
}

/** The smallest d with at least a share p of the counts at or below it. */
export function percentile(h: Histogram, p: number): number {
  const total = h.reduce((a, b) => a + b, 0);
  if (!total) return NaN;
  let run = 0;
  for (let d = 0; d < h.length; d++) {
    run += h[d];
    if (run >= p * total) return d;
  }
  return h.length - 1;
}

/** Counts at or below d. */
export function atMost(h: Histogram, d: number): number {
  let n = 0;
  for (let i = 0; i <= d && i < h.length; i++) n += h[i];
  return n;
}
