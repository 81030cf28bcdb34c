/**
 * What a PDF renderer must provide (poppler on Node; none on Workers), and the loop that turns its
 * pages into PDQ hashes and its text into a TLSH digest.
 */
import { DomainError, throwIfCancelled } from '../errors';
import { pdqFromRgba, type PdqKernels } from '../pdq';
import { normaliseText, textTlsh } from '../tlsh';
import type { PdfPageHash } from './pages';

export interface PdfLimits {
  /** More pages than this: 422 before anything is rendered. */
  maxPages: number;
  /** A page over this many pixels at PDF_RENDER_DPI: 422 before it is rendered. */
  maxPagePixels: number;
  /** Wall-clock budget for reading, rendering and extracting text together. */
  timeoutMs: number;
  /** Address space the renderer's process may take (it is killed past it): the cap on what a bomb inside the PDF can make it allocate. */
  memoryBytes: number;
  /** Most bytes of extracted text kept; beyond it the text is cut (and the answer says so). */
  maxTextBytes: number;
  /** The call's own (the request's): aborted when its client has gone, which kills the renderer and ends with `cancelled`. */
  signal?: AbortSignal;
}

export interface PdfInfo {
  pages: number;
  /** Encrypted with an owner password only: it opens and renders like any PDF. */
  encrypted: boolean;
}

export interface RenderedPage {
  /** From 1. */
  page: number;
  width: number;
  height: number;
  /** width * height * 4 bytes, row-major RGBA, alpha 255. */
  rgba: Uint8Array;
}

export interface OpenedPdf {
  info: PdfInfo;
  /** The pages in order, each rendered at PDF_RENDER_DPI. Iterate at most once. */
  pages(): AsyncIterable<RenderedPage>;
  /** The text of every page, pages separated by a form feed; `truncated` when cut at maxTextBytes. */
  text(): Promise<{ text: string; truncated: boolean }>;
}

export interface PdfRenderer {
  /**
   * Opens the PDF; one that needs a password to open answers `{ passwordProtected: true }`. Throws
   * DomainError: `corrupt_media` (it does not parse), `unprocessable` (over a limit, or the time or
   * memory budget), `document_unavailable` (no renderer on this node). Messages are the node's own
   * words; the renderer's text travels as the error's cause, for the log.
   */
  open(bytes: Uint8Array, limits: PdfLimits): Promise<OpenedPdf | { passwordProtected: true }>;
  /** Whether PDFs can be rendered here, and the renderer's version or why not (GET /health). */
  status(): Promise<{ available: boolean; detail: string }>;
}

/** For runtimes without a renderer (Workers): every call says why; text and URLs keep working. */
export class UnavailablePdfRenderer implements PdfRenderer {
  constructor(private readonly reason = 'this node cannot render PDFs') {}

  async open(): Promise<OpenedPdf> {
    throw new DomainError('document_unavailable', this.reason);
  }

  async status(): Promise<{ available: boolean; detail: string }> {
    return { available: false, detail: this.reason };
  }
}

export interface PdfHashes {
  pages: PdfPageHash[];
  /** TLSH of the normalised text; null when there is no text, or too little for a digest. */
  tlsh: string | null;
  /** Characters of extracted text after normalisation (0: the PDF holds no text, e.g. scanned pages). */
  textCharacters: number;
  textTruncated: boolean;
  encrypted: boolean;
}

/**
 * Renders and hashes every page (with the entry point's PDQ kernels; null: TypeScript), extracts and
 * hashes the text; `passwordProtected` when it cannot be opened.
 */
export async function hashPdf(
  renderer: PdfRenderer,
  bytes: Uint8Array,
  limits: PdfLimits,
  kernels: PdqKernels | null,
): Promise<PdfHashes | { passwordProtected: true }> {
  const pdf = await renderer.open(bytes, limits);
  throwIfCancelled(limits.signal);
  if ('passwordProtected' in pdf) return pdf;
  const pages: PdfPageHash[] = [];
  for await (const p of pdf.pages()) {
    throwIfCancelled(limits.signal);
    const { hash, quality } = pdqFromRgba(p.rgba, p.width, p.height, kernels);
    pages.push({ page: p.page, hash, quality });
  }
  throwIfCancelled(limits.signal);
  if (pages.length === 0) throw new DomainError('corrupt_media', 'no page of the PDF could be rendered: it is corrupt or truncated');
  const { text, truncated } = await pdf.text();
  throwIfCancelled(limits.signal);
  const normalised = normaliseText(text);
  return { pages, tlsh: normalised ? textTlsh(text) : null, textCharacters: codePoints(normalised), textTruncated: truncated, encrypted: pdf.info.encrypted };
}

/** Unicode code points in a string (a surrogate pair counts once). */
export function codePoints(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xdc00 && c <= 0xdfff && i > 0 && s.charCodeAt(i - 1) >= 0xd800 && s.charCodeAt(i - 1) <= 0xdbff) n--;
  }
  return n;
}
