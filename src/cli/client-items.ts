/**
 * What `client share` and `client match` send, gathered from three sources: media files and folders
 * (hashed here, so only hashes leave the machine), `--hash TYPE:VALUE`, and `--input FILE` (JSON
 * Lines: share items / match queries as the API takes them, or the lines `client hash DIR --json`
 * prints). Files are hashed one after another with a progress line on stderr.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { isLabelId, isStoredVariant, PDQ_MIN_SHARE_QUALITY, type LabelId, type MatchQuery, type ShareItem, type VideoFrameHash } from '../client';
import type { PdfPageHash } from '../core/document';
import { checkHash, HASH_SPECS, HASH_TYPES } from '../core/hashes';
import { ITEM_KINDS, type ItemKind } from '../core/items';
import { TURNED_VARIANTS, type TurnedVariant } from '../core/pdq';
import { ROBUST_RULES } from '../core/robust';
import { gateProblem } from '../services/robust-matching';
import { shown } from '../core/text';
import { PdfPageSchema, VideoFrameSchema } from '../http/hash-input';
import { codeOf, messageOf, userPath } from './args';
import { findMedia, LocalHasher, type Passed } from './local-hash';
import type { Progress } from './progress';

/**
 * One hash to send, with the file it came from (if any). Values from --input are sent as they are:
 * the node checks them and names what is wrong; a `--hash` value is checked here first
 * (parseHashFlag), as a usage error.
 */
export type Gathered = (
  | { type: 'pdq'; value: string; quality?: number; variants?: Turned[]; robust?: RobustPart }
  | { type: 'blockhash'; value: string; variants?: Turned[]; robust?: RobustPart }
  | { type: 'md5' | 'sha256' | 'tlsh'; value: string }
  | { type: 'vpdq'; value?: string; frames: VideoFrameHash[] }
  | { type: 'pdf'; value?: string; pages: PdfPageHash[] }
  // url: its value, or the URL itself (the node canonicalises it), with what a share covers.
  | { type: 'url'; value: string }
  | { type: 'url'; url: string; scope?: UrlScope }
) & {
  file?: string;
  labels?: LabelId[];
  externalId?: string;
  /** The media file the hash was computed from: a share makes one item of its hashes, as the node's media share does. */
  item?: { sha256: string; kind: ItemKind };
};

export interface GatherResult {
  hashes: Gathered[];
  /**
   * Files that could not be hashed: name and why, and where their hashes would have been among
   * `hashes` (`at`), so a line per file can say so in its place (`--json`). `error`: the error of a
   * `client hash --json` line given to --input, as that line gave it.
   */
  failed: { file: string; code?: string; message: string; at: number; error?: { code?: string; message: string } }[];
  /** Files hashed whose hashes a share leaves out, some or all (low quality): name, which and why. */
  weak: { file: string; message: string }[];
}

type UrlScope = 'exact' | 'host' | 'prefix';

/** A perceptual hash of an image's region or crop (or of the whole image) as a share stores it: its variant, and why the node's gates leave it out, if they do. */
interface RobustPart {
  variant: string;
  gate?: string;
}

/** A rotation or mirror of an image and its hash, computed here from the pixels (`--dihedral`). */
interface Turned {
  variant: TurnedVariant;
  value: string;
}

const value = z.object({ value: z.string() });
/** An image's 8 rotations and mirrors (`original` among them), as `client hash --dihedral` prints them. */
const dihedralList = z.array(z.object({ variant: z.string(), value: z.string() }));
const isTurned = (v: string): v is TurnedVariant => TURNED_VARIANTS.some((t) => t === v);

/** A line of `client hash --json` (or a local hashing result): an image's, a video's, a PDF's or a text's hashes. */
const HashedLine = z.object({
  kind: z.enum(ITEM_KINDS).optional(),
  hashes: z.object({
    vpdq: z.object({ frames: z.array(VideoFrameSchema) }).optional(),
    pdf: z.object({ pages: z.array(PdfPageSchema) }).optional(),
    pdq: z.object({ value: z.string(), quality: z.number().optional() }).optional(),
    blockhash: value.optional(),
    tlsh: value.optional(),
    md5: value.optional(),
    sha256: value.optional(),
  }),
  variants: z.object({ pdq: dihedralList, blockhash: dihedralList }).optional(),
  /** An image hashed with its regions and crops (`hash --robust`, and every file `share` hashes): what the node's media share stores. */
  robust: z.array(z.object({ type: z.enum(['pdq', 'blockhash']), value: z.string(), quality: z.number().optional(), variant: z.string() })).optional(),
});

/** The error of a `client hash --json` line for a file that could not be hashed. */
const HashingError = z.object({ code: z.string().optional(), message: z.string() });

/** An API-style line's rotations and mirrors (`variants` of a pdq or blockhash item): sent as given; the node checks them. */
const turnedList = z.array(z.object({ variant: z.enum(TURNED_VARIANTS), value: z.string() }));

/** A line that is one hash as the API takes it (with labels and a reference for sharing). */
const ItemLine = z.object({ file: z.string().optional(), labels: z.array(z.string()).optional(), externalId: z.string().optional() }).and(
  z.union([
    z.discriminatedUnion('type', [
      // pdq and blockhash as /v1/match takes them: with the rotations and mirrors the client hashed (match --dihedral sends them).
      z.object({ type: z.literal('pdq'), value: z.string(), quality: z.number().optional(), variants: turnedList.optional() }),
      z.object({ type: z.literal('blockhash'), value: z.string(), variants: turnedList.optional() }),
      z.object({ type: z.enum(['md5', 'sha256', 'tlsh']), value: z.string() }),
      z.object({ type: z.literal('vpdq'), value: z.string().optional(), frames: z.array(VideoFrameSchema) }),
      z.object({ type: z.literal('pdf'), value: z.string().optional(), pages: z.array(PdfPageSchema) }),
    ]),
    // A url: the URL itself (with what a share covers), or its value.
    z.object({ type: z.literal('url'), url: z.string(), scope: z.enum(['exact', 'host', 'prefix']).optional() }),
    z.object({ type: z.literal('url'), value: z.string() }),
  ]),
);

/** The hashes of a local hashing result, in the node's order (image: pdq, blockhash, md5, sha256; video: vpdq, md5, sha256; PDF: pdf, tlsh, md5, sha256; text: tlsh, md5, sha256). */
export function hashesOf(h: z.output<typeof HashedLine>, file?: string, opts: { forShare?: boolean } = {}): Gathered[] {
  const hs = h.hashes;
  // The file's hashes form one item at the node (named by its SHA-256 and kind).
  const item = h.kind && hs.sha256 ? { item: { sha256: hs.sha256.value, kind: h.kind } } : {};
  const out: Gathered[] = [];
  if (hs.vpdq) out.push({ file, type: 'vpdq', frames: hs.vpdq.frames, ...item });
  if (hs.pdf) out.push({ file, type: 'pdf', pages: hs.pdf.pages, ...item });
  // Hashed with --dihedral: the image's other 7 rotations and mirrors go with its pdq and blockhash (`original` is the value itself).
  const turned = (list: z.output<typeof dihedralList> | undefined) => {
    const variants = (list ?? []).flatMap(({ variant, value }): Turned[] => (isTurned(variant) ? [{ variant, value }] : []));
    return variants.length ? { variants } : {};
  };
  if (opts.forShare && h.robust?.length && item.item) {
    // A share: the image with its regions and crops, each a variant of its item, each gated as the
    // node's media share gates it (its own quality; a blockhash also by its region's PDQ).
    const all = h.robust;
    for (const r of all) {
      const gate = gateProblem(r, all) ?? undefined;
      const whole = r.variant === 'whole';
      const robust = { variant: r.variant, ...(gate ? { gate } : {}) };
      if (r.type === 'pdq') out.push({ file, type: 'pdq', value: r.value, quality: r.quality, ...(whole ? turned(h.variants?.pdq) : {}), robust, ...item });
      else out.push({ file, type: 'blockhash', value: r.value, ...(whole ? turned(h.variants?.blockhash) : {}), robust, ...item });
    }
  } else {
    if (hs.pdq) out.push({ file, type: 'pdq', value: hs.pdq.value, quality: hs.pdq.quality, ...turned(h.variants?.pdq), ...item });
    if (hs.blockhash) out.push({ file, type: 'blockhash', value: hs.blockhash.value, ...turned(h.variants?.blockhash), ...item });
  }
  for (const t of ['tlsh', 'md5', 'sha256'] as const) {
    const v = hs[t]?.value;
    if (v !== undefined) out.push({ file, type: t, value: v, ...item });
  }
  return out;
}

/** Label ids as given (--labels, an input line); an unknown one stops the command before anything is sent. */
export function labelIds(given: readonly string[], where: string): LabelId[] {
  return given.map((l) => {
    if (!isLabelId(l)) throw new UsageError(`${where}: unknown label ${JSON.stringify(l)} (\`client labels\` lists them)`);
    return l;
  });
}

/** `--labels a,b`: the label ids, or undefined when the option was not given. */
export function labelsOption(text: string | undefined): LabelId[] | undefined {
  if (text === undefined) return undefined;
  return labelIds(
    text
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    '--labels',
  );
}

/**
 * The hashes of one file a share sends, as the node's media share chooses them (POST
 * /v1/hashes/media): the exact hashes always; a perceptual hash below the node's quality gate left
 * out, with why (`note`). An image's PDQ under the gate (a flat, blank or tiny image) is left out, and
 * its blockhash with it (a region too smooth for PDQ is too smooth for blockhash: the robust rules'
 * blockhashMinPdqQuality); a PDF with no page above it loses its pages, keeping its text and exact
 * hashes. A video with no frame above it is left out whole, as the node refuses it (`refused`).
 */
export function shareable(hashes: Gathered[]): { hashes: Gathered[]; note: string | null; refused: string | null } {
  if (hashes.some((h) => (h.type === 'pdq' || h.type === 'blockhash') && h.robust)) return shareableRobust(hashes);
  const video = hashes.find((h) => h.type === 'vpdq');
  if (video?.type === 'vpdq' && !video.frames.some((f) => f.quality >= PDQ_MIN_SHARE_QUALITY))
    return { hashes: [], note: null, refused: `no frame of the video has PDQ quality ${PDQ_MIN_SHARE_QUALITY} or more; the node does not share it` };
  const out: { type: string; why: string }[] = [];
  const pdq = hashes.find((h) => h.type === 'pdq');
  const q = pdq?.type === 'pdq' ? pdq.quality : undefined;
  if (q !== undefined && q < PDQ_MIN_SHARE_QUALITY)
    out.push({ type: 'pdq', why: `PDQ quality ${q} is below ${PDQ_MIN_SHARE_QUALITY}: the image is too flat for this hash to tell it from unrelated images` });
  if (q !== undefined && q < ROBUST_RULES.blockhashMinPdqQuality && hashes.some((h) => h.type === 'blockhash'))
    out.push({ type: 'blockhash', why: `the image's PDQ quality ${q} is below ${ROBUST_RULES.blockhashMinPdqQuality}: too smooth for blockhash as well` });
  const pdf = hashes.find((h) => h.type === 'pdf');
  if (pdf?.type === 'pdf' && !pdf.pages.some((p) => p.quality >= PDQ_MIN_SHARE_QUALITY))
    out.push({ type: 'pdf', why: `no page of the PDF has PDQ quality ${PDQ_MIN_SHARE_QUALITY} or more` });
  if (!out.length) return { hashes, note: null, refused: null };
  const dropped = new Set(out.map((o) => o.type));
  const kept = hashes.filter((h) => !dropped.has(h.type));
  return {
    hashes: kept,
    note: `${out.map((o) => `${o.type} (${o.why})`).join(', ')}; ${kept.length ? `its ${kept.map((h) => h.type).join(', ')} ${kept.length === 1 ? 'is' : 'are'} shared` : 'nothing of it is shared'}`,
    refused: null,
  };
}

/**
 * An image hashed with its regions and crops: each perceptual hash as the node's media share gates
 * it, and a PDQ under 50 left out as well (the least POST /v1/hashes takes by value; the media route
 * keeps a PDQ of 30–49, which only an upload can share). The whole image's omissions are named with
 * why; the regions' and crops' are counted.
 */
function shareableRobust(hashes: Gathered[]): { hashes: Gathered[]; note: string | null; refused: string | null } {
  const named: string[] = [];
  let regions = 0;
  const kept = hashes.filter((h) => {
    if ((h.type !== 'pdq' && h.type !== 'blockhash') || !h.robust) return true;
    const q = h.type === 'pdq' ? (h.quality ?? 0) : undefined;
    const why =
      h.robust.gate ??
      (q !== undefined && q < PDQ_MIN_SHARE_QUALITY ? `PDQ quality ${q} is below ${PDQ_MIN_SHARE_QUALITY}, the least the node takes as a hash` : undefined);
    if (!why) return true;
    if (h.robust.variant === 'whole') named.push(`${h.type} (${why})`);
    else regions++;
    return false;
  });
  if (!named.length && !regions) return { hashes, note: null, refused: null };
  const left = [...named, ...(regions ? [`${regions} hash${regions === 1 ? '' : 'es'} of its regions and crops (below the quality gates)`] : [])];
  const types = [...new Set(kept.map((h) => h.type))];
  return {
    hashes: kept,
    note: `${left.join(', ')}; ${types.length ? `its ${types.join(', ')} ${kept.length === 1 ? 'is' : 'are'} shared` : 'nothing of it is shared'}`,
    refused: null,
  };
}

/**
 * `--hash pdq:f8f8…`; `--hash url:https://…` sends the URL itself (the node canonicalises it). The
 * value is checked here, as the node checks it (hex of the type's length; tlsh: T1 and 70 hex
 * digits): a malformed one is a usage error naming the flag, before anything is hashed or sent.
 */
export function parseHashFlag(s: string): Gathered {
  const i = s.indexOf(':');
  const type = s.slice(0, i);
  const raw = s.slice(i + 1).trim();
  if (type === 'url' && /^https?:/i.test(raw)) return { type, url: raw };
  const value = raw.toLowerCase();
  const check = (t: 'pdq' | 'blockhash' | 'md5' | 'sha256' | 'tlsh' | 'url') => {
    const problem =
      t === 'tlsh'
        ? tlshProblem(value)
        : t === 'url'
          ? hexProblem(t, value) && 'a url is given as the URL itself (https://… or http://…) or as its digest, 64 hex characters'
          : hexProblem(t, value);
    if (problem) throw new UsageError(`--hash ${shown(s)}: ${problem}; nothing was sent (\`client hash FILE\` prints a file's hashes)`);
  };
  if (i >= 0 && value && type === 'url') {
    check(type);
    return { type, value };
  }
  if (i >= 0 && value && (type === 'pdq' || type === 'blockhash' || type === 'md5' || type === 'sha256' || type === 'tlsh')) {
    check(type);
    return { type, value };
  }
  throw new UsageError(
    `--hash takes TYPE:VALUE with TYPE one of pdq, blockhash, md5, sha256, tlsh, url (got ${JSON.stringify(s)}); url:https://… sends a URL; send videos' frames and PDFs' pages with --input`,
  );
}

/** What is wrong with a hex hash value: the node's own check (core/hashes checkHash), its first problem, or null. */
function hexProblem(type: 'pdq' | 'blockhash' | 'md5' | 'sha256' | 'url', value: string): string | null {
  const r = checkHash(type, value, type);
  return 'problems' in r ? r.problems[0].message : null;
}

/** A TLSH digest as the node takes it: T1 (optional) and 70 hex digits, either case. */
function tlshProblem(value: string): string | null {
  const digits = value.replace(/^t1/, '');
  if (/[^0-9a-f]/.test(digits)) return 'tlsh value must be a TLSH digest: T1 and 70 hex digits (0-9, A-F); it holds a character that is not hex';
  if (digits.length !== 70) return `tlsh value must be a TLSH digest: T1 and 70 hex digits (the standard 128-bucket build), got ${digits.length} hex digits`;
  return null;
}

/**
 * `--max-distance pdq=24,blockhash=10`: each type the node matches, each distance within what the
 * node allows for it (HASH_SPECS' caps: 64 bits, tlsh 300, exact hashes 0), checked here as a usage
 * error naming the flag rather than sent to be refused.
 */
export function parseMaxDistance(s: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of s.split(',')) {
    const m = /^\s*(\w+)\s*=\s*(\d+)\s*$/.exec(part);
    if (!m) throw new UsageError(`--max-distance takes TYPE=DISTANCE[,TYPE=DISTANCE], e.g. pdq=24,blockhash=10 (got ${shown(s)})`);
    const type = HASH_TYPES.find((t) => t === m[1]);
    if (!type) throw new UsageError(`--max-distance ${shown(part.trim())}: unknown hash type ${shown(m[1])}; it takes ${HASH_TYPES.join(', ')}`);
    const cap = HASH_SPECS[type].maxDistanceCap;
    const d = Number(m[2]);
    if (d > cap)
      throw new UsageError(
        cap === 0
          ? `--max-distance ${type}=${m[2]}: ${type} matches only when equal (0)`
          : `--max-distance ${type}=${m[2]}: ${type} takes at most ${cap} (the default is ${HASH_SPECS[type].defaultMaxDistance})`,
      );
    out[type] = d;
  }
  return out;
}

export class UsageError extends Error {}

/** JSON Lines from a file or stdin (`-`). `forShare`: the lines of `client hash --json` give what a share of their file sends (`shareable`). */
export function parseInput(path: string, opts: { forShare?: boolean } = {}): GatherResult {
  const text = readFileSync(path === '-' ? 0 : userPath(path), 'utf8');
  const hashes: Gathered[] = [];
  const failed: GatherResult['failed'] = [];
  const weak: GatherResult['weak'] = [];
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
    if (typeof v === 'object' && v !== null && 'error' in v && v.error) {
      const said = HashingError.safeParse(v.error);
      const why = said.success ? ` (${said.data.code ? `${said.data.code}: ` : ''}${said.data.message})` : '';
      failed.push({ file: file ?? `line ${i + 1}`, message: `its hashing failed${why}`, at: hashes.length, ...(said.success ? { error: said.data } : {}) });
    } else if (hashed.success) {
      const all = hashesOf(hashed.data, file, { forShare: opts.forShare });
      const chosen = opts.forShare ? shareable(all) : { hashes: all, note: null, refused: null };
      // Refused whole (a video with no frame the node takes): a failure of the share, with its line in --json.
      if (chosen.refused) {
        const error = { code: 'low_quality', message: chosen.refused };
        failed.push({ file: file ?? `line ${i + 1}`, message: `low_quality: ${chosen.refused}`, at: hashes.length, error });
      } else if (chosen.note) weak.push({ file: file ?? `line ${i + 1}`, message: chosen.note });
      hashes.push(...chosen.hashes);
    } else if (item.success) hashes.push({ ...item.data, labels: item.data.labels && labelIds(item.data.labels, where) });
    else
      throw new UsageError(
        `${where} is neither a hash ({"type", "value"}, {"type": "vpdq", "frames"}, {"type": "pdf", "pages"} or {"type": "url", "url"}) nor a line of \`client hash --json\``,
      );
  });
  return { hashes, failed, weak };
}

/**
 * Hashes every media file among `paths`, reporting progress; failures are collected, not thrown.
 * `files`: how many there were to hash; `passed`: what the folders held besides (findMedia).
 */
export async function hashPaths(
  paths: readonly string[],
  opts: { progress: Progress; forShare: boolean; dihedral?: boolean },
): Promise<GatherResult & { files: number; passed: Passed }> {
  const { files, ...passed } = findMedia(paths);
  const hasher = new LocalHasher();
  const out = { hashes: [] as Gathered[], failed: [] as GatherResult['failed'], weak: [] as GatherResult['weak'], files: files.length, passed };
  const single = files.length === 1;
  for (const [i, f] of files.entries()) {
    opts.progress.update(i, files.length, f.name);
    try {
      const h = await hasher.hashFile(f.path, {
        dihedral: opts.dihedral,
        // A share stores an image's regions and crops too, as the node's media share does.
        robust: opts.forShare,
        // One long video: its seconds are the progress.
        onFrame: single
          ? (s, total) => opts.progress.update(Math.round(s), Math.round(total) || undefined, `${f.name} (s of video)`)
          : (s, total) => opts.progress.update(i, files.length, `${f.name} ${Math.round(s)}${total ? `/${Math.round(total)}` : ''} s`),
      });
      const all = hashesOf(h, f.name, { forShare: opts.forShare });
      const chosen = opts.forShare ? shareable(all) : { hashes: all, note: null, refused: null };
      // Refused whole (a video with no frame the node takes): a failure of the share, as the node's 422 would be.
      if (chosen.refused) out.failed.push({ file: f.name, code: 'low_quality', message: chosen.refused, at: out.hashes.length });
      else if (chosen.note) out.weak.push({ file: f.name, message: chosen.note });
      out.hashes.push(...chosen.hashes);
    } catch (e) {
      out.failed.push({ file: f.name, code: codeOf(e), message: messageOf(e), at: out.hashes.length });
    }
  }
  opts.progress.update(files.length, files.length);
  opts.progress.end();
  return out;
}

/** `scope`: for url items sent as URLs, share the whole host or folder rather than the URL (an input line's own scope wins). */
export function toShareItems(hashes: Gathered[], labels: LabelId[] | undefined, externalId: string | undefined, scope?: 'host' | 'prefix'): ShareItem[] {
  return hashes.map((h) => {
    const l = h.labels ?? labels;
    if (!l?.length)
      throw new UsageError(`${h.file ?? `the ${h.type} hash ${'url' in h ? h.url : (h.value ?? '')}`} has no labels: give --labels (see \`client labels\`)`);
    const ref = h.externalId ?? externalId;
    const covers = h.type === 'url' && 'url' in h ? (h.scope ?? scope) : undefined;
    // A region or crop of the file's image: its variant in the item (the whole image is the default).
    const variant = (h.type === 'pdq' || h.type === 'blockhash') && h.robust && h.robust.variant !== 'whole' && h.item ? h.robust.variant : undefined;
    if (variant !== undefined && !isStoredVariant(variant))
      throw new UsageError(
        `${h.file ?? `a ${h.type} hash`} names the variant ${JSON.stringify(variant)}, which the node does not store (whole, trim, screen, deskew, crop-…: what a media share stores)`,
      );
    return {
      ...queryOf(h),
      ...(covers ? { scope: covers } : {}),
      labels: l,
      ...(ref !== undefined ? { externalId: ref } : {}),
      ...(h.item ? { item: h.item } : {}),
      ...(variant !== undefined ? { variant } : {}),
    };
  });
}

/** The hash alone, as the API takes it (lists without their value: the node computes it). */
function queryOf(h: Gathered): MatchQuery {
  if (h.type === 'vpdq') return { type: 'vpdq', frames: h.frames };
  if (h.type === 'pdf') return { type: 'pdf', pages: h.pages };
  if (h.type === 'url') return 'url' in h ? { type: 'url', url: h.url } : { type: 'url', value: h.value };
  if (h.type === 'pdq') return { type: 'pdq', value: h.value, ...(h.quality !== undefined ? { quality: h.quality } : {}) };
  return { type: h.type, value: h.value };
}

/**
 * `dihedral`: an image's pdq and blockhash go with the rotations and mirrors hashed here (files
 * hashed with it, lines of `client hash --dihedral --json`), which the node matches as it matches an
 * uploaded image's; a hash given alone (`--hash`) has none, and the node derives PDQ's from its bits.
 */
export function toMatchQueries(hashes: Gathered[], opts: { dihedral?: boolean } = {}): MatchQuery[] {
  return hashes.map((h) => {
    const q = queryOf(h);
    if (!opts.dihedral || (h.type !== 'pdq' && h.type !== 'blockhash') || !h.variants?.length) return q;
    return { ...q, variants: h.variants };
  });
}
