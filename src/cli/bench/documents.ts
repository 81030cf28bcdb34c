/**
 * `npm run bench -- --only documents`: PDFs, text and their match rules.
 *
 * 1. The `tlsh` threshold, measured on real text from Debian packages (text-corpus.ts): every
 *    original against its edited copies (recall) and against every other original and every other
 *    original's copies (false matches), with and without TLSH's length term, at several thresholds.
 * 2. Hashing a 40-page PDF (generated, magazine.ts) through poppler: pages per second.
 * 3. TLSH of 1 MiB of text (normalisation included).
 * 4. One text hash against 100 k and 1 M stored ones, through the node's match index (a scan).
 * 5. The document rules on generated magazines and their edits (re-exported, a page added or
 *    removed, re-typeset): recall and false matches, by pages, by text, and either.
 *
 * Over 300 lines on purpose: the five measurements share one node, corpus and report.
 */
import { cpus, loadavg } from 'node:os';
import { buildHashKernels } from '../../core/kernels';
import { hashPdf, pdfPagesMatch, type PdfHashes } from '../../core/document';
import { HASH_SPECS } from '../../core/hashes';
import { BruteForceIndex, MemoryMatchIndex } from '../../core/hash-index';
import { uniform } from '../../core/prng';
import { formatTlsh, textTlsh, tlshDistance } from '../../core/tlsh';
import { PopplerPdfRenderer } from '../../runtime/node/document';
import { DEFAULT_DOCUMENTS } from '../../services/deps';
import { LAYOUT_B, magazine, magazineOf, makePdf, prose, type PageSpec } from './magazine';
import { loadTexts, TEXT_EDITS } from './text-corpus';
import type { BenchTable } from './types';

const THRESHOLDS = [30, 40, 50, 60, 70, 80, 100];

export async function run(opts: { quick?: boolean } = {}): Promise<BenchTable[]> {
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}, load average ${loadavg()[0].toFixed(1)} at the start`;
  return [textThreshold(), await pdfSpeed(opts, machine), textSpeed(machine), indexSpeed(opts, machine), await documentRules(opts)];
}

// ---------------------------------------------------------------------------------------------

interface Pair {
  edit: string;
  /** With and without the length term. */
  d: number;
  x: number;
}

export function textThreshold(): BenchTable {
  const { texts, missing } = loadTexts();
  if (texts.length < 10) throw new Error(`too few texts (${texts.length}); apt-get install bible-kjv fortunes (missing: ${missing.join(', ')})`);
  const originals = texts.map((t) => textTlsh(t.text)!);
  const copies: { of: number; edit: string; digest: string }[] = [];
  texts.forEach((t, i) =>
    TEXT_EDITS.forEach((e, k) => {
      const digest = textTlsh(e.apply(t.text, 1000 * i + k));
      if (digest) copies.push({ of: i, edit: e.name, digest });
    }),
  );
  const related: Pair[] = copies.map((c) => ({
    edit: c.edit,
    d: tlshDistance(c.digest, originals[c.of]),
    x: tlshDistance(c.digest, originals[c.of], { lengthTerm: false }),
  }));
  // Unrelated: originals pairwise, and every copy against every other original.
  const unrelated: { d: number; x: number; a: string; b: string }[] = [];
  for (let i = 0; i < originals.length; i++)
    for (let j = i + 1; j < originals.length; j++)
      unrelated.push({
        d: tlshDistance(originals[i], originals[j]),
        x: tlshDistance(originals[i], originals[j], { lengthTerm: false }),
        a: texts[i].name,
        b: texts[j].name,
      });
  for (const c of copies)
    for (let j = 0; j < originals.length; j++)
      if (j !== c.of)
        unrelated.push({
          d: tlshDistance(c.digest, originals[j]),
          x: tlshDistance(c.digest, originals[j], { lengthTerm: false }),
          a: `${texts[c.of].name} (${c.edit})`,
          b: texts[j].name,
        });

  const T = HASH_SPECS.tlsh.defaultMaxDistance;
  const rows: (string | number)[][] = [];
  for (const e of TEXT_EDITS) {
    const r = related.filter((p) => p.edit === e.name);
    rows.push([
      e.name,
      r.length,
      median(r.map((p) => p.d)),
      Math.max(...r.map((p) => p.d)),
      pct(r.filter((p) => p.d <= T).length, r.length),
      median(r.map((p) => p.x)),
      pct(r.filter((p) => p.x <= T).length, r.length),
    ]);
  }
  const nearest = [...unrelated].sort((a, b) => a.d - b.d).slice(0, 3);
  // False matches by where the two texts come from: within one collection (books of one Bible
  // translation share its style and vocabulary, and some retell the same events) or across.
  const kind = (p: { a: string; b: string }) => (p.a.split(':')[0] === p.b.split(':')[0] ? p.a.split(':')[0] : 'across collections');
  const byKind = (t: number, x: 'd' | 'x') => {
    const counts = new Map<string, number>();
    for (const p of unrelated) if (p[x] <= t) counts.set(kind(p), (counts.get(kind(p)) ?? 0) + 1);
    return [...counts].map(([k, n]) => `${k} ${n}`).join(', ') || 'none';
  };
  const sweep = THRESHOLDS.map((t) => {
    const recall = pct(related.filter((p) => p.d <= t).length, related.length);
    const fm = unrelated.filter((p) => p.d <= t).length;
    const recallX = pct(related.filter((p) => p.x <= t).length, related.length);
    const fmX = unrelated.filter((p) => p.x <= t).length;
    return `≤ ${t}: recall ${recall}, ${fm} false matches (${byKind(t, 'd')}); without the length term: ${recallX}, ${fmX} (${byKind(t, 'x')})`;
  });
  return {
    title: `tlsh threshold on real text (default ${T}, standard score)`,
    columns: ['edit', 'copies', 'median distance', 'worst', `recall ≤ ${T}`, 'median without length term', `recall ≤ ${T} without`],
    rows,
    notes: [
      `${texts.length} texts from Debian packages (${texts.filter((t) => t.name.startsWith('kjv')).length} books of the King James Bible from bible-kjv, ${texts.filter((t) => t.name.startsWith('fortunes')).length} fortune collections, ${texts.filter((t) => t.name.startsWith('licence')).length} licences)${missing.length ? `; not installed: ${missing.join(', ')}` : ''}; ${copies.length} edited copies.`,
      `Unrelated pairs: ${unrelated.length} (originals pairwise, and each copy against every other original). Smallest distances: ${nearest.map((n) => `${n.d} (${n.a} / ${n.b})`).join(', ')}; at most ${T}: ${unrelated.filter((p) => p.d <= T).length}.`,
      `Thresholds: ${sweep.join('; ')}.`,
    ],
  };
}

// ---------------------------------------------------------------------------------------------

/** The node's PDQ kernels (WebAssembly; built once), as the node hashes pages with them. */
const { pdq } = buildHashKernels();

async function pdfSpeed(opts: { quick?: boolean }, machine: string): Promise<BenchTable> {
  const renderer = new PopplerPdfRenderer();
  const status = await renderer.status();
  if (!status.available) throw new Error(`poppler is not installed: ${status.detail}`);
  const pages = 40;
  const pdf = await makePdf(magazine(7, pages));
  const runs = opts.quick ? 2 : 5;
  const times: number[] = [];
  let last: PdfHashes | null = null;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const r = await hashPdf(renderer, pdf, DEFAULT_DOCUMENTS.limits, pdq);
    times.push(performance.now() - t);
    if ('passwordProtected' in r) throw new Error('unexpected');
    last = r;
  }
  const ms = median(times);
  return {
    title: 'Hashing a 40-page PDF (poppler, 72 dpi, PDQ of each page, TLSH of the text)',
    columns: ['pages', 'bytes', 'runs', 'median ms', 'pages/s', 'text characters'],
    rows: [[pages, pdf.length, runs, ms.toFixed(0), ((pages * 1000) / ms).toFixed(1), last!.textCharacters]],
    notes: [
      `${status.detail}; generated A4 pages (a coloured panel, a headline, two columns of text); pdfinfo, pdftoppm and pdftotext one after another. ${machine}.`,
    ],
  };
}

function textSpeed(machine: string): BenchTable {
  const { texts } = loadTexts();
  let text = texts.map((t) => t.text).join('\n');
  if (!text) text = prose(1, 200_000);
  while (text.length < 1 << 20) text += text;
  text = text.slice(0, 1 << 20);
  textTlsh(text);
  const times = Array.from({ length: 10 }, () => {
    const t = performance.now();
    textTlsh(text);
    return performance.now() - t;
  });
  return {
    title: 'TLSH of 1 MiB of text',
    columns: ['characters', 'median ms (normalise + digest)', 'MiB/s'],
    rows: [[text.length, median(times).toFixed(1), (1000 / median(times)).toFixed(0)]],
    notes: [`Real text (the corpus above, concatenated). ${machine}.`],
  };
}

function indexSpeed(opts: { quick?: boolean }, machine: string): BenchTable {
  const rows: (string | number)[][] = [];
  const T = HASH_SPECS.tlsh.defaultMaxDistance;
  for (const size of opts.quick ? [100_000] : [100_000, 1_000_000]) {
    const index = new MemoryMatchIndex((w) => new BruteForceIndex(w));
    const rnd = uniform(size);
    const raw = new Uint8Array(35);
    const load = performance.now();
    const batch: { seq: number; type: 'tlsh'; value: string }[] = [];
    for (let i = 1; i <= size; i++) {
      for (let k = 0; k < 35; k++) raw[k] = Math.floor(rnd() * 256);
      batch.push({ seq: i, type: 'tlsh', value: formatTlsh(raw) });
      if (batch.length === 50_000) index.add(batch.splice(0));
    }
    index.add(batch);
    const loadMs = performance.now() - load;
    const query = textTlsh(prose(3, 5000))!;
    const times: number[] = [];
    for (let i = 0; i < 21; i++) {
      const t = performance.now();
      void index.query('tlsh', query, T);
      times.push(performance.now() - t);
    }
    const heap = process.memoryUsage().arrayBuffers;
    rows.push([
      size.toLocaleString('en'),
      T,
      median(times).toFixed(2),
      percentile(times, 0.95).toFixed(2),
      (loadMs / 1000).toFixed(1),
      (heap / size).toFixed(0),
    ]);
  }
  return {
    title: 'Matching one text hash against stored ones (MemoryMatchIndex, tlsh scan)',
    columns: ['stored', 'radius', 'p50 ms', 'p95 ms', 'load s', 'array bytes per hash'],
    rows,
    notes: [`Random digests (any 35 bytes are a digest); the scan drops a digest once its partial distance passes the radius. ${machine}.`],
  };
}

// ---------------------------------------------------------------------------------------------

interface Doc {
  name: string;
  of: number;
  edit: string;
  hashes: PdfHashes;
}

/** A generated page that is not in any original. */
const extraPage = (seed: number): PageSpec => ({
  seed: 900_000 + seed,
  headline: prose(800_000 + seed, 5).replace(/\.$/, ''),
  body: prose(700_000 + seed, 260),
});

async function documentRules(opts: { quick?: boolean }): Promise<BenchTable> {
  const renderer = new PopplerPdfRenderer();
  const n = opts.quick ? 8 : 24;
  const limits = DEFAULT_DOCUMENTS.limits;
  const hash = async (bytes: Uint8Array) => {
    const r = await hashPdf(renderer, bytes, limits, pdq);
    if ('passwordProtected' in r) throw new Error('unexpected');
    return r;
  };
  const originals: Doc[] = [];
  const copies: Doc[] = [];
  // Real text where the corpus is installed, spread over its collections; else invented prose.
  const { texts } = loadTexts(13 * 260 * 8);
  const pick = texts.length >= n ? Array.from({ length: n }, (_, i) => texts[Math.floor((i * texts.length) / n)]) : [];
  for (let i = 0; i < n; i++) {
    const pages = pick.length ? magazineOf(pick[i].text, 100 + i, 3 + (i % 10)) : magazine(100 + i, 3 + (i % 10));
    originals.push({ name: `magazine ${i}`, of: i, edit: 'original', hashes: await hash(await makePdf(pages)) });
    const at = 1 + (i % (pages.length - 1));
    const edits: [string, Promise<Uint8Array>][] = [
      ['re-exported (other producer, no object streams)', makePdf(pages, { objectStreams: false, producer: 'another exporter 2.1' })],
      ['a page added', makePdf([...pages.slice(0, at), extraPage(i), ...pages.slice(at)])],
      ['a page removed', makePdf([...pages.slice(0, at), ...pages.slice(at + 1)])],
      ['re-typeset (Letter, one column, sans-serif)', makePdf(pages, { layout: LAYOUT_B })],
    ];
    for (const [edit, bytes] of edits) copies.push({ name: `magazine ${i}`, of: i, edit, hashes: await hash(await bytes) });
  }
  const T = HASH_SPECS.tlsh.defaultMaxDistance;
  const rule = {
    queryMatchPercent: DEFAULT_DOCUMENTS.queryMatchPercent,
    candidateMatchPercent: DEFAULT_DOCUMENTS.candidateMatchPercent,
    distance: HASH_SPECS.pdf.defaultMaxDistance,
  };
  const judge = (q: Doc, o: Doc) => {
    const pages = pdfPagesMatch(q.hashes.pages, o.hashes.pages, rule).matched;
    const text = !!q.hashes.tlsh && !!o.hashes.tlsh && tlshDistance(q.hashes.tlsh, o.hashes.tlsh) <= T;
    return { pages, text, either: pages || text };
  };
  const rows: (string | number)[][] = [];
  const edits = [...new Set(copies.map((c) => c.edit))];
  let falsePages = 0;
  let falseText = 0;
  let falseEither = 0;
  let unrelatedPairs = 0;
  const queries = [...originals, ...copies];
  for (const q of queries) {
    for (const o of originals) {
      if (o.of === q.of) continue;
      unrelatedPairs++;
      const j = judge(q, o);
      falsePages += +j.pages;
      falseText += +j.text;
      falseEither += +j.either;
    }
  }
  for (const e of edits) {
    const list = copies.filter((c) => c.edit === e).map((c) => judge(c, originals[c.of]));
    rows.push([
      e,
      list.length,
      pct(list.filter((j) => j.pages).length, list.length),
      pct(list.filter((j) => j.text).length, list.length),
      pct(list.filter((j) => j.either).length, list.length),
    ]);
  }
  rows.push([`**unrelated pairs** (${unrelatedPairs})`, '', `${falsePages} false`, `${falseText} false`, `${falseEither} false`]);
  return {
    title: 'Document rules on generated edits',
    columns: ['edit', 'copies', 'by pages', 'by text (tlsh)', 'either'],
    rows,
    notes: [
      `${n} generated magazines of 3 to 12 A4 pages (panels, headlines, two columns of text) ${pick.length ? `carrying the text of ${pick.map((p) => p.name).join(', ')}` : 'carrying invented prose from one small syllable set (bible-kjv and fortunes are not installed), so their texts are nearer one another than real texts are'}. Pages rule: at least ${rule.queryMatchPercent} % of the query's usable pages within ${rule.distance} bits of the stored PDF's (candidate share ${rule.candidateMatchPercent} %); text: tlsh ≤ ${T}.`,
      'Unrelated pairs: every original and copy against every other original.',
    ],
  };
}

// ---------------------------------------------------------------------------------------------

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
}

const pct = (n: number, of: number) => (of ? `${((100 * n) / of).toFixed(1)} %` : '-');
