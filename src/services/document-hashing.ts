/**
 * Hashing documents: a PDF (its pages' PDQ hashes at a fixed resolution, the TLSH of its text, the
 * file's md5 and sha256) and plain text (TLSH of the normalised text, md5 and sha256 of the bytes
 * as sent). Stores nothing.
 */
import { decodeText, hashPdf, PDF_RENDER_DPI, pdfDigest, codePoints, type PdfPageHash } from '../core/document';
import { normaliseText, textTlsh } from '../core/tlsh';
import type { ServiceDeps } from './deps';

export interface PdfMediaHashes {
  kind: 'pdf';
  hashes: {
    /** Absent when the PDF needs a password to open: only its exact hashes can be taken. */
    pdf?: { value: string; pages: PdfPageHash[] };
    /** TLSH of the extracted, normalised text; absent without enough text. */
    tlsh?: { value: string };
    md5: { value: string };
    sha256: { value: string };
  };
  media: {
    format: 'pdf';
    /** Pages rendered and hashed (0 when password-protected). */
    pages: number;
    /** Resolution the pages were rendered at (dots per inch). */
    resolutionDpi: number;
    /** Encrypted: with an owner password only (rendered as usual), or with a password needed to open it (exact hashes only). */
    encrypted: false | 'owner-password' | 'password-required';
    textCharacters: number;
    textTruncated?: boolean;
  };
  /** What could not be hashed, and why, in the node's words. */
  notes?: string[];
}

export interface TextMediaHashes {
  kind: 'text';
  hashes: { tlsh?: { value: string }; md5: { value: string }; sha256: { value: string } };
  media: { format: 'text'; encoding: string; characters: number };
  notes?: string[];
}

/** `metrics` is optional: the client CLI hashes with the same code and no metrics. */
type Deps = Pick<ServiceDeps, 'digests' | 'documents' | 'kernels'> & Partial<Pick<ServiceDeps, 'metrics'>>;

async function digestsOf(deps: Deps, bytes: Uint8Array): Promise<{ md5: { value: string }; sha256: { value: string } }> {
  const { md5, sha256 } = await deps.digests.digest(bytes);
  return { md5: { value: md5 }, sha256: { value: sha256 } };
}

const NO_TLSH = 'no tlsh: TLSH needs at least 50 bytes of varied text after normalisation';

/** Sizes are the caller's to limit (src/http/media.ts: DocumentSettings.maxBytes). */
export async function hashPdfMedia(deps: Deps, bytes: Uint8Array, signal?: AbortSignal): Promise<PdfMediaHashes> {
  const docs = deps.documents;
  const exact = await digestsOf(deps, bytes);
  // Timed inside its slot, as a video is: the render's own duration, not the wait for a slot.
  const r = await docs.slots.run(async () => {
    const elapsed = deps.metrics?.timer();
    const out = await hashPdf(docs.renderer, bytes, { ...docs.limits, signal }, deps.kernels.pdq);
    if (deps.metrics && elapsed) deps.metrics.hashed('pdf', elapsed());
    return out;
  }, signal);
  if ('passwordProtected' in r) {
    return {
      kind: 'pdf',
      hashes: exact,
      media: { format: 'pdf', pages: 0, resolutionDpi: PDF_RENDER_DPI, encrypted: 'password-required', textCharacters: 0 },
      notes: ['the PDF is encrypted and needs a password to open: only its exact hashes (md5, sha256) were taken; its pages and text could not be read'],
    };
  }
  const notes: string[] = [];
  if (!r.tlsh) notes.push(r.textCharacters === 0 ? 'no tlsh: the PDF holds no extractable text (scanned pages or pictures only)' : NO_TLSH);
  if (r.textTruncated) notes.push(`the text was cut at ${docs.limits.maxTextBytes} bytes before hashing`);
  return {
    kind: 'pdf',
    hashes: { pdf: { value: pdfDigest(r.pages), pages: r.pages }, ...(r.tlsh ? { tlsh: { value: r.tlsh } } : {}), ...exact },
    media: {
      format: 'pdf',
      pages: r.pages.length,
      resolutionDpi: PDF_RENDER_DPI,
      encrypted: r.encrypted ? 'owner-password' : false,
      textCharacters: r.textCharacters,
      ...(r.textTruncated ? { textTruncated: true } : {}),
    },
    ...(notes.length ? { notes } : {}),
  };
}

/** `charset`: the one the client declared (Content-Type parameter), or null. Sizes are the caller's to limit (an image's: src/http/media.ts). */
export async function hashTextMedia(deps: Deps, bytes: Uint8Array, charset: string | null): Promise<TextMediaHashes> {
  const elapsed = deps.metrics?.timer();
  const { text, encoding } = decodeText(bytes, charset);
  const exact = await digestsOf(deps, bytes);
  const normalised = normaliseText(text);
  const tlsh = normalised ? textTlsh(text) : null;
  if (deps.metrics && elapsed) deps.metrics.hashed('text', elapsed());
  return {
    kind: 'text',
    hashes: { ...(tlsh ? { tlsh: { value: tlsh } } : {}), ...exact },
    media: { format: 'text', encoding, characters: codePoints(normalised) },
    ...(tlsh ? {} : { notes: [normalised ? NO_TLSH : 'no tlsh: the text is empty or only white space'] }),
  };
}
