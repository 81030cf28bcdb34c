/**
 * The fast local scorer for tuning robust matching (issue 14, items 2-4, 8): the evaluation's
 * originals and edits (src/cli/eval/), hashed in this process with the node's own core code (no
 * HTTP), cached in .eval-cache/local by the robust room's source, then scored under the rule table
 * (core/robust rules.ts) and swept: for each hash type and pair of variant classes, the nearest
 * unrelated pair and the recall each threshold would give. The figures of record come from the
 * HTTP evaluation (npm run eval); this is for choosing.
 *
 *   npm run eval:local -- --limit 160        160 originals × every edit (about 1.1 M unrelated pairs)
 *   npm run eval:local -- --edits crop-10    only these edits
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hammingWords } from '../core/bits';
import { blockhashDihedralFromRgba } from '../core/blockhash';
import { hexToWords } from '../core/hashes';
import { buildHashKernels } from '../core/kernels';
import { pdqDihedralFromRgba } from '../core/pdq';
import {
  blockhashQuality,
  enrolmentVariants,
  queryClass,
  queryVariants,
  ROBUST_RULES,
  storedClass,
  type QueryClass,
  type RobustRules,
  type RobustType,
} from '../core/robust';
import { DEFAULT_LIMITS } from '../services/deps';
import { SharpImageDecoder } from '../runtime/node/image';
import { main, parse } from './args';
import { loadOriginals, originalPixels, type Corpus, type Original } from './eval/corpus';
import { EDITS, editRandom } from './eval/edits';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CACHE = join(ROOT, '.eval-cache');
const log = (s: string) => process.stderr.write(`${s}\n`);

interface H {
  type: RobustType;
  value: string;
  quality: number;
  variant: string;
}

const decoder = new SharpImageDecoder({ maxPixels: DEFAULT_LIMITS.maxImagePixels });
const kernels = buildHashKernels();

/** The robust room's source: cached hashes are kept only while it is unchanged. */
function codeVersion(): string {
  const dir = join(ROOT, 'src/core/robust');
  const h = createHash('sha256');
  // The rule table is applied after hashing: changing it keeps the cache.
  for (const f of readdirSync(dir)
    .sort()
    .filter((f) => f !== 'rules.ts' && f !== 'index.ts'))
    h.update(f).update(readFileSync(join(dir, f)));
  return h.digest('hex').slice(0, 12);
}

/**
 * The hashes the node computes of an image: as shared (the whole image and the enrolment variants),
 * or as queried (the whole image's 8 rotations and mirrors, named as PDQ names them, and the regions).
 */
async function hashed(bytes: Uint8Array, role: 'enrol' | 'query'): Promise<H[]> {
  const img = await decoder.decode(bytes);
  const d = pdqDihedralFromRgba(img.rgba, img.width, img.height, kernels.pdq);
  const bq = blockhashQuality(img, kernels.blockhash);
  const bh = blockhashDihedralFromRgba(img.rgba, img.width, img.height, kernels.blockhash);
  const turned = [
    ...d.hashes.map((h): H => ({ type: 'pdq', value: h.hash, quality: d.quality, variant: h.variant })),
    ...bh.map((h): H => ({ type: 'blockhash', value: h.hash, quality: bq, variant: h.variant })),
  ];
  if (role === 'query') return [...turned, ...queryVariants(img.rgba, img.width, img.height, kernels)];
  const whole = turned.filter((h) => h.variant === 'original').map((h) => ({ ...h, variant: 'whole' }));
  return [...whole, ...enrolmentVariants(img.rgba, img.width, img.height, kernels)];
}

async function cached<T>(file: string, make: () => Promise<T>): Promise<T> {
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  const v = await make();
  writeFileSync(file, JSON.stringify(v));
  return v;
}

/** One near pair of hashes of a (copy, original): which classes, which type, how far, the weaker quality. */
interface Near {
  copy: number;
  original: number;
  type: RobustType;
  pair: string;
  distance: number;
  quality: number;
}

interface Copy {
  original: number;
  edit: string;
  hashes: { type: RobustType; words: Uint32Array; quality: number; cls: string }[];
}

const LIMIT = 64;

function nearPairs(copies: Copy[], stored: { hashes: { type: RobustType; words: Uint32Array; quality: number; cls: string }[] }[]): Near[] {
  const out: Near[] = [];
  copies.forEach((c, ci) => {
    stored.forEach((s, oi) => {
      for (const q of c.hashes)
        for (const h of s.hashes) {
          if (q.type !== h.type) continue;
          if (q.cls === 'dihedral' && h.cls !== 'whole') continue;
          const d = hammingWords(q.words, 0, h.words, 0, 8);
          if (d <= LIMIT) out.push({ copy: ci, original: oi, type: q.type, pair: `${q.cls}/${h.cls}`, distance: d, quality: Math.min(q.quality, h.quality) });
        }
    });
  });
  return out;
}

const queryClassOf = (pair: string): QueryClass => (pair.startsWith('whole') ? 'whole' : pair.startsWith('dihedral') ? 'dihedral' : 'region');

/** Which originals each copy matches under the rules. */
function decide(near: Near[], rules: RobustRules): Map<number, Set<number>> {
  const out = new Map<number, Set<number>>();
  for (const n of near) {
    if (n.quality < rules.minQuality[n.type]) continue;
    const t = rules.maxDistance[n.type][queryClassOf(n.pair)];
    if (n.distance > t) continue;
    let s = out.get(n.copy);
    if (!s) out.set(n.copy, (s = new Set()));
    s.add(n.original);
  }
  return out;
}

function report(copies: Copy[], originals: Original[], near: Near[], rules: RobustRules): { mean: number; falseMatches: number; lines: string[] } {
  const m = decide(near, rules);
  const lines: string[] = [];
  let sum = 0;
  let edits = 0;
  let falseMatches = 0;
  for (const e of EDITS) {
    const idx = copies.map((c, i) => (c.edit === e.id ? i : -1)).filter((i) => i >= 0);
    if (!idx.length) continue;
    const hit = idx.filter((i) => m.get(i)?.has(copies[i].original)).length;
    const hitPhoto = idx.filter((i) => originals[copies[i].original].category === 'photo' && m.get(i)?.has(copies[i].original)).length;
    const photos = idx.filter((i) => originals[copies[i].original].category === 'photo').length;
    const fm = idx.reduce((a, i) => a + [...(m.get(i) ?? [])].filter((o) => o !== copies[i].original).length, 0);
    falseMatches += fm;
    sum += hit / idx.length;
    edits++;
    lines.push(
      `${e.id.padEnd(20)} ${((100 * hit) / idx.length).toFixed(1).padStart(6)} %  photos ${((100 * hitPhoto) / Math.max(1, photos)).toFixed(1).padStart(6)} %  false ${fm}`,
    );
  }
  return { mean: (100 * sum) / Math.max(1, edits), falseMatches, lines };
}

main(async () => {
  const { values } = parse(process.argv.slice(2), {
    limit: { type: 'string' },
    edits: { type: 'string' },
    pdq: { type: 'string' },
    blockhash: { type: 'string' },
    'pdq-quality': { type: 'string' },
    'blockhash-quality': { type: 'string' },
  });
  // Rules to try instead of the table's: --pdq WHOLE,DIHEDRAL,REGION (and --blockhash), gates.
  const classes = (v: string | undefined, d: Record<QueryClass, number>): Record<QueryClass, number> => {
    if (!v) return d;
    const [whole, dihedral, region] = v.split(',').map(Number);
    return { whole, dihedral, region };
  };
  const rules: RobustRules = {
    ...ROBUST_RULES,
    minQuality: {
      pdq: Number(values['pdq-quality'] ?? ROBUST_RULES.minQuality.pdq),
      blockhash: Number(values['blockhash-quality'] ?? ROBUST_RULES.minQuality.blockhash),
    },
    maxDistance: { pdq: classes(values.pdq, ROBUST_RULES.maxDistance.pdq), blockhash: classes(values.blockhash, ROBUST_RULES.maxDistance.blockhash) },
  };
  const corpus: Corpus = JSON.parse(readFileSync(join(ROOT, 'src/cli/eval/corpus.json'), 'utf8'));
  const originals = await loadOriginals(CACHE, corpus, Number(values.limit ?? 160));
  const only = values.edits?.split(',');
  const edits = EDITS.filter((e) => !only || only.includes(e.id));
  const dir = join(CACHE, 'local', codeVersion());
  mkdirSync(dir, { recursive: true });
  const t0 = Date.now();
  const words = (hs: H[], cls: (v: string) => string) => hs.map((h) => ({ type: h.type, words: hexToWords(h.value), quality: h.quality, cls: cls(h.variant) }));
  const stored = [];
  for (const o of originals) stored.push({ hashes: words(await cached(join(dir, `e-${o.sha256}.json`), () => hashed(o.bytes, 'enrol')), storedClass) });
  log(
    `enrolled ${originals.length} originals in ${((Date.now() - t0) / 1000).toFixed(0)} s (${stored.reduce((a, s) => a + s.hashes.length, 0) / originals.length} hashes each)`,
  );
  const copies: Copy[] = [];
  for (const [oi, o] of originals.entries()) {
    const px = await originalPixels(o);
    for (const e of edits) {
      const hs = await cached(join(dir, `q-${o.sha256}-${e.id}.json`), async () => hashed((await e.apply(px, editRandom(o.id, e.id))).bytes, 'query'));
      copies.push({ original: oi, edit: e.id, hashes: words(hs, queryClass) });
    }
    if (oi % 20 === 19) log(`hashed the copies of ${oi + 1} originals, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  const near = nearPairs(copies, stored);
  const pairs = copies.length * (originals.length - 1);
  log(`${copies.length} copies, ${pairs} unrelated pairs, ${near.length} near hash pairs, ${((Date.now() - t0) / 1000).toFixed(0)} s`);

  // The nearest unrelated pair per (type, classes) and gate: thresholds must stay below it.
  const keys = [...new Map(near.map((n) => [`${n.type} ${n.pair}`, { type: n.type, pair: n.pair }])).entries()].sort((a, b) => a[0].localeCompare(b[0]));
  for (const [k, { type, pair }] of keys) {
    const gate = rules.minQuality[type];
    const of = near.filter((n) => n.type === type && n.pair === pair && n.quality >= gate);
    const falseD = of
      .filter((n) => copies[n.copy].original !== n.original)
      .map((n) => n.distance)
      .sort((a, b) => a - b);
    const trueD = of
      .filter((n) => copies[n.copy].original === n.original)
      .map((n) => n.distance)
      .sort((a, b) => a - b);
    process.stdout.write(
      `${k.padEnd(28)} nearest unrelated ${falseD.slice(0, 5).join(',') || '-'}   true pairs ${trueD.length}, within 20/31: ${trueD.filter((d) => d <= 20).length}/${trueD.filter((d) => d <= 31).length}\n`,
    );
  }
  const r = report(copies, originals, near, rules);
  process.stdout.write(
    `rules ${JSON.stringify({ minQuality: rules.minQuality, maxDistance: rules.maxDistance })}\n${r.lines.join('\n')}\nmean ${r.mean.toFixed(1)} %, false matches ${r.falseMatches} over ${pairs} pairs\n`,
  );
});
