/**
 * Hash types, their sizes and default match rules (DESIGN §4).
 * Perceptual hashes (pdq, blockhash, and the frames and pages of vpdq and pdf) match by Hamming
 * distance; tlsh by TLSH's own distance; exact ones (md5, sha256, url) by equality.
 */
import { hammingWords } from '../bits';
import type { FieldProblem } from '../errors';
import { isHex } from '../hex';
import { canonicalTlsh } from '../tlsh';
import { THRESHOLDS } from './thresholds';
import { shown } from '../text';

export const HASH_TYPES = ['pdq', 'blockhash', 'md5', 'sha256', 'vpdq', 'pdf', 'tlsh', 'url'] as const;
export type HashType = (typeof HASH_TYPES)[number];
/**
 * Types a single stored hash can have. A vpdq hash is stored as its frames' PDQ hashes (see video),
 * a pdf hash as its pages' (see document): both carry a list beside their value.
 */
export const SINGLE_HASH_TYPES = ['pdq', 'blockhash', 'md5', 'sha256', 'tlsh', 'url'] as const;
export type SingleHashType = (typeof SINGLE_HASH_TYPES)[number];
/** Types stored as one value plus a list of PDQ hashes (a video's frames, a PDF's pages). */
export const LIST_HASH_TYPES = ['vpdq', 'pdf'] as const;
export type ListHashType = (typeof LIST_HASH_TYPES)[number];

export const isListHashType = (t: string): t is ListHashType => t === 'vpdq' || t === 'pdf';

/** How two values of a type are compared: Hamming distance of their bits, TLSH distance, or equality. */
export type HashMetric = 'hamming' | 'tlsh' | 'equal';

export interface HashSpec {
  bits: number;
  /** Matched within a distance (not only by equality). */
  perceptual: boolean;
  metric: HashMetric;
  /** Default maximum Hamming distance for a match (0 for exact hashes). */
  defaultMaxDistance: number;
  /** The largest maxDistance a query may ask for: beyond it a match says little and costs a scan. */
  maxDistanceCap: number;
}

/**
 * Per type; for `vpdq` and `pdf` the figures are those of one frame or page (a PDQ hash): two match
 * within `defaultMaxDistance`, and a video or PDF matches by the share of its frames or pages that
 * do (core/video, rule.ts; core/document).
 */
export const HASH_SPECS: Record<HashType, HashSpec> = {
  pdq: { bits: 256, perceptual: true, metric: 'hamming', defaultMaxDistance: THRESHOLDS.pdq.maxDistance, maxDistanceCap: THRESHOLDS.maxDistanceCap },
  blockhash: {
    bits: 256,
    perceptual: true,
    metric: 'hamming',
    defaultMaxDistance: THRESHOLDS.blockhash.maxDistance,
    maxDistanceCap: THRESHOLDS.maxDistanceCap,
  },
  md5: { bits: 128, perceptual: false, metric: 'equal', defaultMaxDistance: 0, maxDistanceCap: 0 },
  sha256: { bits: 256, perceptual: false, metric: 'equal', defaultMaxDistance: 0, maxDistanceCap: 0 },
  vpdq: { bits: 256, perceptual: true, metric: 'hamming', defaultMaxDistance: THRESHOLDS.vpdq.frameMaxDistance, maxDistanceCap: THRESHOLDS.maxDistanceCap },
  pdf: { bits: 256, perceptual: true, metric: 'hamming', defaultMaxDistance: THRESHOLDS.pdf.pageMaxDistance, maxDistanceCap: THRESHOLDS.maxDistanceCap },
  // TLSH (35 bytes, T1 and 70 hex digits), compared by TLSH's own distance.
  tlsh: { bits: 280, perceptual: true, metric: 'tlsh', defaultMaxDistance: THRESHOLDS.tlsh.maxDistance, maxDistanceCap: THRESHOLDS.tlsh.maxDistanceCap },
  // The SHA-256 of a canonical URL, or of a host or path-prefix key (core/url).
  url: { bits: 256, perceptual: false, metric: 'equal', defaultMaxDistance: 0, maxDistanceCap: 0 },
};

export function isSingleHashType(t: string): t is SingleHashType {
  return SINGLE_HASH_TYPES.some((x) => x === t);
}

export function isHashType(t: string): t is HashType {
  return HASH_TYPES.some((x) => x === t);
}

/** Checks a (type, value) pair and returns the value in canonical lowercase form, or the problems. */
export function checkHash(type: unknown, value: unknown, path: string): { value: string } | { problems: FieldProblem[] } {
  if (typeof type !== 'string' || !isSingleHashType(type)) {
    return {
      problems: [{ path: `${path}/type`, message: `unknown hash type ${shown(type)}; expected one of ${SINGLE_HASH_TYPES.join(', ')}` }],
    };
  }
  if (typeof value !== 'string') return { problems: [{ path: `${path}/value`, message: 'must be a hex string' }] };
  if (type === 'tlsh') {
    // Stored and printed as the reference prints it: T1 and 70 upper-case hex digits.
    const v = canonicalTlsh(value);
    return v
      ? { value: v }
      : {
          problems: [
            {
              path: `${path}/value`,
              message: `tlsh value must be a TLSH digest: T1 and 70 hex digits (the standard 128-bucket build), got ${value.length} characters`,
            },
          ],
        };
  }
  const want = HASH_SPECS[type].bits / 4;
  const problems: FieldProblem[] = [];
  if (!isHex(value)) problems.push({ path: `${path}/value`, message: `${type} value must be hexadecimal (0-9, a-f)` });
  if (value.length !== want)
    problems.push({ path: `${path}/value`, message: `${type} value must be ${want} hex characters (${HASH_SPECS[type].bits} bits), got ${value.length}` });
  return problems.length ? { problems } : { value: value.toLowerCase() };
}

/** A 256-bit hash as eight 32-bit words (big-endian within the hex string): the layout the indexes use. */
export function hexToWords(hex: string, out: Uint32Array = new Uint32Array(hex.length / 8)): Uint32Array {
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(8 * i, 8 * i + 8), 16) >>> 0;
  return out;
}

export function hammingHex(a: string, b: string): number {
  const wa = hexToWords(a);
  const wb = hexToWords(b);
  return hammingWords(wa, 0, wb, 0, wa.length);
}
