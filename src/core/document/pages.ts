/**
 * A PDF's stored form: the PDQ hash of each page rendered at `PDF_RENDER_DPI`, numbered from 1,
 * with its quality. Like a video's frames (core/video), the list travels beside one value, the
 * SHA-256 of the list written one `page,quality,hash` line per page: the key of a share, what the
 * audit log records, and what anyone holding the pages can recompute.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { THRESHOLDS } from '../hashes';
import { bytesToHex } from '../hex';
import { vpdqMatch, type VpdqMatchResult, type VpdqRule } from '../video';

/**
 * Pages are rendered at 72 dots per inch: one pixel per PDF point, so an A4 page is 595 x 842
 * pixels and a US Letter page 612 x 792. PDQ downsamples to 64 x 64 with its own filter, so the
 * resolution matters little to the hash (a screenshot at another size lands within a few bits) and
 * more to the cost: 72 dpi renders a page in a few ms. Fixed, not configurable: nodes that rendered
 * at different resolutions would share hashes a few bits apart for no reason.
 */
export const PDF_RENDER_DPI = 72;

export interface PdfPageHash {
  /** Page number, from 1. */
  page: number;
  /** PDQ, 64 lowercase hex digits. */
  hash: string;
  /** PDQ quality 0..100; pages below 50 (blank, nearly blank) take no part in matching. */
  quality: number;
}

/** The page list as its digest hashes it: `page,quality,hash` lines, each ending in a newline. */
export function pdfPagesText(pages: readonly PdfPageHash[]): string {
  return pages.map((p) => `${p.page},${p.quality},${p.hash}\n`).join('');
}

/** A pdf hash's value: SHA-256 (hex) of `pdfPagesText`. */
export function pdfDigest(pages: readonly PdfPageHash[]): string {
  return bytesToHex(sha256(new TextEncoder().encode(pdfPagesText(pages))));
}

/** The largest page number a list sent as JSON may carry (src/http/hash-input.ts checks the list). */
export const MAX_PDF_PAGE = 100_000;

/** Whether `bytes` is a PDF: `%PDF-` within the first 1024 bytes (where readers look for it). */
export function isPdf(bytes: Uint8Array): boolean {
  const head = bytes.subarray(0, 1024);
  for (let i = 0; i + 5 <= head.length; i++) {
    if (head[i] === 0x25 && head[i + 1] === 0x50 && head[i + 2] === 0x44 && head[i + 3] === 0x46 && head[i + 4] === 0x2d) return true;
  }
  return false;
}

/**
 * The document rule on two page lists, the pairwise way (the node answers it from the index):
 * vPDQ's rule (core/video `vpdqVerdict`) with pages for frames, at the given shares (percent) and
 * page distance, pages under THRESHOLDS.pdf.pageMinQuality left out.
 */
export function pdfPagesMatch(query: readonly PdfPageHash[], candidate: readonly PdfPageHash[], opts: VpdqRule & { distance?: number }): VpdqMatchResult {
  const frames = (pages: readonly PdfPageHash[]) => pages.map((p) => ({ index: p.page, timestamp: 0, hash: p.hash, quality: p.quality }));
  return vpdqMatch(frames(query), frames(candidate), { distance: THRESHOLDS.pdf.pageMaxDistance, qualityThreshold: THRESHOLDS.pdf.pageMinQuality, ...opts });
}
