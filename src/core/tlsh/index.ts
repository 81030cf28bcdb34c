/**
 * TLSH (Trend Micro's locality-sensitive hash), the node's `tlsh` hash type: digests of bytes and of
 * normalised text, parsing and printing, distance, and a brute-force scan. Pure: bytes and strings in,
 * strings and numbers out.
 */
export { tlshDigest, tlshDigestBytes, TLSH_MIN_BYTES } from './digest';
export { tlshDistance, tlshDistanceBytes, type TlshDistanceOptions } from './distance';
export { canonicalTlsh, formatTlsh, parseTlsh, parseTlshInto, TLSH_BYTES, TLSH_DIGEST_LENGTH } from './format';
export { packTlsh, scanTlsh, type TlshHit } from './scan';
export { normaliseText, textTlsh } from './text';
