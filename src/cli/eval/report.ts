/** The evaluation's report as Markdown (eval-results/latest.md): pure formatting of a Score and its Distances. */
import { THRESHOLDS } from '../../core/hashes';
import { atMost, percentile, recall, type Distances, type EditScore, type FalseMatch, type Histogram, type Score, PERCEPTUAL } from './score';

export interface RunInfo {
  date: string;
  machine: string;
  command: string;
  commit: string;
  query: string;
  wallSeconds: number;
  thresholds: string;
  corpus: { package: string; version: string; photo: number; other: number; note: string }[];
  lowQualityOriginals: number;
  droppedNote: string;
  /** Original id -> a short name (package: file) for the false-match list. */
  names: Record<string, string>;
  /** Original id -> its design, for the originals that are one of several versions of a design. */
  designs: Record<string, string>;
}

const pct = (x: number) => (Number.isNaN(x) ? '–' : `${(100 * x).toFixed(1)} %`);
const frac = (t: { hits: number; copies: number }) => (t.copies ? `${pct(recall(t))}` : '–');
const n = (x: number) => x.toLocaleString('en');
const total = (h: Histogram) => h.reduce((a, b) => a + b, 0);
const PDQ_MAX = THRESHOLDS.pdq.maxDistance;
const BLOCKHASH_MAX = THRESHOLDS.blockhash.maxDistance;

export function recallTable(s: Score): string[] {
  const rows = [
    '| kind | edit | strength | copies | recall photos | recall other | recall all | via pdq | via blockhash | false matches |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const e of s.edits) {
    if (!e.all.copies && !e.errors) continue;
    const via = (k: number) => (e.all.copies ? pct(k / e.all.copies) : '–');
    rows.push(
      `| ${e.kind} | ${e.id} | ${e.strength} | ${n(e.all.copies)}${e.errors ? ` (+${e.errors} errors)` : ''} | ${frac(e.photo)} | ${frac(e.other)} | ${frac(e.all)} | ${via(e.byType.pdq)} | ${via(e.byType.blockhash)} | ${n(e.falseMatches)} |`,
    );
  }
  const t = s.totals;
  rows.push(
    `| **all** | **mean over ${s.edits.filter((e) => e.all.copies).length} edits** | | ${n(t.copies)} | ${pct(t.meanRecallPhoto)} | ${pct(t.meanRecallOther)} | **${pct(t.meanRecall)}** | | | **${n(t.falseMatches)} / ${n(t.pairs)} pairs** |`,
  );
  return rows;
}

function kindTable(s: Score): string[] {
  const kinds = [...new Set(s.edits.map((e) => e.kind))];
  const rows = ['| kind | edits | recall photos (mean) | recall all (mean) | worst edit | false matches |', '| --- | ---: | ---: | ---: | --- | ---: |'];
  for (const k of kinds) {
    const es = s.edits.filter((e) => e.kind === k && e.all.copies);
    if (!es.length) continue;
    const m = (f: (e: EditScore) => number) => es.reduce((a, e) => a + f(e), 0) / es.length;
    const worst = es.reduce((a, e) => (recall(e.all) < recall(a.all) ? e : a));
    rows.push(
      `| ${k} | ${es.length} | ${pct(m((e) => (e.photo.copies ? recall(e.photo) : 0)))} | ${pct(m((e) => recall(e.all)))} | ${worst.id} (${pct(recall(worst.all))}) | ${n(es.reduce((a, e) => a + e.falseMatches, 0))} |`,
    );
  }
  return rows;
}

function distanceTables(s: Score, d: Distances): string[] {
  const out = [
    '### Edited copy vs its own original',
    '',
    `Percentiles of the Hamming distance (bits of 256), and the share within the default threshold. PDQ rows count only originals whose PDQ hash was shared (quality ≥ ${THRESHOLDS.pdq.minQuality}).`,
    '',
    `| edit | pdq p10 | pdq p50 | pdq p90 | pdq ≤ ${PDQ_MAX} | blockhash p10 | blockhash p50 | blockhash p90 | blockhash ≤ ${BLOCKHASH_MAX} |`,
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const e of s.edits) {
    const h = d.truePairs.get(e.id);
    if (!h) continue;
    const cell = (x: Histogram, th: number) =>
      [percentile(x, 0.1), percentile(x, 0.5), percentile(x, 0.9)]
        .map((v) => (Number.isNaN(v) ? '–' : String(v)))
        .concat(total(x) ? pct(atMost(x, th) / total(x)) : '–');
    out.push(`| ${e.id} | ${[...cell(h.pdq, PDQ_MAX), ...cell(h.blockhash, BLOCKHASH_MAX)].join(' | ')} |`);
  }
  const all: Record<string, Histogram> = { pdq: new Float64Array(257), blockhash: new Float64Array(257) };
  for (const h of d.truePairs.values()) for (const t of PERCEPTUAL) h[t].forEach((v, i) => (all[t][i] += v));
  out.push(
    '',
    '### True pairs against unrelated pairs, by threshold',
    '',
    'For each distance d: the share of true pairs (all edits together) within d, and how many of the unrelated (copy, other original) pairs are within d, computed from the hashes the node returned. This is the trade-off a threshold picks from; the node matches each hash type on its own, so the false-match rate of a rule that accepts either type is at most the sum of the two.',
    '',
    '| d | pdq: true pairs ≤ d | pdq: unrelated pairs ≤ d | pdq: rate | blockhash: true pairs ≤ d | blockhash: unrelated pairs ≤ d | blockhash: rate |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const th of [0, 5, 10, 16, 20, 24, 28, 31, 36, 40, 45, 50, 56, 64, 70, 80]) {
    const cells = PERCEPTUAL.flatMap((t) => {
      const u = d.unrelated[t];
      return [total(all[t]) ? pct(atMost(all[t], th) / total(all[t])) : '–', n(atMost(u, th)), total(u) ? (atMost(u, th) / total(u)).toExponential(1) : '–'];
    });
    out.push(`| ${th} | ${cells.join(' | ')} |`);
  }
  out.push(
    '',
    '### Nearest unrelated original, per edited copy',
    '',
    '| type | pairs | copies | min | p0.1 | p1 | p5 | p50 |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const t of PERCEPTUAL) {
    const h = d.nearestUnrelated[t];
    out.push(
      `| ${t} | ${n(total(d.unrelated[t]))} | ${n(total(h))} | ${[0, 0.001, 0.01, 0.05, 0.5].map((p) => (p === 0 ? h.findIndex((v) => v > 0) : percentile(h, p))).join(' | ')} |`,
    );
  }
  return out;
}

/** One row of the false or related matches' table: the copy, the original it matched, and how. */
function matchRow(f: FalseMatch, names: Record<string, string>): string {
  const name = (id: string) => `${id} (${names[id] ?? '?'})`;
  const via = f.via.map((v) => `${v.type} ${v.distance}${v.variant ? ` [${v.variant}]` : ''}`).join(', ');
  return `| ${name(f.copy.split('/')[0])} ${f.edit} | ${name(f.matched)} | ${via} |`;
}

export function renderReport(s: Score, d: Distances, info: RunInfo, maxListed = 1000): string {
  const photos = s.originals.photo;
  const other = s.originals.other;
  const lines = [
    '# Robustness to edits',
    '',
    `Written by \`${info.command}\` on ${info.date}: ${info.machine}; node at commit ${info.commit}; ${(info.wallSeconds / 60).toFixed(1)} min wall time.`,
    '',
    `Every original is shared through \`POST /v1/hashes/media\` and every edited copy sent to \`POST /v1/match/media\`${info.query ? `?${info.query}` : " with no query options (the node's defaults)"} on a real node (a fresh database, a partner admitted with the admin CLI, tokens from the client-assertion flow). Thresholds: ${info.thresholds}. A copy is recalled when the answer holds any hash of its own original; every other original it matches is a false match, except another version of its own design (a wallpaper's light and dark versions, its sizes for other screens, as the package names them: src/cli/eval/sources.ts \`design\`), whose matches are listed apart as related and whose pairs are not counted as unrelated.`,
    '',
    `**Corpus:** ${photos + other} originals, ${photos} photos and ${other} other (artwork, renders, screenshots, diagrams, clip art, scientific images), from ${info.corpus.length} Debian packages (listed at the end; files and SHA-256 in src/cli/eval/corpus.json). ${info.droppedNote} ${info.lowQualityOriginals} originals had their whole image's PDQ left out by the node (quality below its gate; \`omitted\` in its answer), their other hashes shared.`,
    '',
    `**Totals:** mean recall over the edits **${pct(s.totals.meanRecall)}** (photos ${pct(s.totals.meanRecallPhoto)}, other ${pct(s.totals.meanRecallOther)}; over the ${s.originals.hashed} originals whose whole image's PDQ was shared, the images the node hashes perceptually, ${pct(s.totals.meanRecallHashed)}); **${n(s.totals.falseMatches)} false matches over ${n(s.totals.pairs)} unrelated pairs**${s.totals.pairs ? ` (${(s.totals.falseMatches / s.totals.pairs).toExponential(2)})` : ''}, from ${n(s.totals.copies)} edited copies${s.totals.relatedMatches ? `; ${n(s.totals.relatedMatches)} matches of another version of the same design (listed below, not false)` : ''}${s.totals.errors ? `; ${s.totals.errors} copies were refused by the node and are not scored` : ''}.`,
    '',
    '## Recall and false matches per edit',
    '',
    '"via pdq" / "via blockhash": the share of copies whose own original matched through that hash type (either is enough for recall).',
    '',
    ...recallTable(s),
    '',
    '## Per kind',
    '',
    ...kindTable(s),
    '',
    '## Distances',
    '',
    ...distanceTables(s, d),
    '',
    `## False matches (${n(s.falseMatches.length)})`,
    '',
  ];
  if (!s.falseMatches.length) lines.push('None.');
  else {
    const by = (t: string) => s.falseMatches.filter((f) => f.via.some((v) => v.type === t)).length;
    const only = (t: string) => s.falseMatches.filter((f) => f.via.every((v) => v.type === t)).length;
    lines.push(
      `Through pdq: ${by('pdq')} (pdq alone: ${only('pdq')}); through blockhash: ${by('blockhash')} (blockhash alone: ${only('blockhash')}); through md5/sha256: ${by('md5') + by('sha256')}.`,
      '',
    );
    lines.push('| edited copy | matched original | via (type distance [variant]) |', '| --- | --- | --- |');
    for (const f of s.falseMatches.slice(0, maxListed)) lines.push(matchRow(f, info.names));
    if (s.falseMatches.length > maxListed)
      lines.push('', `… and ${n(s.falseMatches.length - maxListed)} more (all of them in eval-results/false-matches.json).`);
  }
  const designs = new Map<string, string[]>();
  for (const [id, d] of Object.entries(info.designs)) designs.set(d, [...(designs.get(d) ?? []), id]);
  lines.push(
    '',
    `## Related matches (${n(s.relatedMatches.length)})`,
    '',
    `${n(Object.keys(info.designs).length)} originals are versions of ${n(designs.size)} design${designs.size === 1 ? '' : 's'}, as their packages name them (src/cli/eval/sources.ts \`design\`): ${[
      ...designs,
    ]
      .map(([d, ids]) => `${d} (${ids.sort().join(', ')})`)
      .join('; ')}. A copy matching another version of its own design is neither recalled nor false; these are they.`,
    '',
  );
  if (s.relatedMatches.length) {
    lines.push('| edited copy | matched original (same design) | via (type distance [variant]) |', '| --- | --- | --- |');
    for (const f of s.relatedMatches.slice(0, maxListed)) lines.push(matchRow(f, info.names));
    if (s.relatedMatches.length > maxListed) lines.push('', `… and ${n(s.relatedMatches.length - maxListed)} more.`);
  } else lines.push('None.');
  lines.push('', '## Corpus by package', '', '| package | version | photos | other | what |', '| --- | --- | ---: | ---: | --- |');
  for (const c of info.corpus) lines.push(`| ${c.package} | ${c.version} | ${c.photo} | ${c.other} | ${c.note} |`);
  return lines.join('\n') + '\n';
}
