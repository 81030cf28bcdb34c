/**
 * The cost of robust image matching (issue 14, item 7): one image upload hashed and matched with the
 * node's own services, plain (`robust=false`: PDQ, blockhash, md5, sha256 as sent) against robust
 * (the default: the 8 rotations and mirrors of PDQ and blockhash, and the regions inside borders,
 * bars or a small rotation), on an index holding N random PDQ and N random blockhash hashes. HTTP
 * framing, the same for both, is left out, so the ratio is if anything larger than end to end. The
 * matching alone (after the hashes) is timed too: it is what the node's main thread does per query.
 * Then the eight originals are shared for real (items with their regions and crops, as a share
 * through the API stores them) and matched again: uploads whose blockhash comes near a stored one,
 * the case in which PDQ's together distance (56 bits) is at stake.
 *
 *   npm run bench -- --only robust                          # N = 100 k and 1 M
 *   npm run bench -- --only robust --quick                  # N = 100 k
 *   npm run bench -- --only robust --sizes 10000000         # about 430 k shared images (23 PDQ a share)
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import type { Principal } from '../../core/auth';
import { ROBUST_RULES } from '../../core/robust';
import { loadConfig } from '../../runtime/node/config';
import { createNodeRuntime } from '../../runtime/node/deps';
import { asQuery, hashList, hashMedia } from '../../services/hashing';
import { matchParsed, resolveThresholds } from '../../services/matching';
import { matchImageRobustly, shareableImageHashes } from '../../services/robust-matching';
import { shareMediaItem } from '../../services/sharing';
import type { BenchTable } from './types';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const IMAGES = resolve(process.env.CONFORMANCE_DIR ?? join(ROOT, '../shared/conformance'), 'pdq/pdq/data/bridge-mods');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The image with a band of one colour added: `v` of its height above and below, `h` of its width left and right; JPEG at quality 90, in memory. */
async function addBand(bytes: Uint8Array, v: number, h: number, background: { r: number; g: number; b: number }): Promise<Uint8Array> {
  const { width = 0, height = 0 } = await sharp(bytes).metadata();
  const top = Math.round(height * v);
  const side = Math.round(width * h);
  return new Uint8Array(await sharp(bytes).extend({ top, bottom: top, left: side, right: side, background }).jpeg({ quality: 90 }).toBuffer());
}

/**
 * The image turned by `degrees` with black corners, JPEG at quality 90, in memory: on a canvas grown
 * to hold it (sharp's rotate), or kept at its size with the corners cut off (`inFrame`, as PIL's
 * rotate does by default). Either way the node's deskew reads the turn and hashes the picture
 * turned back: a rotation and two hashes more.
 */
async function turn(bytes: Uint8Array, degrees: number, inFrame: boolean): Promise<Uint8Array> {
  const { width = 0, height = 0 } = await sharp(bytes).metadata();
  const turned = sharp(
    await sharp(bytes)
      .rotate(degrees, { background: { r: 0, g: 0, b: 0 } })
      .png()
      .toBuffer(),
  );
  if (!inFrame) return new Uint8Array(await turned.jpeg({ quality: 90 }).toBuffer());
  const { width: w = 0, height: h = 0 } = await turned.metadata();
  const cut = { left: Math.floor((w - width) / 2), top: Math.floor((h - height) / 2), width, height };
  return new Uint8Array(await turned.extract(cut).jpeg({ quality: 90 }).toBuffer());
}

export async function run(opts: { quick?: boolean; sizes?: number[] } = {}): Promise<BenchTable> {
  const files = readdirSync(IMAGES)
    .filter((f) => /\.(jpe?g|png)$/i.test(f))
    .sort()
    .slice(0, 8);
  const originals = files.map((f) => new Uint8Array(readFileSync(join(IMAGES, f))));
  // Two copies with an added band, so the regions' trim and retrim are hashed and looked up too (the
  // conformance images have no band): a 10 % white border, and black bars above and below (⅙ each).
  const banded = await Promise.all([addBand(originals[0], 0.1, 0.1, { r: 255, g: 255, b: 255 }), addBand(originals[1], 1 / 6, 0, { r: 0, g: 0, b: 0 })]);
  // Two turned copies, so the deskew's rotation back and its hashes are paid too: 4° on a grown
  // canvas, and −3° in the picture's own frame.
  const turned = await Promise.all([turn(originals[2], 4, false), turn(originals[3], -3, true)]);
  const images = [...originals, ...banded, ...turned];
  const isBanded = (k: number) => k >= originals.length && k < originals.length + banded.length;
  const isTurned = (k: number) => k >= originals.length + banded.length;
  const rows: (string | number)[][] = [];
  for (const n of opts.sizes ?? (opts.quick ? [100_000] : [100_000, 1_000_000])) {
    const dir = mkdtempSync(join(tmpdir(), 'mhn-bench-robust-'));
    const rt = await createNodeRuntime(
      loadConfig({ DATABASE_URL: `file:${join(dir, 'node.db')}`, NODE_SECRET_FILE: join(dir, 'node.secret'), LOG_LEVEL: 'error' }),
    );
    try {
      await rt.indexLoaded;
      for (let start = 0; start < n; start += 50_000) {
        const batch = [];
        for (let i = start; i < Math.min(n, start + 50_000); i++) {
          batch.push({ seq: 1_000_000_000 + 2 * i, type: 'pdq' as const, value: randomBytes(32).toString('hex') });
          batch.push({ seq: 1_000_000_001 + 2 * i, type: 'blockhash' as const, value: randomBytes(32).toString('hex') });
        }
        rt.index.add(batch);
      }
      rt.index.compact();
      // Each returns the time its matching took (the main thread's part: the index lookups and the rules).
      const timed = async <T>(f: () => Promise<T>) => {
        const t = performance.now();
        await f();
        return performance.now() - t;
      };
      const plain = async (bytes: Uint8Array) => {
        const h = await hashMedia(rt.deps, bytes);
        return timed(() => matchParsed(rt.deps, hashList(h), resolveThresholds()));
      };
      const robust = async (bytes: Uint8Array) => {
        const h = await hashMedia(rt.deps, bytes, { dihedral: true, robust: 'query' });
        if (h.kind !== 'image') throw new Error('not an image');
        return timed(() => matchImageRobustly(rt.deps, h));
      };
      type Times = Record<'plain' | 'robust', { total: number[]; matching: number[] }>;
      const times = (): Times => ({ plain: { total: [], matching: [] }, robust: { total: [], matching: [] } });
      /** Rounds of every image, plain and robust in turn, into `into(k)` (the tallies image k counts in). */
      const measure = async (list: Uint8Array[], into: (k: number) => Times[]) => {
        for (let round = 0; round < (opts.quick ? 3 : 5); round++)
          for (const [k, img] of list.entries())
            for (const [name, f] of [
              ['plain', plain],
              ['robust', robust],
            ] as const) {
              const t = performance.now();
              const matching = await f(img);
              const total = performance.now() - t;
              for (const tally of into(k)) {
                tally[name].matching.push(matching);
                tally[name].total.push(total);
              }
            }
      };
      // The turned copies must be read as turned, or their row would measure nothing more than the others.
      for (const img of turned) {
        const h = await hashMedia(rt.deps, img, { dihedral: true, robust: 'query' });
        if (h.kind !== 'image' || !h.robust?.some((x) => x.variant.startsWith('deskew')))
          throw new Error('a turned copy was not read as turned (no deskew region)');
      }
      const all = times();
      const withBand = times();
      const withTurn = times();
      await measure(images, (k) => (isBanded(k) ? [all, withBand] : isTurned(k) ? [all, withTurn] : [all]));
      // The originals shared as a partner's upload stores them; each then matched as sent.
      const who: Principal = { clientId: 'bench', role: 'partner', scopes: ['hashes:write'] };
      for (const img of originals) {
        const h = await hashMedia(rt.deps, img, { robust: 'enrol' });
        if (h.kind !== 'image') throw new Error('not an image');
        const { items } = shareableImageHashes(h);
        await shareMediaItem(
          rt.deps,
          who,
          items.map((x) => ({ ...asQuery(x), labels: ['attack-footage'], variant: x.variant })),
          { sha256: h.hashes.sha256.value, kind: h.kind },
          { pdqMinQuality: ROBUST_RULES.minQuality.pdq },
        );
      }
      const stored = times();
      await measure(originals, () => [stored]);
      for (const [label, t] of [
        [n.toLocaleString('en-US'), all],
        [`${n.toLocaleString('en-US')}: the ${banded.length} copies with a band only`, withBand],
        [`${n.toLocaleString('en-US')}: the ${turned.length} turned copies only`, withTurn],
        [`${n.toLocaleString('en-US')}: the ${originals.length} originals, once shared (blockhash near a stored one)`, stored],
      ] as const) {
        const p = median(t.plain.total);
        const r = median(t.robust.total);
        rows.push([label, p.toFixed(1), r.toFixed(1), (r / p).toFixed(2), median(t.plain.matching).toFixed(1), median(t.robust.matching).toFixed(1)]);
      }
    } finally {
      rt.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return {
    title: 'Robust image matching: cost per upload against plain matching',
    columns: [
      'stored PDQ + blockhash hashes (each)',
      'plain ms (median)',
      'robust ms (median)',
      'robust / plain',
      'of which matching, plain (ms)',
      'of which matching, robust (ms)',
    ],
    rows,
    notes: [
      `The first ${files.length} images of the PDQ conformance set's bridge-mods folder, ${banded.length} copies of two of them with an added band (a 10 % white border; black bars above and below, ⅙ of the height each: their trim and retrim are hashed and looked up as well) and ${turned.length} turned copies of two others (4° on a grown canvas, −3° in the picture's own frame, black corners: the deskew turns them back and hashes them again), each hashed (decode included) and matched through the services, rounds interleaved; medians over all ${images.length}, over the banded copies alone and over the turned copies alone. Budget: robust ≤ 3 × plain.`,
      'Matching: the index lookups and the rules after the hashes are known (services matchParsed, matchImageRobustly), the part of a query that runs on the main thread (the hashes run in the hash pool); a batch whose modelled cost passes 0.5 ms is looked up by the match helper thread, as in the node.',
      'A share stores about 23 PDQ hashes an image (whole, regions, 22 crops) and 1 to 4 blockhash hashes (whole, regions), so N stored PDQ hashes stand for about N / 23 shared images.',
      `Last row of each size: the ${originals.length} originals shared through the services (an item each, its hashes chosen as a share through the API chooses them) and matched as sent; their blockhash finds the stored one, so PDQ's together rule is at stake: its hits are looked for among the PDQ hashes of the items blockhash found (services/robust-matching togetherByItems), not by a lookup within 56 bits.`,
      `Node ${process.version}, ${new Date().toISOString().slice(0, 10)}.`,
    ],
  };
}
