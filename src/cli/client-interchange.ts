/**
 * `client export` and `client import`: the node's hashes in the files python-threatexchange and HMA
 * read and write (core/interchange: the `threatexchange dataset` CSV and the local signal list;
 * docs/interchange.md: the table of signal types and labels).
 *
 * export reads the whole delta feed (GET /v1/hashes) and writes the hashes active at its end.
 *
 * import shares a file's hashes (POST /v1/hashes, 1000 items a request at most), lines of the same
 * hash merged. Lines it cannot take (an unknown signal type or tag, a bad value, a negative opinion)
 * are refused by number, and the rest imported. Sharing is idempotent, so running it again adds
 * nothing; with --state FILE it also resumes where a stopped run ended: after each request it writes
 * the file's SHA-256 and how many hashes are in, and a run on the same file skips those.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { FeedPage, ShareItem, ShareResult } from '../client';
import { readDataset, writeDataset, type DatasetFormat, type ExportHash, type ReadItem } from '../core/interchange';
import { fail, parse, userPath, userStatePath } from './args';
import { labelIds, labelsOption, UsageError } from './client-items';
import { connect, CONNECT_OPTIONS, connectionOf } from './connect';
import { progress } from './progress';

/** Hashes per request: the node's most (DESIGN §5); the client splits further by bytes. */
export const IMPORT_BATCH = 1000;

export const INTERCHANGE_USAGE = `  export [--format csv|signals] [--out FILE] [--all-types] [--collab NAME]
                                                         the node's active hashes as a threatexchange dataset CSV (default) or a
                                                         signal list (<signal_type> <hash> a line); docs/interchange.md
  import FILE [--format csv|signals] [--labels L1,L2] [--map-tag TAG=LABEL...] [--ignore-unknown-tags]
         [--signal-type T] [--state FILE]                share a CSV or signal list's hashes (1000 a request); lines it cannot
                                                         take are refused by number; idempotent, --state resumes a stopped run`;

function formatOf(v: string | undefined): DatasetFormat | undefined {
  if (v === undefined || v === 'csv' || v === 'signals') return v;
  throw new UsageError(`--format takes csv or signals (got ${JSON.stringify(v)})`);
}

export async function exportCommand(rest: string[]): Promise<void> {
  const { values } = parse(rest, {
    ...CONNECT_OPTIONS,
    format: { type: 'string' },
    out: { type: 'string' },
    'all-types': { type: 'boolean' },
    collab: { type: 'string' },
  });
  const format = formatOf(values.format) ?? 'csv';
  const outFile = userPath(values.out);
  const bar = progress('reading the feed', { json: values.json });
  const client = connect(values, { progress: bar });
  // The feed replayed: each hash's last state wins; what is active at its end is exported.
  const last = new Map<string, FeedPage['entries'][number]['hash']>();
  let entries = 0;
  for await (const page of client.pages({ limit: 1000 })) {
    for (const e of page.entries) last.set(e.hash.id, e.hash);
    entries += page.entries.length;
    bar.update(entries, undefined, 'feed entries');
  }
  bar.end();
  const active: ExportHash[] = [...last.values()].filter((h) => h.status === 'active');
  const { lines, skipped } = writeDataset(active, format, { allTypes: values['all-types'], collab: values.collab });
  const text = lines.length ? lines.join('\n') + '\n' : '';
  if (outFile) writeFileSync(outFile, text);
  else process.stdout.write(text);
  const written = active.length - [...skipped.values()].reduce((a, b) => a + b, 0);
  const summary = { format, exported: written, leftOut: Object.fromEntries(skipped) };
  if (values.json) return void process.stderr.write(JSON.stringify(summary) + '\n');
  const left = [...skipped].map(([type, n]) => `${n} ${type}`).join(', ');
  process.stderr.write(
    `exported ${written} active hashes${outFile ? ` to ${outFile}` : ''}${left ? `; left out ${left} (no python-threatexchange signal type${values['all-types'] ? '' : "; --all-types writes blockhash and url under this node's own names"})` : ''}\n`,
  );
}

interface ImportState {
  sha256: string;
  done: number;
}

function readState(file: string | undefined): ImportState | undefined {
  if (!file || !existsSync(file)) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new UsageError(`${file} is not an import state file (JSON); remove it to start again`);
  }
  const sha256 = typeof v === 'object' && v !== null && 'sha256' in v ? v.sha256 : undefined;
  const done = typeof v === 'object' && v !== null && 'done' in v ? v.done : undefined;
  if (typeof sha256 !== 'string' || typeof done !== 'number') throw new UsageError(`${file} is not an import state file; remove it to start again`);
  return { sha256, done };
}

function writeState(file: string, s: ImportState): void {
  writeFileSync(`${file}.tmp`, JSON.stringify(s) + '\n');
  renameSync(`${file}.tmp`, file);
}

function tagMapOf(pairs: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const p of pairs) {
    const eq = p.lastIndexOf('=');
    if (eq <= 0) throw new UsageError(`--map-tag takes TAG=LABEL (got ${JSON.stringify(p)})`);
    const [label] = labelIds([p.slice(eq + 1)], `--map-tag ${p}`);
    map.set(p.slice(0, eq), label);
  }
  return map;
}

const shareItemOf = (item: ReadItem): ShareItem => ({ type: item.type, value: item.value, labels: labelIds(item.labels, `line ${item.line}`) });

export async function importCommand(rest: string[]): Promise<void> {
  const { values, positionals } = parse(rest, {
    ...CONNECT_OPTIONS,
    format: { type: 'string' },
    labels: { type: 'string' },
    'map-tag': { type: 'string', multiple: true },
    'ignore-unknown-tags': { type: 'boolean' },
    'signal-type': { type: 'string' },
    state: { type: 'string' },
  });
  if (!positionals[0] || positionals.length > 1) throw new UsageError(`import takes one file\n${INTERCHANGE_USAGE}`);
  // Named as given in what it prints (`import --json`'s `file`, like `hash`), read where the user ran the command.
  const file = positionals[0];
  const at = userPath(file);
  connectionOf(values);
  const format = formatOf(values.format);
  const labels = labelsOption(values.labels);
  const tagMap = tagMapOf(values['map-tag'] ?? []);
  if (!existsSync(at)) fail(`${file}: no such file`, 2);
  const bytes = readFileSync(at);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const read = readDataset(
    bytes.toString('utf8'),
    { labels, tagMap, ignoreUnknownTags: values['ignore-unknown-tags'], signalType: values['signal-type'] },
    format,
  );
  for (const r of read.refused)
    process.stderr.write(values.json ? JSON.stringify({ file, line: r.line, refused: r.message }) + '\n' : `${file}:${r.line}: refused: ${r.message}\n`);

  const stateFile = userStatePath(values.state, '--state');
  const state = readState(stateFile);
  const resumed = state && state.sha256 === sha256 ? Math.min(state.done, read.items.length) : 0;
  if (state && !resumed && state.sha256 !== sha256)
    process.stderr.write(`${stateFile} is of another file (or this one changed): starting from the beginning\n`);
  const todo = read.items.slice(resumed).map(shareItemOf);

  const bar = progress('importing', { json: values.json });
  const client = connect(values, { progress: bar });
  const outcomes: ShareResult[] = [];
  const batches = Math.ceil(todo.length / IMPORT_BATCH);
  for (let b = 0; b < batches; b++) {
    const { items } = await client.share(todo.slice(b * IMPORT_BATCH, (b + 1) * IMPORT_BATCH));
    outcomes.push(...items);
    if (stateFile) writeState(stateFile, { sha256, done: resumed + outcomes.length });
    bar.update(resumed + outcomes.length, read.items.length, `hashes, ${b + 1}/${batches} requests`);
  }
  bar.end();
  const count = (...o: ShareResult['outcome'][]) => outcomes.filter((r) => o.includes(r.outcome)).length;
  const summary = {
    file,
    format: read.format,
    hashes: read.items.length,
    added: count('created', 'added'),
    relabelled: count('updated'),
    alreadyPresent: count('unchanged'),
    refused: read.refused.length,
    mergedLines: read.merged,
    ...(resumed ? { resumedAfter: resumed } : {}),
  };
  if (values.json) process.stdout.write(JSON.stringify(summary) + '\n');
  else {
    process.stdout.write(
      `imported ${file} (${read.format}): ${summary.added} added, ${summary.alreadyPresent} already present, ${summary.relabelled} relabelled, ${summary.refused} line(s) refused` +
        `${read.merged ? `, ${read.merged} line(s) merged into an earlier line of the same hash` : ''}${resumed ? `; resumed after ${resumed} hashes sent before` : ''}\n`,
    );
  }
  if (read.refused.length) process.exitCode = 1;
}
