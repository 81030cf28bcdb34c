/**
 * The corpus: originals picked from Debian packages (sources.ts), prepared the same way every time,
 * and listed in corpus.json (package, version, path, SHA-256 of the file, category) so that the set
 * is reproducible. The images themselves stay in .eval-cache/, which git ignores.
 *
 * Preparing an original: decode (first frame), flatten any transparency onto white, fit into
 * 1024×1024 without enlarging, encode as JPEG quality 95 (JPEG files) or PNG (the rest). The prepared
 * bytes are what a partner shares; their hashes are computed here with the node's own hashing code.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { buildHashKernels } from '../../core/kernels';
import { hammingHex } from '../../core/hashes';
import { nodeDigester } from '../../runtime/node/digest';
import { SharpImageDecoder } from '../../runtime/node/image';
import { DEFAULT_LIMITS, DEFAULT_VIDEO, DEFAULT_DOCUMENTS } from '../../services/deps';
import { UnavailablePdfRenderer } from '../../core/document';
import { hashMedia, type MediaHashes } from '../../services/hashing';
import { Slots } from '../../core/limits';
import { ensurePackage, listFiles } from './debian';
import { pixels, type Pixels } from './edits';
import { MAX_SIDE, MIN_SIDE, NEAR_BLOCKHASH, NEAR_PDQ, PHOTO_MIN_QUALITY, SOURCES } from './sources';

export type Category = 'photo' | 'other';

export interface CorpusItem {
  id: string;
  package: string;
  version: string;
  path: string;
  sha256: string;
  category: Category;
}

export interface Corpus {
  note: string;
  generated: string;
  rules: Record<string, number>;
  candidates: number;
  dropped: Record<string, number>;
  items: CorpusItem[];
}

export interface Original extends CorpusItem {
  bytes: Buffer;
  format: 'jpeg' | 'png';
  width: number;
  height: number;
  /** The node's hashes of the prepared bytes (pdq with its quality, blockhash, md5, sha256). */
  hashes: MediaHashes['hashes'];
}

const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

const localDeps = {
  decoder: new SharpImageDecoder({ maxPixels: DEFAULT_LIMITS.maxImagePixels }),
  kernels: buildHashKernels(),
  digests: nodeDigester,
  // Originals are images; a video decoder is never reached.
  video: {
    ...DEFAULT_VIDEO,
    slots: new Slots(1, 0),
    decoder: { open: () => Promise.reject(new Error('images only')), status: async () => ({ available: false, detail: 'images only' }) },
  },
  documents: { ...DEFAULT_DOCUMENTS, slots: new Slots(1, 0), renderer: new UnavailablePdfRenderer('images only') },
};

/** The node's hashes of an image (with `dihedral`, of its rotations and mirrors too), computed in this process with the node's code (services/hashing.ts). */
export async function hashLocally(bytes: Uint8Array, opts: { dihedral?: boolean } = {}): Promise<MediaHashes> {
  const h = await hashMedia(localDeps, bytes, opts);
  if (h.kind !== 'image') throw new Error('not an image');
  return h;
}

/** Decode, flatten onto white, fit in MAX_SIDE; cached in .eval-cache/originals by the file's SHA-256. */
async function prepare(
  cache: string,
  file: string,
  fileSha: string,
  format: 'jpeg' | 'png',
): Promise<{ bytes: Buffer; width: number; height: number; hashes: MediaHashes['hashes'] }> {
  const dir = join(cache, 'originals');
  const out = join(dir, `${fileSha}.${format === 'jpeg' ? 'jpg' : 'png'}`);
  const meta = join(dir, `${fileSha}.${format}.json`);
  if (existsSync(out) && existsSync(meta)) return { bytes: readFileSync(out), ...JSON.parse(readFileSync(meta, 'utf8')) };
  mkdirSync(dir, { recursive: true });
  const img = sharp(readFileSync(file), { limitInputPixels: false, pages: 1 })
    .flatten({ background: '#ffffff' })
    .resize(MAX_SIDE, MAX_SIDE, { fit: 'inside', withoutEnlargement: true, kernel: 'lanczos3' })
    .toColourspace('srgb');
  const enc = format === 'jpeg' ? img.jpeg({ quality: 95 }) : img.png({ compressionLevel: 6 });
  const { data, info } = await enc.toBuffer({ resolveWithObject: true });
  const h = await hashLocally(data);
  const facts = { width: info.width, height: info.height, hashes: h.hashes };
  writeFileSync(out, data);
  writeFileSync(meta, JSON.stringify(facts));
  return { bytes: data, ...facts };
}

/** JPEG files stay JPEG (quality 95); every other format becomes PNG. */
const preparedFormat = (path: string): 'jpeg' | 'png' => (/\.jpe?g$/i.test(path) ? 'jpeg' : 'png');

/** An original's pixels for the edits (RGB). */
export const originalPixels = (o: Original): Promise<Pixels> => pixels(sharp(o.bytes));

/**
 * Whether a candidate is a near duplicate of one kept: PDQ within NEAR_PDQ (as it is, or rotated or
 * mirrored: the node matches rotations and mirrors by default, so two originals that are mirror
 * images of each other are one image to it) or blockhash within NEAR_BLOCKHASH.
 */
function near(a: MediaHashes['hashes'], aTurned: string[], b: MediaHashes['hashes']): 'pdq' | 'pdq, rotated or mirrored' | 'blockhash' | null {
  if (hammingHex(a.pdq.value, b.pdq.value) <= NEAR_PDQ) return 'pdq';
  if (hammingHex(a.blockhash.value, b.blockhash.value) <= NEAR_BLOCKHASH) return 'blockhash';
  if (aTurned.some((v) => hammingHex(v, b.pdq.value) <= NEAR_PDQ)) return 'pdq, rotated or mirrored';
  return null;
}

/**
 * Applies sources.ts: every candidate path of every source, in order, kept unless it is small, an
 * exact duplicate (same SHA-256) or a near-duplicate of one already kept, until the source's cap.
 *
 * With `base` (`--extend-corpus`), its originals are kept as they are (ids, pinned versions,
 * categories) and count as kept before anything else; only paths it does not hold are looked at,
 * a source's cap counting the base's originals from it, and new ids follow the base's highest. So
 * sources added to sources.ts extend the corpus without renumbering or re-picking the originals
 * that figures and notes already name.
 */
export async function buildCorpus(cache: string, log: (s: string) => void, base?: Corpus): Promise<Corpus> {
  const kept: Original[] = base ? await loadOriginals(cache, base) : [];
  const seen = new Set<string>(kept.map((k) => k.sha256));
  const held = new Set<string>(kept.map((k) => `${k.package}/${k.path}`));
  const dropped: Record<string, number> = {
    'smaller than 200 px': 0,
    'exact duplicate': 0,
    'near duplicate (pdq)': 0,
    'near duplicate (blockhash)': 0,
    'near duplicate (pdq, rotated or mirrored)': 0,
    'photo rule, PDQ quality < 50 (kept as other)': 0,
    unreadable: 0,
    'another version of a design kept': 0,
    ...base?.dropped,
  };
  let candidates = base?.candidates ?? 0;
  const lastId = (c: Category) => Math.max(0, ...kept.filter((k) => k.category === c).map((k) => Number(k.id.slice(1))));
  const next = { photo: lastId('photo'), other: lastId('other') };
  for (const src of SOURCES) {
    const inSource = (p: string) => src.include.test(p) && !src.exclude?.test(p) && (!src.photosOnly || !!src.photos?.test(`/${p}`));
    const pinned = base?.items.find((it) => it.package === src.package)?.version;
    const pkg = ensurePackage(cache, src.package, pinned);
    const paths = listFiles(pkg.root)
      .filter((p) => inSource(p) && !held.has(`${src.package}/${p}`))
      .sort((a, b) => sha256(`${src.package}/${a}`).localeCompare(sha256(`${src.package}/${b}`)));
    let n = kept.filter((k) => k.package === src.package && inSource(k.path)).length;
    const designs = new Set<string>();
    for (const path of paths) {
      if (src.cap !== undefined && n >= src.cap) break;
      const design = src.onePerDesign ? src.design?.(path) : undefined;
      if (design && designs.has(design)) {
        dropped['another version of a design kept']++;
        continue;
      }
      candidates++;
      const file = join(pkg.root, path);
      const raw = readFileSync(file);
      const fileSha = sha256(raw);
      if (seen.has(fileSha)) {
        dropped['exact duplicate']++;
        continue;
      }
      seen.add(fileSha);
      let meta: Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>;
      try {
        meta = await sharp(raw, { limitInputPixels: false }).metadata();
      } catch {
        dropped.unreadable++;
        continue;
      }
      if ((meta.width ?? 0) < MIN_SIDE || (meta.height ?? 0) < MIN_SIDE) {
        dropped['smaller than 200 px']++;
        continue;
      }
      let category: Category = src.photos?.test(`/${path}`) ? 'photo' : 'other';
      const prep = await prepare(cache, file, fileSha, preparedFormat(path)).catch(() => null);
      if (!prep) {
        dropped.unreadable++;
        continue;
      }
      const turned = ((await hashLocally(prep.bytes, { dihedral: true })).variants?.pdq ?? []).map((v) => v.value);
      const dup = kept.map((k) => near(prep.hashes, turned, k.hashes)).find(Boolean);
      if (dup) {
        dropped[`near duplicate (${dup})`]++;
        continue;
      }
      if (category === 'photo' && prep.hashes.pdq.quality < PHOTO_MIN_QUALITY) {
        dropped['photo rule, PDQ quality < 50 (kept as other)']++;
        category = 'other';
      }
      const id = `${category === 'photo' ? 'p' : 'o'}${String(++next[category]).padStart(3, '0')}`;
      if (design) designs.add(design);
      kept.push({ id, package: src.package, version: pkg.version, path, sha256: fileSha, category, format: preparedFormat(path), ...prep });
      n++;
    }
    log(`${src.package}: ${n} kept (${kept.length} in all)`);
  }
  const today = new Date().toISOString().slice(0, 10);
  return {
    note: base
      ? `${base.note} ${today}: extended by \`npm run eval -- --extend-corpus\` with the sources added to sources.ts (the originals before kept as they were).`
      : 'Generated by `npm run eval -- --rebuild-corpus` from src/cli/eval/sources.ts. Images are fetched from Debian by the script, never committed.',
    generated: base ? `${base.generated}, extended ${today}` : today,
    rules: { minSide: MIN_SIDE, maxSide: MAX_SIDE, nearPdq: NEAR_PDQ, nearBlockhash: NEAR_BLOCKHASH, photoMinQuality: PHOTO_MIN_QUALITY },
    candidates,
    dropped,
    items: kept.map(({ id, package: p, version, path, sha256: s, category }) => ({ id, package: p, version, path, sha256: s, category })),
  };
}

/** The originals of a corpus.json: each file fetched at its pinned version, checked and prepared. */
export async function loadOriginals(cache: string, corpus: Corpus, limit?: number): Promise<Original[]> {
  const items = limit === undefined ? corpus.items : pickSpread(corpus.items, limit);
  const out: Original[] = [];
  for (const it of items) {
    const pkg = ensurePackage(cache, it.package, it.version);
    const file = join(pkg.root, it.path);
    const s = sha256(readFileSync(file));
    if (s !== it.sha256) throw new Error(`${it.package} ${it.path}: SHA-256 ${s}, corpus.json says ${it.sha256}`);
    const format = preparedFormat(it.path);
    out.push({ ...it, format, ...(await prepare(cache, file, s, format)) });
  }
  return out;
}

/** `n` items keeping the share of photos: every k-th of each category. */
export function pickSpread<T extends { category: Category }>(items: T[], n: number): T[] {
  if (n >= items.length) return items;
  const photos = items.filter((i) => i.category === 'photo');
  const other = items.filter((i) => i.category === 'other');
  const np = Math.round((n * photos.length) / items.length);
  const every = <U>(xs: U[], k: number) => Array.from({ length: k }, (_, i) => xs[Math.floor((i * xs.length) / k)]);
  return [...every(photos, np), ...every(other, n - np)];
}
