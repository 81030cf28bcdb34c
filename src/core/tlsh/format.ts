/**
 * The printed form of a TLSH digest and its 35 bytes.
 *
 * Printed: `T1` (format version 1) and 70 hex digits, upper case, as the reference and
 * python-threatexchange print it (threatexchange's validator accepts upper case only, so the node
 * prints what it does). Parsed: the version prefix is optional and hex is either case, as the
 * reference's own parser allows: TLSH before 4.0 printed the same 35 bytes without `T1`, and those
 * digests are still valid and comparable.
 *
 * The 35 bytes, in printed order: checksum (nibbles swapped), length code (nibbles swapped),
 * q1 ratio << 4 | q2 ratio, then the 32 code bytes from the last buckets to the first.
 */

/** Bytes in a standard (128-bucket, 1-byte checksum) digest. */
export const TLSH_BYTES = 35;
/** Characters in the printed digest: `T1` + 70 hex. */
const TLSH_DIGEST_LENGTH = 2 + 2 * TLSH_BYTES;

const BYTE_HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).toUpperCase().padStart(2, '0'));

export function formatTlsh(raw: Uint8Array): string {
  if (raw.length !== TLSH_BYTES) throw new RangeError(`a TLSH digest has ${TLSH_BYTES} bytes, not ${raw.length}`);
  // join() gives a flat string; repeated += would give a rope that each later read must flatten.
  const parts = new Array<string>(TLSH_BYTES + 1);
  parts[0] = 'T1';
  for (let i = 0; i < TLSH_BYTES; i++) parts[i + 1] = BYTE_HEX[raw[i]];
  return parts.join('');
}

/**
 * The 35 bytes of `T1` + 70 hex or of the bare 70 hex (either case), else null. Other lengths,
 * other version prefixes (`T2`…) and the 48- or 256-bucket and 3-byte-checksum builds are refused.
 */
export function parseTlsh(s: string): Uint8Array | null {
  const out = new Uint8Array(TLSH_BYTES);
  return parseTlshInto(s, out, 0) ? out : null;
}

/** `parseTlsh` into `out[offset..offset+35)`; false (and `out` partly written) when malformed. */
export function parseTlshInto(s: string, out: Uint8Array, offset: number): boolean {
  let start = 0;
  if (s.length === TLSH_DIGEST_LENGTH && (s[0] === 'T' || s[0] === 't') && s[1] === '1') start = 2;
  else if (s.length !== 2 * TLSH_BYTES) return false;
  for (let i = 0; i < TLSH_BYTES; i++) {
    const hi = nibble(s.charCodeAt(start + 2 * i));
    const lo = nibble(s.charCodeAt(start + 2 * i + 1));
    if (hi < 0 || lo < 0) return false;
    out[offset + i] = (hi << 4) | lo;
  }
  return true;
}

/** The node's form of a digest given in any accepted form (`T1` + upper-case hex), or null. */
export function canonicalTlsh(s: string): string | null {
  const raw = parseTlsh(s);
  return raw && formatTlsh(raw);
}

function nibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}
