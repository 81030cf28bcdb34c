/**
 * What `client share` and `client match` send, gathered from three sources: media files and folders
 * (hashed here, so only hashes leave the machine), `--hash TYPE:VALUE`, and `--input FILE` (JSON
 * Lines: share items / match queries as the API takes them, or the lines `client hash DIR --json`
 * prints). Files are hashed one after another with a progress line on stderr.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { LABELS, PDQ_MIN_SHARE_QUALITY, type LabelId, type MatchQuery, type ShareItem, type VideoFrameHash } from '../client';
import { VideoFrameSchema } from '../http/hash-input';
import { findMedia, LocalHasher } from './local-hash';
import type { Progress } from './progress';

/**
 * One hash to send, with the file it came from (if any). Values are sent as they are: the node
 * checks them and names what is wrong.
 */
export type Gathered = ({ type: 'pdq'; value: string; quality?: number } | { type: 'blockhash' | 'md5' | 'sha256'; value: string } | { type: 'vpdq'; value?: string; frames: VideoFrameHash[] }) & {
  file?: string;
  labels?: LabelId[];
  externalId?: string;
};

export interface GatherResult {
  hashes: Gathered[];
  /** Files that could not be hashed: name and why. */
  failed: { file: string; code?: string; message: string }[];
  /** Files hashed but not to be shared (low quality): name and why. */
  weak: { file: string; message: string }[];
}

/** Below this PDQ quality the node refuses a share (422 low_quality): such files are left out. */

const value = z.object({ value: z.string() });

/** A line of `client hash --json` (or a local hashing result): an image's or a video's hashes. */
const HashedLine = z.object({
  hashes: z.object({
    vpdq: z.object({ frames: z.array(VideoFrameSchema) }).optional(),
    pdq: z.object({ value: z.string(), quality: z.number().optional() }).optional(),
    blockhash: value.optional(),
    md5: value.optional(),
    sha256: value.optional(),
  }),
});

/** A line that is one hash as the API takes it (with labels and a reference for sharing). */
const ItemLine = z
  .object({ file: z.string().optional(), labels: z.array(z.string()).optional(), externalId: z.string().optional() })
  .and(
    z.discriminatedUnion('type', [
      z.object({ type: z.literal('pdq'), value: z.string(), quality: z.number().optional() }),
      z.object({ type: z.enum(['blockhash', 'md5', 'sha256']), value: z.string() }),
      z.object({ type: z.literal('vpdq'), value: z.string().optional(), frames: z.array(VideoFrameSchema) }),
    ]),
  );

/** The hashes of a local hashing result, in the node's order (image: pdq, blockhash, md5, sha256; video: vpdq, md5, sha256). */
export function hashesOf(h: z.output<typeof HashedLine>, file?: string): Gathered[] {
  const hs = h.hashes;
  const out: Gathered[] = [];
  if (hs.vpdq) out.push({ file, type: 'vpdq', frames: hs.vpdq.frames });
  if (hs.pdq) out.push({ file, type: 'pdq', value: hs.pdq.value, quality: hs.pdq.quality });
  for (const t of ['blockhash', 'md5', 'sha256'] as const) {
    const v = hs[t]?.value;
    if (v !== undefined) out.push({ file, type: t, value: v });
  }
  return out;
}

const isLabelId = (s: string): s is LabelId => LABELS.some((l) => l.id === s);

/** Label ids as given (--labels, an input line); an unknown one stops the command before anything is sent. */
export function labelIds(given: readonly string[], where: string): LabelId[] {
  return given.map((l) => {
    if (!isLabelId(l)) throw new UsageError(`${where}: unknown label ${JSON.stringify(l)} (\`client labels\` lists them)`);
    return l;
  });
}

/** Why the node would refuse to share these hashes of one file, or null. */
export function weakness(hashes: Gathered[]): string | null {
  const pdq = hashes.find((h) => h.type === 'pdq');
  if (pdq?.quality !== undefined && pdq.quality < PDQ_MIN_SHARE_QUALITY) return `PDQ quality ${pdq.quality} is below ${PDQ_MIN_SHARE_QUALITY} (a flat, blank or tiny image matches unrelated media); the node does not share it`;
  const video = hashes.find((h) => h.type === 'vpdq');
  if (video?.type === 'vpdq' && !video.frames.some((f) => f.quality >= PDQ_MIN_SHARE_QUALITY)) return `no frame of the video has PDQ quality ${PDQ_MIN_SHARE_QUALITY} or more; the node does not share it`;
  return null;
}

/** `--hash pdq:f8f8…` */
export function parseHashFlag(s: string): Gathered {
  const i = s.indexOf(':');
  const type = s.slice(0, i);
  const value = s.slice(i + 1).trim().toLowerCase();
  if (i >= 0 && value && (type === 'pdq' || type === 'blockhash' || type === 'md5' || type === 'sha256')) return { type, value };
  throw new UsageError(`--hash takes TYPE:VALUE with TYPE one of pdq, blockhash, md5, sha256 (got ${JSON.stringify(s)}); send videos' frames with --input`);
}

export class UsageError extends Error {}

/** JSON Lines from a file or stdin (`-`). */
export function parseInput(path: string): { hashes: Gathered[]; failed: GatherResult['failed'] } {
  const text = readFileSync(path === '-' ? 0 : path, 'utf8');
  const hashes: Gathered[] = [];
  const failed: GatherResult['failed'] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const where = `${path === '-' ? 'stdin' : path} line ${i + 1}`;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      throw new UsageError(`${where} is not JSON`);
    }
    const file = typeof v === 'object' && v !== null && 'file' in v && typeof v.file === 'string' ? v.file : undefined;
    const hashed = HashedLine.safeParse(v);
    const item = ItemLine.safeParse(v);
    if (typeof v === 'object' && v !== null && 'error' in v && v.error) failed.push({ file: file ?? `line ${i + 1}`, message: 'its hashing failed' });
    else if (hashed.success) hashes.push(...hashesOf(hashed.data, file));
    else if (item.success) hashes.push({ ...item.data, labels: item.data.labels && labelIds(item.data.labels, where) });
    else throw new UsageError(`${where} is neither a hash ({"type", "value"} or {"type": "vpdq", "frames"}) nor a line of \`client hash --json\``);
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
      const hashes = hashesOf(h, f.name);
      const weak = opts.forShare ? weakness(hashes) : null;
      if (weak) out.weak.push({ file: f.name, message: weak });
      else out.hashes.push(...hashes);
    } catch (e) {
      const code = typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
      out.failed.push({ file: f.name, code, message: e instanceof Error ? e.message : String(e) });
    }
  }
  opts.progress.update(files.length, files.length);
  opts.progress.end();
  return out;
}

export function toShareItems(hashes: Gathered[], labels: LabelId[] | undefined, externalId: string | undefined): ShareItem[] {
  return hashes.map((h) => {
    const l = h.labels ?? labels;
    if (!l?.length) throw new UsageError(`${h.file ?? `the ${h.type} hash ${h.value ?? ''}`} has no labels: give --labels (see \`client labels\`)`);
    const ref = h.externalId ?? externalId;
    return { ...queryOf(h), labels: l, ...(ref !== undefined ? { externalId: ref } : {}) };
  });
}

/** The hash alone, as the API takes it. */
function queryOf(h: Gathered): MatchQuery {
  if (h.type === 'vpdq') return { type: 'vpdq', frames: h.frames };
  if (h.type === 'pdq') return { type: 'pdq', value: h.value, ...(h.quality !== undefined ? { quality: h.quality } : {}) };
  return { type: h.type, value: h.value };
}

export function toMatchQueries(hashes: Gathered[]): MatchQuery[] {
  return hashes.map(queryOf);
}
