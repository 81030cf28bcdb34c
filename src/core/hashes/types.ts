/**
 * Hash types, their sizes and default match rules (DESIGN §4).
 * Perceptual hashes (pdq, blockhash) match by Hamming distance; exact ones (md5, sha256) by equality.
 */
import { hammingWords } from '../bits';
import type { FieldProblem } from '../errors';
import { isHex } from '../hex';
import { THRESHOLDS } from './thresholds';

export const HASH_TYPES = ['pdq', 'blockhash', 'md5', 'sha256', 'vpdq'] as const;
export type HashType = (typeof HASH_TYPES)[number];
/** Types a single stored hash can have (a vpdq hash is stored as its frames' pdq hashes, see video). */
export const SINGLE_HASH_TYPES = ['pdq', 'blockhash', 'md5', 'sha256'] as const;
export type SingleHashType = (typeof SINGLE_HASH_TYPES)[number];

export interface HashSpec {
  bits: number;
  perceptual: boolean;
  /** Default maximum Hamming distance for a match (0 for exact hashes). */
  defaultMaxDistance: number;
  /** The largest maxDistance a query may ask for: beyond it a match says little and costs a scan. */
  maxDistanceCap: number;
}

/**
 * Per type; for `vpdq` the figures are those of one frame (a PDQ hash): two frames match within
 * `defaultMaxDistance`, and a video matches by the share of its frames that do (core/video, rule.ts).
 */
export const HASH_SPECS: Record<HashType, HashSpec> = {
  pdq: { bits: 256, perceptual: true, defaultMaxDistance: THRESHOLDS.pdq.maxDistance, maxDistanceCap: THRESHOLDS.maxDistanceCap },
  blockhash: { bits: 256, perceptual: true, defaultMaxDistance: THRESHOLDS.blockhash.maxDistance, maxDistanceCap: THRESHOLDS.maxDistanceCap },
  md5: { bits: 128, perceptual: false, defaultMaxDistance: 0, maxDistanceCap: 0 },
  sha256: { bits: 256, perceptual: false, defaultMaxDistance: 0, maxDistanceCap: 0 },
  vpdq: { bits: 256, perceptual: true, defaultMaxDistance: THRESHOLDS.vpdq.frameMaxDistance, maxDistanceCap: THRESHOLDS.maxDistanceCap },
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
  const want = HASH_SPECS[type].bits / 4;
  const problems: FieldProblem[] = [];
  if (!isHex(value)) problems.push({ path: `${path}/value`, message: `${type} value must be hexadecimal (0-9, a-f)` });
  if (value.length !== want) problems.push({ path: `${path}/value`, message: `${type} value must be ${want} hex characters (${HASH_SPECS[type].bits} bits), got ${value.length}` });
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
