/**
 * vPDQ's match rule, as python-threatexchange (HMA) runs it, written once: the production matcher
 * (services/video-matching.ts, which counts through the index) and `vpdqMatch` (every pair compared:
 * the reference for tests and benches) both end in `vpdqVerdict`, and both take their frames from
 * `usableFrameMask`.
 *
 * Each video is an unordered bag of frame hashes: frames under the quality threshold are dropped and
 * one frame is kept per distinct hash; then the query's frames within the frame distance of some
 * stored frame are counted, and the other way round. Frame order and timestamps play no part, so a
 * clip matches the longer video it was cut from (query side), but not the reverse unless the
 * candidate share asks for it. (The C++ `matchTwoHashBrute` differs in two details: it keeps
 * duplicates and uses `< distance`.)
 */
import { hammingWords } from '../bits';
import { hexToWords, THRESHOLDS } from '../hashes';
import type { VideoFrameHash } from './decoder';

/** The shares a match needs. */
export interface VpdqRule {
  /** Share (%) of the query's usable frames that must match some candidate frame. */
  queryMatchPercent: number;
  /** Share (%) of the candidate's usable frames that must match some query frame (HMA: 0). */
  candidateMatchPercent: number;
}

export interface VpdqMatchResult {
  /** Percentages rounded to two decimals; `matched` is decided on the counts. */
  queryMatchPercent: number;
  candidateMatchPercent: number;
  matched: boolean;
}

/** How many usable frames each side has, and how many of them found a frame of the other side. */
export interface VpdqCounts {
  queryMatched: number;
  queryUsable: number;
  candidateMatched: number;
  candidateUsable: number;
}

/**
 * For each frame, whether matching uses it: quality at least `minQuality` and the first frame with
 * its hash (python-threatexchange filters and dedupes the same way: every repeat, not only
 * consecutive ones, so a still scene weighs as one frame). What the index holds of a stored video.
 */
export function usableFrameMask(frames: readonly Pick<VideoFrameHash, 'hash' | 'quality'>[], minQuality: number = THRESHOLDS.vpdq.frameMinQuality): boolean[] {
  const seen = new Set<string>();
  return frames.map((f) => {
    const hash = f.hash.toLowerCase();
    if (f.quality < minQuality || seen.has(hash)) return false;
    seen.add(hash);
    return true;
  });
}

/** The frames `usableFrameMask` keeps, in order. */
export function usableFrames<T extends Pick<VideoFrameHash, 'hash' | 'quality'>>(frames: readonly T[], minQuality?: number): T[] {
  const mask = usableFrameMask(frames, minQuality);
  return frames.filter((_, i) => mask[i]);
}

/** The verdict on the counts: shares at least the rule's (no rounding at the threshold); no usable frame on either side, no match. */
export function vpdqVerdict(c: VpdqCounts, rule: VpdqRule): VpdqMatchResult {
  if (c.queryUsable === 0 || c.candidateUsable === 0) return { queryMatchPercent: 0, candidateMatchPercent: 0, matched: false };
  return {
    queryMatchPercent: percent(c.queryMatched, c.queryUsable),
    candidateMatchPercent: percent(c.candidateMatched, c.candidateUsable),
    matched: c.queryMatched * 100 >= rule.queryMatchPercent * c.queryUsable && c.candidateMatched * 100 >= rule.candidateMatchPercent * c.candidateUsable,
  };
}

const percent = (n: number, of: number) => Math.round((n * 10_000) / of) / 100;

export interface VpdqMatchOptions extends Partial<VpdqRule> {
  /** Two frames match when their PDQ distance is <= this. */
  distance?: number;
  /** Frames of lower quality are ignored on both sides. */
  qualityThreshold?: number;
}

/** The rule on two frame lists, every pair compared. */
export function vpdqMatch(query: readonly VideoFrameHash[], candidate: readonly VideoFrameHash[], opts: VpdqMatchOptions = {}): VpdqMatchResult {
  const d = THRESHOLDS.vpdq;
  const distance = opts.distance ?? d.frameMaxDistance;
  const q = packHashes(usableFrames(query, opts.qualityThreshold));
  const c = packHashes(usableFrames(candidate, opts.qualityThreshold));
  const rule = {
    queryMatchPercent: opts.queryMatchPercent ?? d.queryMatchPercent,
    candidateMatchPercent: opts.candidateMatchPercent ?? d.candidateMatchPercent,
  };
  return vpdqVerdict(
    { queryMatched: countMatched(q, c, distance), queryUsable: q.count, candidateMatched: countMatched(c, q, distance), candidateUsable: c.count },
    rule,
  );
}

interface Packed {
  count: number;
  words: Uint32Array;
}

function packHashes(frames: readonly VideoFrameHash[]): Packed {
  const words = new Uint32Array(frames.length * 8);
  frames.forEach((f, i) => hexToWords(f.hash, words.subarray(i * 8, i * 8 + 8)));
  return { count: frames.length, words };
}

/** How many of a's hashes lie within `distance` of at least one of b's. */
function countMatched(a: Packed, b: Packed, distance: number): number {
  let n = 0;
  for (let i = 0; i < a.count; i++) {
    for (let j = 0; j < b.count; j++) {
      if (hammingWords(a.words, i * 8, b.words, j * 8, 8) <= distance) {
        n++;
        break;
      }
    }
  }
  return n;
}
