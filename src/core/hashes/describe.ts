/**
 * The hash types as `GET /v1/labels` describes them to members: what each is of, how it is
 * compared, and its default and largest match distance.
 */
import { ROBUST_RULES } from '../robust';
import { THRESHOLDS } from './thresholds';
import { HASH_SPECS, HASH_TYPES, type HashMetric, type HashType } from './types';

export interface HashTypeInfo {
  type: HashType;
  description: string;
  metric: HashMetric;
  defaultMaxDistance: number;
  maxDistanceCap: number;
}

const DESCRIPTIONS: Record<HashType, string> = {
  // The two gates a PDQ meets when shared (services/sharing.ts): by value, PDQ's own; in a media share, the robust rules' (which keep dim and flat images' PDQ).
  pdq:
    `PDQ of an image (Meta), 256 bits; compared by Hamming distance. Quality below ${THRESHOLDS.pdq.minQuality} is flagged lowQuality in a match. ` +
    `Shared by value (POST /v1/hashes), a PDQ with a quality below ${THRESHOLDS.pdq.minQuality} is refused; ` +
    `a media share (POST /v1/hashes/media) keeps quality ${ROBUST_RULES.minQuality.pdq} to ${THRESHOLDS.pdq.minQuality - 1} and leaves out a PDQ below ${ROBUST_RULES.minQuality.pdq}.`,
  blockhash: 'blockhash of an image, 16x16 blocks, 256 bits; compared by Hamming distance.',
  md5: 'MD5 of the exact bytes of a file; equal or not.',
  sha256: 'SHA-256 of the exact bytes of a file; equal or not.',
  vpdq: "vPDQ of a video: PDQ of its frames sampled once a second; the value is the SHA-256 of the frame list. A video matches when enough of its frames are within the frame distance of a stored video's.",
  pdf: "A PDF: PDQ of each page rendered at 72 dpi; the value is the SHA-256 of the page list. A PDF matches when enough of its pages are within the page distance of a stored PDF's; an image matches a single page.",
  tlsh: "TLSH of a text (a text/plain body or the text of a PDF) after normalisation (Unicode NFKC, lower case, runs of white space as one space); T1 and 70 hex digits; compared by TLSH distance (the reference's standard score).",
  url: 'SHA-256 of a canonical URL, or of a host or path-prefix key when the sharer asked for a whole host or folder; equal or not. Members share links without publishing them.',
};

export function hashTypeInfo(): HashTypeInfo[] {
  return HASH_TYPES.map((type) => ({
    type,
    description: DESCRIPTIONS[type],
    metric: HASH_SPECS[type].metric,
    defaultMaxDistance: HASH_SPECS[type].defaultMaxDistance,
    maxDistanceCap: HASH_SPECS[type].maxDistanceCap,
  }));
}
