/**
 * The TLSH room: Trend Micro's locality-sensitive hash, the node's `tlsh` hash type. Digests of bytes
 * (digest.ts, with the reference's tables in tables.ts) and of normalised text (text.ts), parsing and
 * printing (format.ts), distance (distance.ts) and a brute-force scan (scan.ts). Pure: bytes and
 * strings in, strings and numbers out.
 */
export { tlshDigest, tlshDigestBytes, TLSH_MIN_BYTES } from './digest';
export { tlshDistance, tlshDistanceBytes, type TlshDistanceOptions } from './distance';
export { canonicalTlsh, formatTlsh, parseTlsh, parseTlshInto, TLSH_BYTES } from './format';
export { packTlsh, scanTlsh, type TlshHit } from './scan';
export { normaliseText, textTlsh } from './text';
