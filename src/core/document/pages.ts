/**
 * A PDF's stored form: the PDQ hash of each page rendered at `PDF_RENDER_DPI`, numbered from 1,
 * with its quality. Like a video's frames (core/video), the list travels beside one value, the
 * SHA-256 of the list written one `page,quality,hash` line per page: the key of a share, what the
 * audit log records, and what anyone holding the pages can recompute.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import type { FieldProblem } from '../errors';
import { THRESHOLDS } from '../hashes';
import { bytesToHex, isHex } from '../hex';
import { isRecord, isWholeIn } from '../json';
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

/** The largest page number a list sent as JSON may carry (src/http/hash-input.ts checks a client's list). */
export const MAX_PDF_PAGE = 100_000;

/**
 * Checks a page list that arrives as JSON from elsewhere than a client (a peer's batch: core/federation):
 * page numbers whole, from 1 and strictly increasing, PDQ hashes of 64 hex digits, qualities 0-100.
 * Returns the pages with hashes in lowercase, or the problems.
 */
export function checkPdfPages(pages: unknown, path: string, maxPages: number): { pages: PdfPageHash[] } | { problems: FieldProblem[] } {
  if (!Array.isArray(pages) || pages.length === 0) return { problems: [{ path, message: 'a pdf hash needs a non-empty array of pages' }] };
  if (pages.length > maxPages) return { problems: [{ path, message: `${pages.length} pages; at most ${maxPages} are accepted` }] };
  const problems: FieldProblem[] = [];
  const out: PdfPageHash[] = [];
  pages.forEach((raw: unknown, i) => {
    const at = `${path}/${i}`;
    const p = isRecord(raw) ? raw : {};
    const prev = out[i - 1];
    const { page, quality } = p;
    if (!isWholeIn(page, 1, MAX_PDF_PAGE)) problems.push({ path: `${at}/page`, message: `must be a whole number from 1 to ${MAX_PDF_PAGE}` });
    else if (prev && page <= prev.page) problems.push({ path: `${at}/page`, message: 'page numbers must increase' });
    if (typeof p.hash !== 'string' || p.hash.length !== 64 || !isHex(p.hash))
      problems.push({ path: `${at}/hash`, message: 'must be a PDQ hash: 64 hex digits' });
    if (!isWholeIn(quality, 0, 100)) problems.push({ path: `${at}/quality`, message: 'must be a whole number from 0 to 100' });
    out.push({ page: Number(page), hash: String(p.hash).toLowerCase(), quality: Number(quality) });
  });
  return problems.length ? { problems } : { pages: out };
}

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
