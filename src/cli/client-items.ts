/**
 * What `client share` and `client match` send, gathered from three sources: media files and folders
 * (hashed here, so only hashes leave the machine), `--hash TYPE:VALUE`, and `--input FILE` (JSON
 * Lines: share items / match queries as the API takes them, or the lines `client hash DIR --json`
 * prints). Files are hashed one after another with a progress line on stderr.
 */
import { readFileSync } from 'node:fs';
import { HASH_TYPES, type HashType, type LabelId, type MatchQuery, type ShareItem, type VideoFrameHash } from '../client';
import type { PdfPageHash } from '../core/document';
import { findMedia, LocalHasher, type LocalHashes } from './local-hash';
import type { Progress } from './progress';

/** One hash to send, with the file it came from (if any). */
export interface Gathered {
  file?: string;
  type: HashType;
  value?: string;
  quality?: number;
  frames?: VideoFrameHash[];
  pages?: PdfPageHash[];
  /** url: the URL itself (the node canonicalises it), instead of value. */
  url?: string;
  labels?: LabelId[];
  externalId?: string;
}

export interface GatherResult {
  hashes: Gathered[];
  /** Files that could not be hashed: name and why. */
  failed: { file: string; code?: string; message: string }[];
  /** Files hashed but not to be shared (low quality): name and why. */
  weak: { file: string; message: string }[];
}

/** Below this PDQ quality the node refuses a share (422 low_quality): such files are left out. */
const MIN_SHARE_QUALITY = 50;

type HashesField = { value?: string; quality?: number; frames?: VideoFrameHash[]; pages?: PdfPageHash[] };

/** The hashes of a local hashing result, in the node's order (image: pdq, blockhash, md5, sha256; video: vpdq, md5, sha256; PDF: pdf, tlsh, md5, sha256; text: tlsh, md5, sha256). */
export function hashesOf(h: LocalHashes | { kind?: string; hashes: Record<string, HashesField> }, file?: string): Gathered[] {
  const hs = h.hashes as Record<string, HashesField | undefined>;
  const out: Gathered[] = [];
  if (hs.vpdq) out.push({ file, type: 'vpdq', frames: hs.vpdq.frames });
  if (hs.pdf) out.push({ file, type: 'pdf', pages: hs.pdf.pages });
  if (hs.pdq) out.push({ file, type: 'pdq', value: hs.pdq.value, quality: hs.pdq.quality });
  for (const t of ['blockhash', 'tlsh', 'md5', 'sha256'] as const) if (hs[t]) out.push({ file, type: t, value: hs[t]!.value });
  return out;
}

/** Why the node would refuse to share these hashes of one file, or null. */
export function weakness(hashes: Gathered[]): string | null {
  const pdq = hashes.find((h) => h.type === 'pdq');
  if (pdq?.quality !== undefined && pdq.quality < MIN_SHARE_QUALITY) return `PDQ quality ${pdq.quality} is below ${MIN_SHARE_QUALITY} (a flat, blank or tiny image matches unrelated media); the node does not share it`;
  const video = hashes.find((h) => h.type === 'vpdq');
  if (video?.frames && !video.frames.some((f) => f.quality >= MIN_SHARE_QUALITY)) return `no frame of the video has PDQ quality ${MIN_SHARE_QUALITY} or more; the node does not share it`;
  return null;
}

/** A PDF whose pages are all blank (quality < 50): its pdf hash is left out, its text and exact hashes stay. */
export function withoutBlankPdf(hashes: Gathered[]): { hashes: Gathered[]; note: string | null } {
  const pdf = hashes.find((h) => h.type === 'pdf');
  if (!pdf?.pages || pdf.pages.some((p) => p.quality >= MIN_SHARE_QUALITY)) return { hashes, note: null };
  return { hashes: hashes.filter((h) => h !== pdf), note: `no page of the PDF has PDQ quality ${MIN_SHARE_QUALITY} or more; its pages are left out, its tlsh, md5 and sha256 are shared` };
}

/** `--hash pdq:f8f8…`; `--hash url:https://…` sends the URL itself (the node canonicalises it). */
export function parseHashFlag(s: string): Gathered {
  const i = s.indexOf(':');
  const type = s.slice(0, i) as HashType;
  const raw = s.slice(i + 1).trim();
  if (type === 'url' && /^https?:/i.test(raw)) return { type, url: raw };
  const value = raw.toLowerCase();
  if (i < 0 || !(HASH_TYPES as readonly string[]).includes(type) || type === 'vpdq' || type === 'pdf' || !value) {
    throw new UsageError(`--hash takes TYPE:VALUE with TYPE one of pdq, blockhash, md5, sha256, tlsh, url (got ${JSON.stringify(s)}); url:https://… sends a URL; send videos' frames and PDFs' pages with --input`);
  }
  return { type, value };
}

export class UsageError extends Error {}

/** JSON Lines from a file or stdin (`-`). */
export function parseInput(path: string): { hashes: Gathered[]; failed: GatherResult['failed'] } {
  const text = readFileSync(path === '-' ? 0 : path, 'utf8');
  const hashes: Gathered[] = [];
  const failed: GatherResult['failed'] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let v: Record<string, unknown>;
    try {
      v = JSON.parse(line);
    } catch {
      throw new UsageError(`${path === '-' ? 'stdin' : path} line ${i + 1} is not JSON`);
    }
    const file = typeof v.file === 'string' ? v.file : undefined;
    if (v.error) failed.push({ file: file ?? `line ${i + 1}`, message: 'its hashing failed' });
    else if (v.hashes && typeof v.hashes === 'object' && !Array.isArray(v.hashes)) hashes.push(...hashesOf(v as never, file));
    else if (typeof v.type === 'string') hashes.push(v as unknown as Gathered);
    else throw new UsageError(`${path === '-' ? 'stdin' : path} line ${i + 1} is neither a hash ({"type", "value"}) nor a line of \`client hash --json\``);
  });
  return { hashes, failed };
}

/** Hashes every media file among `paths`, reporting progress; failures are collected, not thrown. */
export async function hashPaths(paths: readonly string[], opts: { progress: Progress; forShare: boolean; onSkipped?: (n: number) => void }): Promise<GatherResult> {
  const { files, skipped } = findMedia(paths);
  opts.onSkipped?.(skipped.length);
  const hasher = new LocalHasher();
  const out: GatherResult = { hashes: [], failed: [], weak: [] };
  const single = files.length === 1;
  for (const [i, f] of files.entries()) {
    opts.progress.update(i, files.length, f.name);
    try {
      const h = await hasher.hashFile(f.path, {
        // One long video: its seconds are the progress.
        onFrame: single
          ? (s, total) => opts.progress.update(Math.round(s), Math.round(total) || undefined, `${f.name} (s of video)`)
          : (s, total) => opts.progress.update(i, files.length, `${f.name} ${Math.round(s)}${total ? `/${Math.round(total)}` : ''} s`),
      });
      const all = hashesOf(h, f.name);
      const { hashes, note } = opts.forShare ? withoutBlankPdf(all) : { hashes: all, note: null };
      if (note) out.weak.push({ file: f.name, message: note });
      const weak = opts.forShare ? weakness(hashes) : null;
      if (weak) out.weak.push({ file: f.name, message: weak });
      else out.hashes.push(...hashes);
    } catch (e) {
      out.failed.push({ file: f.name, code: (e as { code?: string }).code, message: (e as Error).message });
    }
  }
  opts.progress.update(files.length, files.length);
  opts.progress.end();
  return out;
}

/** What every item carries: its value (not for lists, whose value the node computes), frames, pages or URL. */
function itemBody(h: Gathered): Pick<ShareItem, 'type' | 'value' | 'frames' | 'pages' | 'url'> {
  return {
    type: h.type,
    ...(h.value !== undefined && h.type !== 'vpdq' && h.type !== 'pdf' ? { value: h.value } : {}),
    ...(h.frames ? { frames: h.frames } : {}),
    ...(h.pages ? { pages: h.pages } : {}),
    ...(h.url ? { url: h.url } : {}),
  };
}

/** `scope`: for url items sent as URLs, share the whole host or folder rather than the URL. */
export function toShareItems(hashes: Gathered[], labels: LabelId[] | undefined, externalId: string | undefined, scope?: 'host' | 'prefix'): ShareItem[] {
  return hashes.map((h) => {
    const l = h.labels ?? labels;
    if (!l?.length) throw new UsageError(`${h.file ?? `the ${h.type} hash ${h.value ?? h.url ?? ''}`} has no labels: give --labels (see \`client labels\`)`);
    return {
      ...itemBody(h),
      ...(scope && h.url ? { scope } : {}),
      ...(h.quality !== undefined && h.type === 'pdq' ? { quality: h.quality } : {}),
      labels: l,
      ...((h.externalId ?? externalId) !== undefined ? { externalId: h.externalId ?? externalId } : {}),
    };
  });
}

export function toMatchQueries(hashes: Gathered[]): MatchQuery[] {
  return hashes.map((h) => ({
    ...itemBody(h),
    ...(h.quality !== undefined && h.type === 'pdq' ? { quality: h.quality } : {}),
  }));
}
