/**
 * Checking one hash a client sent (to share or to match), whatever its type: a single value, a
 * video's frames, a PDF's pages, or a URL to canonicalise. Returns the checked form or the problems,
 * each naming its field.
 */
import { checkPdfPages, pdfDigest, type PdfPageHash } from '../core/document';
import type { FieldProblem } from '../core/errors';
import { checkHash, type HashType } from '../core/hashes';
import { hashUrl, hostKey, pathPrefixKey, prefixDigest, prefixDigests, type UrlCandidate } from '../core/url';
import { checkVideoFrames, vpdqDigest, type VideoFrameHash } from '../core/video';

export interface ItemInput {
  type: string;
  value?: string;
  frames?: unknown;
  pages?: unknown;
  /** url: the URL itself, canonicalised here (instead of its digest as `value`). */
  url?: string;
  /** url shares: what the member asks to match, the URL itself (default), its whole host, or everything under its folder. */
  scope?: 'exact' | 'host' | 'prefix';
}

export interface CheckedItem {
  type: HashType;
  value: string;
  frames?: VideoFrameHash[];
  pages?: PdfPageHash[];
  /** url items sent as a URL: its canonical form, and (to match) the digests to look up. */
  url?: { canonical: string; scope: 'exact' | 'host' | 'prefix'; candidates?: UrlCandidate[] };
}

export interface CheckLimits {
  maxFrames: number;
  maxPages: number;
}

/** `purpose`: a share stores one value (the URL's or its host's or folder's key); a match looks up every key the URL falls under. */
export function checkItem(it: ItemInput, path: string, limits: CheckLimits, purpose: 'share' | 'match'): CheckedItem | { problems: FieldProblem[] } {
  if (it.type !== 'url' && (it.url !== undefined || it.scope !== undefined)) {
    return { problems: [{ path: `${path}/${it.url !== undefined ? 'url' : 'scope'}`, message: 'url and scope belong to url items only' }] };
  }
  if (it.type === 'vpdq') return checkVpdq(it, path, limits.maxFrames);
  if (it.type === 'pdf') return checkPdf(it, path, limits.maxPages);
  if (it.type === 'url') return checkUrlItem(it, path, purpose);
  const r = checkHash(it.type, it.value, path);
  return 'problems' in r ? r : { type: it.type as HashType, value: r.value };
}

/** A pdf item: its pages checked, and its value (the pages' digest) computed or checked. */
export function checkPdf(it: { value?: string; pages?: unknown }, path: string, maxPages: number): CheckedItem | { problems: FieldProblem[] } {
  const r = checkPdfPages(it.pages, `${path}/pages`, maxPages);
  if ('problems' in r) return r;
  const value = pdfDigest(r.pages);
  const wrong = listValueProblem(it.value, value, path, 'a pdf value is the SHA-256 of its page list', 'these pages');
  return wrong ?? { type: 'pdf', value, pages: r.pages };
}

function checkUrlItem(it: ItemInput, path: string, purpose: 'share' | 'match'): CheckedItem | { problems: FieldProblem[] } {
  if (it.url === undefined) {
    if (it.scope !== undefined && it.scope !== 'exact') return { problems: [{ path: `${path}/scope`, message: 'host or prefix matching needs the url itself; a value is stored as it is' }] };
    const r = checkHash('url', it.value, path);
    return 'problems' in r ? r : { type: 'url', value: r.value };
  }
  if (it.value !== undefined) return { problems: [{ path: `${path}/value`, message: 'give a url or its value (the SHA-256 of its canonical form), not both' }] };
  if (typeof it.url !== 'string') return { problems: [{ path: `${path}/url`, message: 'must be a string' }] };
  const scope = it.scope ?? 'exact';
  if (scope !== 'exact' && scope !== 'host' && scope !== 'prefix') return { problems: [{ path: `${path}/scope`, message: 'scope must be exact, host or prefix' }] };
  const exact = hashUrl(it.url);
  if ('problem' in exact) return { problems: [{ path: `${path}/url`, message: `the URL cannot be used: ${exact.problem}` }] };
  if (purpose === 'match') {
    if (scope !== 'exact') return { problems: [{ path: `${path}/scope`, message: 'a match looks up the URL, its host and each folder above it at once; scope is for sharing' }] };
    const c = prefixDigests(it.url);
    return 'problem' in c ? { problems: [{ path: `${path}/url`, message: c.problem }] } : { type: 'url', value: exact.digest, url: { canonical: exact.url, scope, candidates: c.candidates } };
  }
  if (scope === 'exact') return { type: 'url', value: exact.digest, url: { canonical: exact.url, scope } };
  const key = scope === 'host' ? hostKey(it.url) : pathPrefixKey(it.url);
  if ('problem' in key) return { problems: [{ path: `${path}/url`, message: key.problem }] };
  return { type: 'url', value: prefixDigest(key.url), url: { canonical: key.url, scope } };
}

/** A vpdq item: its frames checked, and its value (the frames' digest) computed or checked. */
export function checkVpdq(it: { value?: string; frames?: unknown }, path: string, maxFrames: number): { type: 'vpdq'; value: string; frames: VideoFrameHash[] } | { problems: FieldProblem[] } {
  const r = checkVideoFrames(it.frames, `${path}/frames`, maxFrames);
  if ('problems' in r) return r;
  const value = vpdqDigest(r.frames);
  const wrong = listValueProblem(it.value, value, path, 'a vpdq value is the SHA-256 of its frame list', 'these frames');
  return wrong ?? { type: 'vpdq', value, frames: r.frames };
}

/** A value sent beside a frame or page list must be the list's digest (or left out, to be computed). */
function listValueProblem(given: string | undefined, value: string, path: string, rule: string, what: string): { problems: FieldProblem[] } | null {
  if (given === undefined || given === '' || String(given).toLowerCase() === value) return null;
  return { problems: [{ path: `${path}/value`, message: `${rule} (${value} for ${what}); leave it out to have it computed` }] };
}
