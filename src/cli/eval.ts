/**
 * The robustness evaluation (issue 14), end to end through the HTTP API as a partner sees it:
 * originals from Debian packages are shared through POST /v1/hashes/media on a real node, every
 * edited copy (src/cli/eval/edits.ts) goes to POST /v1/match/media, and the answers are scored:
 * recall per edit, false matches over every unrelated pair, distance distributions.
 *
 *   npm run eval                            the full run: corpus.json's originals × every edit -> eval-results/latest.md
 *   npm run eval -- --quick                 60 originals × the quick edits -> eval-results/quick.md
 *   npm run eval -- --limit 100             100 originals (photos and other in proportion)
 *   npm run eval -- --query dihedral=true   query options for /v1/match/media (repeatable)
 *   npm run eval -- --edits crop-10,rot-4-black   only these edits
 *   npm run eval -- --rebuild-corpus        pick the originals again from src/cli/eval/sources.ts, rewrite corpus.json
 *   npm run eval -- --extend-corpus         keep corpus.json's originals, add those of sources added since
 *   npm run eval -- --resume                keep the answers of an interrupted run with the same settings
 *
 * Needs apt-get and dpkg-deb (Debian/Ubuntu) and Debian's mirrors for the first run; then all of it
 * comes from .eval-cache/.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HASH_SPECS } from '../core/hashes';
import { ROBUST_RULES, rulesText } from '../core/robust';
import { main, parse, userPath } from './args';
import { buildCorpus, hashLocally, loadOriginals, originalPixels, type Corpus, type Original } from './eval/corpus';
import { EDITS, editRandom } from './eval/edits';
import { EvalNode } from './eval/node';
import { renderReport } from './eval/report';
import { distances, related, score, type CopyAnswer, type SharedOriginal } from './eval/score';
import { designOf, SOURCES } from './eval/sources';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CACHE = join(ROOT, '.eval-cache');
const CORPUS = join(ROOT, 'src/cli/eval/corpus.json');
const LABELS = ['attack-footage'];
const log = (s: string) => process.stderr.write(`${s}\n`);

/** Runs `n` workers over `items` in order. */
async function pool<T>(items: T[], n: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

const mime = (f: 'jpeg' | 'png') => `image/${f}`;
const hashKey = (h: { type: string; value: string }) => `${h.type}:${h.value}`;

/** A short name for the false-match list: the file, and for Plasma's wallpapers (named by resolution) the wallpaper. */
function shortName(o: Original): string {
  const parts = o.path.split('/');
  const file = parts.at(-1)!;
  const c = parts.indexOf('contents');
  return `${o.package}: ${c > 0 ? `${parts[c - 1]}/${parts.slice(c + 1).join('/')}` : file}`;
}

/** Shares an original as a partner would: the media route; if it refuses a weak PDQ, the other hashes by value. */
async function share(node: EvalNode, o: Original): Promise<SharedOriginal> {
  const r = await node.shareMedia(o.bytes, mime(o.format), LABELS, o.id);
  let items = r.body.items;
  // Today's node shares the exact hashes itself and leaves out a weak PDQ (issue 14, item 6).
  let lowQuality = r.status === 201 && (r.body.omitted ?? []).some((x) => x.type === 'pdq' && x.variant === 'whole');
  if (r.status === 422 && r.body.code === 'low_quality') {
    lowQuality = true;
    const h = await node.hash(o.bytes, mime(o.format));
    if (h.status !== 200 || !h.body.hashes) throw new Error(`${o.id}: POST /v1/hash answered ${h.status}`);
    const hashes = h.body.hashes;
    const again = await node.shareHashes(['blockhash', 'md5', 'sha256'].map((type) => ({ type, value: hashes[type].value, labels: LABELS, externalId: o.id })));
    if (again.status !== 201) throw new Error(`${o.id}: POST /v1/hashes answered ${again.status} ${again.body.detail ?? ''}`);
    items = again.body.items!.map((it, i) => ({ ...it, type: ['blockhash', 'md5', 'sha256'][i], value: hashes[['blockhash', 'md5', 'sha256'][i]].value }));
  } else if (r.status !== 201 || !items) throw new Error(`${o.id}: POST /v1/hashes/media answered ${r.status} ${r.body.code ?? ''} ${r.body.detail ?? ''}`);
  const of = (t: string) => items!.find((it) => it.type === t)?.value;
  // A hash is known by type and value, not by the node's id: answers stay valid across runs (--resume).
  const design = designOf(o);
  return {
    id: o.id,
    category: o.category,
    hashIds: items!.map((it) => hashKey(it)),
    pdq: of('pdq'),
    blockhash: of('blockhash'),
    lowQuality,
    ...(design ? { design } : {}),
  };
}

function machine(): string {
  const c = cpus();
  return `${c.length} × ${c[0]?.model.trim() ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, load average ${loadavg()[0].toFixed(1)} at the start`;
}

const git = (args: string[]) => {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
};

main(async () => {
  const { values } = parse(process.argv.slice(2), {
    quick: { type: 'boolean' },
    limit: { type: 'string' },
    query: { type: 'string', multiple: true },
    edits: { type: 'string' },
    concurrency: { type: 'string' },
    out: { type: 'string' },
    'rebuild-corpus': { type: 'boolean' },
    'extend-corpus': { type: 'boolean' },
    resume: { type: 'boolean' },
  });
  if (values.help) return void process.stdout.write(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0] + '*/\n');
  const t0 = Date.now();
  // The code the node runs is the code at the start: commits made while it runs do not reach it.
  const commit = `${git(['rev-parse', '--short', 'HEAD'])}${git(['status', '--porcelain', '--', 'src']) ? ' (with uncommitted changes in src/)' : ''}`;
  const query = new URLSearchParams((values.query ?? []).map((kv) => kv.split('=', 2) as [string, string]));
  const only = values.edits?.split(',');
  const edits = EDITS.filter((e) => (only ? only.includes(e.id) : !values.quick || e.quick));
  if (only && edits.length !== only.length) throw new Error(`unknown edit(s): ${only.filter((id) => !EDITS.some((e) => e.id === id)).join(', ')}`);
  const limit = values.limit ? Number(values.limit) : values.quick ? 60 : undefined;
  const concurrency = Number(values.concurrency ?? 4);
  const out = userPath(values.out) ?? join(ROOT, 'eval-results', values.quick ? 'quick.md' : 'latest.md');

  let corpus: Corpus;
  if (values['rebuild-corpus'] || !existsSync(CORPUS)) {
    log('picking the corpus from Debian packages (src/cli/eval/sources.ts) ...');
    corpus = await buildCorpus(CACHE, log);
    writeFileSync(CORPUS, JSON.stringify(corpus, null, 2) + '\n');
    log(`corpus.json: ${corpus.items.length} originals`);
  } else if (values['extend-corpus']) {
    log('extending the corpus with the sources added to src/cli/eval/sources.ts ...');
    const base: Corpus = JSON.parse(readFileSync(CORPUS, 'utf8'));
    corpus = await buildCorpus(CACHE, log, base);
    writeFileSync(CORPUS, JSON.stringify(corpus, null, 2) + '\n');
    log(`corpus.json: ${corpus.items.length} originals (${corpus.items.length - base.items.length} added)`);
  } else corpus = JSON.parse(readFileSync(CORPUS, 'utf8'));
  const originals = await loadOriginals(CACHE, corpus, limit);
  log(
    `${originals.length} originals (${originals.filter((o) => o.category === 'photo').length} photos), ${edits.length} edits, query ${query.toString() || '(defaults)'}`,
  );

  // Answers of an interrupted run with the same originals, edits and options can be kept (--resume).
  const key = createHash('sha256')
    .update(JSON.stringify([originals.map((o) => o.sha256), edits.map((e) => e.id), query.toString(), git(['rev-parse', 'HEAD'])]))
    .digest('hex')
    .slice(0, 16);
  const runFile = join(CACHE, 'runs', `${key}.jsonl`);
  mkdirSync(dirname(runFile), { recursive: true });
  const answers = new Map<string, CopyAnswer>();
  if (values.resume && existsSync(runFile))
    for (const l of readFileSync(runFile, 'utf8').split('\n').filter(Boolean)) {
      const a = JSON.parse(l) as CopyAnswer;
      answers.set(`${a.original}/${a.edit}`, a);
    }
  else writeFileSync(runFile, '');
  if (answers.size) log(`resuming: ${answers.size} answers kept from ${runFile}`);

  const node = await EvalNode.start(log);
  try {
    const shared: SharedOriginal[] = [];
    await pool(originals, concurrency, async (o) => void shared.push(await share(node, o)));
    shared.sort((a, b) => a.id.localeCompare(b.id));
    log(
      `shared ${shared.length} originals (${shared.filter((s) => s.lowQuality).length} with the whole image's PDQ left out, quality below ${ROBUST_RULES.minQuality.pdq}) in ${((Date.now() - t0) / 1000).toFixed(0)} s`,
    );

    const total = originals.length * edits.length;
    const resumed = answers.size;
    let done = resumed;
    const tq = Date.now();
    await pool(originals, concurrency, async (o) => {
      const todo = edits.filter((e) => !answers.has(`${o.id}/${e.id}`));
      if (!todo.length) return;
      const px = await originalPixels(o);
      for (const e of todo) {
        const copy = await e.apply(px, editRandom(o.id, e.id));
        const r = await node.matchMedia(copy.bytes, mime(copy.format), query);
        const b = r.body;
        // The node lists only the variant that matched; the distance tables need all of them.
        const variants = query.get('dihedral') === 'true' && r.status === 200 ? (await hashLocally(copy.bytes, { dihedral: true })).variants : undefined;
        const a: CopyAnswer = {
          original: o.id,
          edit: e.id,
          status: r.status,
          ...(r.status !== 200 ? { error: `${b.code ?? ''} ${b.detail ?? ''}`.trim() } : {}),
          matches: (b.results ?? []).flatMap((x) =>
            x.matches.map((m) => ({ id: hashKey(m), type: m.type, distance: m.distance, ...(m.variant ? { variant: m.variant } : {}) })),
          ),
          query: b.hashes && {
            pdq: b.hashes.pdq?.value,
            pdqQuality: b.hashes.pdq?.quality,
            blockhash: b.hashes.blockhash?.value,
            ...(variants ? { variants: { pdq: variants.pdq.map((v) => v.value), blockhash: variants.blockhash.map((v) => v.value) } } : {}),
          },
        };
        answers.set(`${o.id}/${e.id}`, a);
        appendFileSync(runFile, JSON.stringify(a) + '\n');
        if (++done % 500 === 0) {
          const rate = (done - resumed) / ((Date.now() - tq) / 1000);
          log(`${done} / ${total} copies, ${rate.toFixed(1)}/s, ${((total - done) / rate / 60).toFixed(1)} min to go`);
        }
      }
    });

    const list = [...answers.values()];
    const s = score(shared, list, edits);
    const d = distances(shared, list);
    const wall = (Date.now() - t0) / 1000;
    const byPkg = new Map<string, { package: string; version: string; photo: number; other: number; note: string }>();
    for (const o of originals) {
      const p =
        byPkg.get(o.package) ??
        byPkg
          .set(o.package, {
            package: o.package,
            version: o.version,
            photo: 0,
            other: 0,
            note: SOURCES.filter((x) => x.package === o.package)
              .map((x) => x.note)
              .join('; '),
          })
          .get(o.package)!;
      p[o.category]++;
    }
    const dropped = Object.entries(corpus.dropped)
      .filter(([, v]) => v)
      .map(([k, v]) => `${v} ${k}`)
      .join(', ');
    const report = renderReport(s, d, {
      date: new Date()
        .toISOString()
        .replace(/\.\d+Z$/, ' UTC')
        .replace('T', ' '),
      machine: machine(),
      command: `npm run eval${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
      commit,
      query: query.toString(),
      wallSeconds: wall,
      thresholds:
        query.get('robust') === 'false'
          ? `the node's plain defaults (${['pdq', 'blockhash'].map((t) => `${t} ≤ ${HASH_SPECS[t as 'pdq'].defaultMaxDistance}`).join(', ')}, md5 and sha256 equal)`
          : `robust matching, the node's default (core/robust rules.ts: ${rulesText(ROBUST_RULES)}; md5 and sha256 equal)`,
      corpus: [...byPkg.values()],
      lowQualityOriginals: shared.filter((x) => x.lowQuality).length,
      droppedNote: `When the corpus was picked (${corpus.generated}), ${corpus.candidates} candidate files were looked at: ${dropped}.`,
      names: Object.fromEntries(originals.map((o) => [o.id, shortName(o)])),
      designs: Object.fromEntries(shared.filter((x) => x.design && shared.some((y) => related(x, y))).map((x) => [x.id, x.design!])),
    });
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, report);
    if (s.falseMatches.length > 1000) writeFileSync(join(dirname(out), 'false-matches.json'), JSON.stringify(s.falseMatches, null, 1));
    log(
      `wrote ${out} in ${(wall / 60).toFixed(1)} min: mean recall ${(100 * s.totals.meanRecall).toFixed(1)} %, ${s.totals.falseMatches} false matches over ${s.totals.pairs.toLocaleString('en')} pairs, ${s.totals.relatedMatches} related`,
    );
  } finally {
    await node.stop();
  }
});
