/**
 * Hash types, their sizes and default match rules (DESIGN §4).
 * Perceptual hashes (pdq, blockhash, and the frames and pages of vpdq and pdf) match by Hamming
 * distance; tlsh by TLSH's own distance; exact ones (md5, sha256, url) by equality.
 */
import { DomainError, type FieldProblem } from '../errors';
import { isHex } from '../hex';
import { canonicalTlsh } from '../tlsh';

/** Default TLSH distance for a text match (see HASH_SPECS.tlsh). */
export const TLSH_DEFAULT_MAX_DISTANCE = 40;

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
 * do (see core/video and core/document).
 */
export const HASH_SPECS: Record<HashType, HashSpec> = {
  // PDQ: Meta's recommended threshold is 31 of 256 bits.
  pdq: { bits: 256, perceptual: true, metric: 'hamming', defaultMaxDistance: 31, maxDistanceCap: 64 },
  // blockhash 16x16: threshold measured on the conformance edits (see README, "blockhash threshold").
  blockhash: { bits: 256, perceptual: true, metric: 'hamming', defaultMaxDistance: 20, maxDistanceCap: 64 },
  md5: { bits: 128, perceptual: false, metric: 'equal', defaultMaxDistance: 0, maxDistanceCap: 0 },
  sha256: { bits: 256, perceptual: false, metric: 'equal', defaultMaxDistance: 0, maxDistanceCap: 0 },
  // vPDQ's frame threshold is PDQ's, and so is a PDF page's.
  vpdq: { bits: 256, perceptual: true, metric: 'hamming', defaultMaxDistance: 31, maxDistanceCap: 64 },
  pdf: { bits: 256, perceptual: true, metric: 'hamming', defaultMaxDistance: 31, maxDistanceCap: 64 },
  // TLSH (35 bytes): the standard score with its length term; threshold measured on real text
  // (README, "Documents, text and links"; npm run bench -- --only documents).
  tlsh: { bits: 280, perceptual: true, metric: 'tlsh', defaultMaxDistance: TLSH_DEFAULT_MAX_DISTANCE, maxDistanceCap: 300 },
  // The SHA-256 of a canonical URL, or of a host or path-prefix key (core/url).
  url: { bits: 256, perceptual: false, metric: 'equal', defaultMaxDistance: 0, maxDistanceCap: 0 },
};

export function isSingleHashType(t: string): t is SingleHashType {
  return (SINGLE_HASH_TYPES as readonly string[]).includes(t);
}

/** Checks a (type, value) pair and returns the value in canonical lowercase form, or the problems. */
export function checkHash(type: unknown, value: unknown, path: string): { value: string } | { problems: FieldProblem[] } {
  if (typeof type !== 'string' || !isSingleHashType(type)) {
    return {
      problems: [{ path: `${path}/type`, message: `unknown hash type ${JSON.stringify(type)}; expected one of ${SINGLE_HASH_TYPES.join(', ')}` }],
    };
  }
  if (typeof value !== 'string') return { problems: [{ path: `${path}/value`, message: 'must be a hex string' }] };
  if (type === 'tlsh') {
    // Stored and printed as the reference prints it: T1 and 70 upper-case hex digits.
    const v = canonicalTlsh(value);
    return v ? { value: v } : { problems: [{ path: `${path}/value`, message: `tlsh value must be a TLSH digest: T1 and 70 hex digits (the standard 128-bucket build), got ${value.length} characters` }] };
  }
  const want = HASH_SPECS[type].bits / 4;
  const problems: FieldProblem[] = [];
  if (!isHex(value)) problems.push({ path: `${path}/value`, message: `${type} value must be hexadecimal (0-9, a-f)` });
  if (value.length !== want) problems.push({ path: `${path}/value`, message: `${type} value must be ${want} hex characters (${HASH_SPECS[type].bits} bits), got ${value.length}` });
  return problems.length ? { problems } : { value: value.toLowerCase() };
}

export function parseHashOrThrow(type: unknown, value: unknown, path = ''): { type: SingleHashType; value: string } {
  const r = checkHash(type, value, path);
  if ('problems' in r) throw new DomainError('invalid_request', r.problems[0].message, { errors: r.problems });
  return { type: type as SingleHashType, value: r.value };
}

const POPCOUNT8 = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT8[i] = (i & 1) + POPCOUNT8[i >> 1];

/** Hamming distance between two equal-length byte strings. */
export function hammingBytes(a: Uint8Array, b: Uint8Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d += POPCOUNT8[a[i] ^ b[i]];
  return d;
}

export function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** A 256-bit hash as eight 32-bit words (big-endian within the hex string): the layout the indexes use. */
export function hexToWords(hex: string, out: Uint32Array = new Uint32Array(hex.length / 8)): Uint32Array {
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(8 * i, 8 * i + 8), 16) >>> 0;
  return out;
}

export function wordsToHex(words: ArrayLike<number>): string {
  let s = '';
  for (let i = 0; i < words.length; i++) s += (words[i] >>> 0).toString(16).padStart(8, '0');
  return s;
}

export function hammingWords(a: ArrayLike<number>, aOff: number, b: ArrayLike<number>, bOff: number, n: number): number {
  let d = 0;
  for (let i = 0; i < n; i++) d += popcount32((a[aOff + i] ^ b[bOff + i]) >>> 0);
  return d;
}

export function hammingHex(a: string, b: string): number {
  const wa = hexToWords(a);
  const wb = hexToWords(b);
  return hammingWords(wa, 0, wb, 0, wa.length);
}
