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
import { hammingWithin } from '../core/bits';
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
  type StoredClass,
} from '../core/robust';
import { DEFAULT_LIMITS } from '../services/deps';
import { SharpImageDecoder } from '../runtime/node/image';
import { main, parse } from './args';
import { loadOriginals, originalPixels, type Corpus, type Original } from './eval/corpus';
import { designOf } from './eval/sources';
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

/** A hash as the scorer keeps it: its words, its quality, the PDQ quality of its region, its variant's class (0..2). */
interface Kept {
  type: RobustType;
  words: Uint32Array;
  quality: number;
  pdqQuality: number;
  cls: number;
  variant: string;
}

interface Copy {
  original: number;
  edit: string;
  hashes: Kept[];
}

const QUERY_CLASSES: QueryClass[] = ['whole', 'dihedral', 'region', 'search'];
const STORED_CLASSES: StoredClass[] = ['whole', 'region', 'crop'];
const TYPES: RobustType[] = ['pdq', 'blockhash'];
/** Distances beyond this are not kept: no rule looks that far. */
const LIMIT = 64;
const NONE = 255;
const PER_TYPE = QUERY_CLASSES.length * STORED_CLASSES.length;
const SLOTS = TYPES.length * PER_TYPE;
const slot = (t: number, q: number, s: number) => t * PER_TYPE + q * STORED_CLASSES.length + s;
const slotName = (i: number) =>
  `${TYPES[Math.floor(i / PER_TYPE)]} ${QUERY_CLASSES[Math.floor(i / STORED_CLASSES.length) % QUERY_CLASSES.length]}/${STORED_CLASSES[i % STORED_CLASSES.length]}`;

function kept(hs: H[], cls: (v: string) => number): Kept[] {
  const pdqQ = new Map(hs.filter((h) => h.type === 'pdq').map((h) => [h.variant, h.quality]));
  return hs.map((h) => ({
    type: h.type,
    words: hexToWords(h.value),
    quality: h.quality,
    pdqQuality: pdqQ.get(h.variant) ?? 0,
    cls: cls(h.variant),
    variant: h.variant,
  }));
}

/** Whether a hash takes part at all under the rules' gates (as services/robust-matching gateProblem). */
const usable = (h: Kept, rules: RobustRules) => h.quality >= rules.minQuality[h.type] && (h.type === 'pdq' || h.pdqQuality >= rules.blockhashMinPdqQuality);

/**
 * For every (copy, original) with any usable pair of hashes within LIMIT: the nearest distance per
 * (type, query class, stored class), SLOTS slots (NONE when none). Keyed copy × originals + original.
 */
function nearPairs(copies: Copy[], stored: Kept[][], rules: RobustRules): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  const n = stored.length;
  for (const [t, type] of TYPES.entries()) {
    const flat = stored.flatMap((hs, o) => hs.filter((h) => h.type === type && usable(h, rules)).map((h) => ({ o, h })));
    const words = new Uint32Array(flat.length * 8);
    flat.forEach((f, i) => words.set(f.h.words, i * 8));
    copies.forEach((c, ci) => {
      for (const q of c.hashes) {
        if (q.type !== type || !usable(q, rules)) continue;
        for (let j = 0; j < flat.length; j++) {
          const d = hammingWithin(q.words, 0, words, j * 8, 8, LIMIT);
          if (d > LIMIT) continue;
          const key = ci * n + flat[j].o;
          let rec = out.get(key);
          if (!rec) out.set(key, (rec = new Uint8Array(SLOTS).fill(NONE)));
          const k = slot(t, q.cls, flat[j].h.cls);
          if (d < rec[k]) rec[k] = d;
        }
      }
    });
  }
  return out;
}

/** Whether a (copy, original) record matches under the rules, and how: alone, together, or not. */
function decideOne(rec: Uint8Array, rules: RobustRules): 'alone' | 'together' | null {
  const within = (t: number, table: 'alone' | 'together') => {
    for (let q = 0; q < QUERY_CLASSES.length; q++)
      for (let s = 0; s < STORED_CLASSES.length; s++) {
        const d = rec[slot(t, q, s)];
        if (d !== NONE && d <= rules[table][TYPES[t]][QUERY_CLASSES[q]][STORED_CLASSES[s]]) return true;
      }
    return false;
  };
  if (within(0, 'alone') || within(1, 'alone')) return 'alone';
  if (within(0, 'together') && within(1, 'together')) return 'together';
  return null;
}

const pct = (a: number, b: number) => `${((100 * a) / Math.max(1, b)).toFixed(1).padStart(5)} %`;
const recText = (rec: Uint8Array | undefined) =>
  rec
    ? [...rec]
        .map((d, i) => (d === NONE ? '' : `${slotName(i)} ${d}`))
        .filter(Boolean)
        .join(', ')
    : 'nothing within 64';

/** Whether two originals (by index) are versions of one design (sources.ts `design`): their pairs are neither true nor unrelated. */
function relatedOf(originals: Original[]): (a: number, b: number) => boolean {
  const design = originals.map((o) => designOf(o));
  return (a, b) => a !== b && design[a] !== undefined && design[a] === design[b];
}

function report(copies: Copy[], originals: Original[], near: Map<number, Uint8Array>, rules: RobustRules) {
  const n = originals.length;
  const lines: string[] = [];
  const falseLines: string[] = [];
  const kinds = new Map<string, number[]>();
  let sum = 0;
  let sumPhoto = 0;
  let sumOther = 0;
  let edits = 0;
  let falseMatches = 0;
  let together = 0;
  let relatedMatches = 0;
  // Versions of one design (sources.ts): their matches are related, not false, as in the HTTP run's score.
  const related = relatedOf(originals);
  const hit = (ci: number) => {
    const rec = near.get(ci * n + copies[ci].original);
    return rec !== undefined && decideOne(rec, rules) !== null;
  };
  for (const e of EDITS) {
    const idx = copies.map((c, i) => (c.edit === e.id ? i : -1)).filter((i) => i >= 0);
    if (!idx.length) continue;
    const photo = idx.filter((i) => originals[copies[i].original].category === 'photo');
    const other = idx.filter((i) => originals[copies[i].original].category !== 'photo');
    const h = idx.filter(hit).length;
    const hp = photo.filter(hit).length;
    const ho = other.filter(hit).length;
    let fm = 0;
    for (const i of idx)
      for (let o = 0; o < n; o++) {
        if (o === copies[i].original) continue;
        const rec = near.get(i * n + o);
        const how = rec && decideOne(rec, rules);
        if (!how) continue;
        if (related(copies[i].original, o)) {
          relatedMatches++;
          continue;
        }
        fm++;
        if (how === 'together') together++;
        falseLines.push(`  ${originals[copies[i].original].id} ${e.id} -> ${originals[o].id} (${how}): ${recText(rec)}`);
      }
    falseMatches += fm;
    sum += h / idx.length;
    sumPhoto += hp / Math.max(1, photo.length);
    sumOther += ho / Math.max(1, other.length);
    edits++;
    const k = kinds.get(e.kind) ?? [];
    k.push(h / idx.length);
    kinds.set(e.kind, k);
    lines.push(`${e.id.padEnd(20)} ${pct(h, idx.length)}  photos ${pct(hp, photo.length)}  other ${pct(ho, other.length)}  false ${fm}`);
  }
  for (const [k, v] of kinds)
    lines.push(
      `  kind ${k.padEnd(16)} ${pct(
        v.reduce((a, b) => a + b, 0),
        v.length,
      )}`,
    );
  const mean = (x: number) => (100 * x) / Math.max(1, edits);
  return { mean: mean(sum), photos: mean(sumPhoto), other: mean(sumOther), falseMatches, together, relatedMatches, lines, falseLines };
}

/** Each missed copy of the edits named: its original, what the copy and the original hash to, and how near they came. */
function misses(copies: Copy[], originals: Original[], stored: Kept[][], near: Map<number, Uint8Array>, rules: RobustRules, which: string[]): string[] {
  const n = originals.length;
  const related = relatedOf(originals);
  const out: string[] = [];
  copies.forEach((c, ci) => {
    const e = EDITS.find((x) => x.id === c.edit);
    if (!e || !(which.includes(e.id) || which.includes(e.kind))) return;
    const rec = near.get(ci * n + c.original);
    if (rec && decideOne(rec, rules)) return;
    const o = originals[c.original];
    const own = stored[c.original]
      .filter((h) => h.variant === 'whole')
      .map((h) => `${h.type} q${h.quality}${usable(h, rules) ? '' : ' (gated)'}`)
      .join(', ');
    const regionsStored = [...new Set(stored[c.original].filter((h) => h.cls === 1 && usable(h, rules)).map((h) => h.variant))].join('+') || '-';
    const regionsQuery =
      [...new Set(c.hashes.filter((h) => h.cls === 2).map((h) => `${h.type}:${h.variant} q${h.quality}${usable(h, rules) ? '' : '(gated)'}`))].join(' ') || '-';
    let nearest = LIMIT + 1;
    for (let oi = 0; oi < n; oi++) {
      const r = oi === c.original || related(c.original, oi) ? undefined : near.get(ci * n + oi);
      if (r) for (let k = 0; k < 9; k++) if (r[k] < nearest) nearest = r[k];
    }
    out.push(
      `${o.id} ${o.category} ${c.edit} [${o.package}: ${o.path}] stored whole: ${own}; stored regions: ${regionsStored}; query regions: ${regionsQuery}\n    own: ${recText(rec)}; nearest unrelated pdq: ${nearest > LIMIT ? '>64' : nearest}`,
    );
  });
  return out;
}

/**
 * The nearest unrelated pairs per slot (thresholds must stay below them), and for `together`: per
 * PDQ distance, the nearest blockhash distance of an unrelated pair (both over any classes).
 */
function frontier(copies: Copy[], originals: Original[], near: Map<number, Uint8Array>): string[] {
  const n = originals.length;
  const perSlot: number[][] = Array.from({ length: SLOTS }, () => []);
  const trueSlot: number[][] = Array.from({ length: SLOTS }, () => []);
  const joint: [number, number][] = [];
  const related = relatedOf(originals);
  for (const [key, rec] of near) {
    const ci = Math.floor(key / n);
    const same = key % n === copies[ci].original;
    // Versions of the copy's own design are neither true nor unrelated pairs.
    if (related(copies[ci].original, key % n)) continue;
    rec.forEach((d, i) => {
      if (d !== NONE) (same ? trueSlot : perSlot)[i].push(d);
    });
    if (!same) {
      const p = Math.min(...rec.subarray(0, PER_TYPE));
      const b = Math.min(...rec.subarray(PER_TYPE, SLOTS));
      if (p !== NONE && b !== NONE) joint.push([p, b]);
    }
  }
  const out = perSlot.map((ds, i) => {
    const t = trueSlot[i];
    if (!ds.length && !t.length) return '';
    ds.sort((a, b) => a - b);
    return `${slotName(i).padEnd(28)} nearest unrelated ${ds.slice(0, 6).join(',') || '-'}   true pairs within 64: ${t.length}, ≤24/32/40/48: ${[24, 32, 40, 48].map((x) => t.filter((d) => d <= x).length).join('/')}`;
  });
  out.push('together: per PDQ distance p, the smallest blockhash distance of an unrelated pair with pdq ≤ p');
  for (const p of [24, 28, 32, 36, 40, 44, 48, 52, 56, 64]) {
    const bs = joint.filter(([pp]) => pp <= p).map(([, b]) => b);
    out.push(`  pdq ≤ ${p}: blockhash ≥ ${bs.length ? Math.min(...bs) : '-'}`);
  }
  return out.filter(Boolean);
}

/** `--set pdq.alone.region.whole=36,blockhash.together.*.*=28`: rule overrides ('*' for every class). */
function applySets(rules: RobustRules, spec: string | undefined): RobustRules {
  const r: RobustRules = structuredClone(rules);
  for (const part of (spec ?? '').split(',').filter(Boolean)) {
    const [path, value] = part.split('=');
    const v = Number(value);
    const [type, table, q, s] = path.split('.');
    if (type === 'minQuality') r.minQuality[table === 'pdq' ? 'pdq' : 'blockhash'] = v;
    else if (type === 'blockhashMinPdqQuality') r.blockhashMinPdqQuality = v;
    else {
      const t = type === 'pdq' ? 'pdq' : 'blockhash';
      const tab = table === 'together' ? 'together' : 'alone';
      for (const qc of QUERY_CLASSES) for (const sc of STORED_CLASSES) if ((q === '*' || q === qc) && (s === '*' || s === sc)) r[tab][t][qc][sc] = v;
    }
  }
  return r;
}

main(async () => {
  const { values } = parse(process.argv.slice(2), {
    limit: { type: 'string' },
    edits: { type: 'string' },
    set: { type: 'string' },
    misses: { type: 'string' },
    frontier: { type: 'boolean' },
    'list-false': { type: 'boolean' },
    'hash-only-from': { type: 'string' },
    quiet: { type: 'boolean' },
  });
  const corpus: Corpus = JSON.parse(readFileSync(join(ROOT, 'src/cli/eval/corpus.json'), 'utf8'));
  const originals = await loadOriginals(CACHE, corpus, Number(values.limit ?? 160));
  const only = values.edits?.split(',');
  const edits = EDITS.filter((e) => !only || only.includes(e.id) || only.includes(e.kind));
  const dir = join(CACHE, 'local', codeVersion());
  mkdirSync(dir, { recursive: true });
  const t0 = Date.now();
  const sIdx = (v: string) => STORED_CLASSES.indexOf(storedClass(v));
  const qIdx = (v: string) => QUERY_CLASSES.indexOf(queryClass(v));
  const stored: Kept[][] = [];
  for (const o of originals) stored.push(kept(await cached(join(dir, `e-${o.sha256}.json`), () => hashed(o.bytes, 'enrol')), sIdx));
  log(
    `enrolled ${originals.length} originals in ${((Date.now() - t0) / 1000).toFixed(0)} s (${stored.reduce((a, s) => a + s.length, 0) / originals.length} hashes each)`,
  );
  if (values['hash-only-from'] !== undefined) {
    // Fill the cache from the end (a second process beside a run going forward), then stop.
    for (let oi = originals.length - 1; oi >= Number(values['hash-only-from']); oi--) {
      const o = originals[oi];
      const px = await originalPixels(o);
      for (const e of edits)
        await cached(join(dir, `q-${o.sha256}-${e.id}.json`), async () => hashed((await e.apply(px, editRandom(o.id, e.id))).bytes, 'query'));
      log(`hashed the copies of original ${oi}`);
    }
    return;
  }
  const copies: Copy[] = [];
  for (const [oi, o] of originals.entries()) {
    let px: Awaited<ReturnType<typeof originalPixels>> | undefined;
    for (const e of edits) {
      const hs = await cached(join(dir, `q-${o.sha256}-${e.id}.json`), async () => {
        px ??= await originalPixels(o);
        return hashed((await e.apply(px, editRandom(o.id, e.id))).bytes, 'query');
      });
      copies.push({ original: oi, edit: e.id, hashes: kept(hs, qIdx) });
    }
    if (oi % 50 === 49) log(`hashed the copies of ${oi + 1} originals, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  // --set 'A;B;…': several rule sets on the same hashes, one report each (pairs recomputed only when the gates change).
  const nearByGate = new Map<string, Map<number, Uint8Array>>();
  // Unrelated pairs: each copy against every other original but the other versions of its design.
  const related = relatedOf(originals);
  const versions = (i: number) => originals.filter((_, j) => related(i, j)).length;
  const pairs = copies.reduce((n, c) => n + originals.length - 1 - versions(c.original), 0);
  for (const spec of (values.set ?? '').split(';')) {
    const rules = applySets(ROBUST_RULES, spec);
    const gate = JSON.stringify([rules.minQuality, rules.blockhashMinPdqQuality]);
    let near = nearByGate.get(gate);
    if (!near) {
      near = nearPairs(copies, stored, rules);
      nearByGate.set(gate, near);
      log(`${copies.length} copies, ${pairs} unrelated pairs, ${near.size} near (copy, original) pairs, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    }
    if (values.frontier) process.stdout.write(`${frontier(copies, originals, near).join('\n')}\n`);
    if (values.misses) process.stdout.write(`${misses(copies, originals, stored, near, rules, values.misses.split(',')).join('\n')}\n`);
    const r = report(copies, originals, near, rules);
    if (values['list-false']) process.stdout.write(`false matches:\n${r.falseLines.join('\n')}\n`);
    process.stdout.write(
      `== ${spec || 'the rule table'}\n${values.quiet ? '' : `${r.lines.join('\n')}\n`}mean ${r.mean.toFixed(1)} % (photos ${r.photos.toFixed(1)} %, other ${r.other.toFixed(1)} %), false matches ${r.falseMatches} (${r.together} together) over ${pairs} pairs, ${r.relatedMatches} related\n`,
    );
  }
});
