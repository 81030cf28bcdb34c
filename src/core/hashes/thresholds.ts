/**
 * The node's default match thresholds and quality gates, in one table (DESIGN §4). Services,
 * storage, the clients and the benches read them from here; an operator or a request may override
 * some (VPDQ_*_MATCH_PERCENT, PDF_*_MATCH_PERCENT, `maxDistance`).
 */
export const THRESHOLDS = {
  pdq: {
    /** Hamming distance (of 256 bits) for a match: Meta's recommended threshold. */
    maxDistance: 31,
    /** Below this quality a hash says little (flat, blank, tiny images): refused for sharing, flagged in a match. */
    minQuality: 50,
  },
  blockhash: {
    /** Hamming distance for a match: measured on the conformance edits (README, "blockhash threshold"). */
    maxDistance: 20,
  },
  vpdq: {
    /** Two frames match within this distance: PDQ's threshold. */
    frameMaxDistance: 31,
    /** Frames of lower quality take no part in matching (and a video with none is not shared). */
    frameMinQuality: 50,
    /** Share (%) of the query's usable frames that must lie within the frame distance of the stored video's. */
    queryMatchPercent: 80,
    /** Share (%) of the stored video's usable frames matched the other way (HMA: 0, not checked). */
    candidateMatchPercent: 0,
  },
  pdf: {
    /** Two pages match within this distance: PDQ's threshold. */
    pageMaxDistance: 31,
    /** Pages of lower quality (blank, nearly blank) take no part in matching. */
    pageMinQuality: 50,
    /**
     * Share (%) of the query's usable pages that must lie within the page distance of the stored
     * PDF's: lower than a video's, so a PDF with a page or two added or removed still matches
     * (README, "Documents, text and links").
     */
    queryMatchPercent: 60,
    /** Share (%) of the stored PDF's usable pages matched the other way (0: not checked). */
    candidateMatchPercent: 0,
  },
  tlsh: {
    /** TLSH distance (the reference's standard score) for a text match: measured on real text (npm run bench -- --only documents). */
    maxDistance: 40,
    /** The largest tlsh maxDistance a query may ask for (TLSH distances run to several hundred). */
    maxDistanceCap: 300,
  },
  /** The largest maxDistance a query may ask for: beyond it a match says little and costs a scan. */
  maxDistanceCap: 64,
} as const;
