/**
 * Benchmark of the `tlsh` hash type (core/tlsh), on one thread:
 *
 *   npx tsx src/cli/bench/tlsh.ts            # 1 MB of text, distances, scans of 100 k and 1 M digests
 *   npx tsx src/cli/bench/tlsh.ts --quick    # fewer runs, scan of 100 k only
 *
 * The text is the 80 English files of Trend Micro's test vectors (../shared/conformance/tlsh,
 * through the bench conformance helper) repeated to 1 MiB; when that folder is absent the bench says
 * so and uses generated words instead. The banks are random 35-byte digests (every byte string of
 * that length is a valid digest), printed as `T1…` and parsed back, so building a bank is timed as
 * the node would build it from stored values.
 */
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { mulberry32 } from '../../core/prng';
import { formatTlsh, normaliseText, packTlsh, parseTlsh, scanTlsh, textTlsh, TLSH_BYTES, tlshDigest, tlshDistance, tlshDistanceBytes } from '../../core/tlsh';
import { conformanceFile } from './conformance';
import { formatTable, type BenchTable } from './types';
import { messageOf, must } from '../args';

export type { BenchTable };

const MIB = 1 << 20;
/** A distance threshold of the order text matching uses (python-threatexchange's default is 30). */
const RADIUS = 40;

export async function run(opts: { quick?: boolean } = {}): Promise<BenchTable> {
  const runs = opts.quick ? 10 : 40;
  const { text, source } = megabyteOfText();
  const bytes = new TextEncoder().encode(text).subarray(0, MIB);
  const rows: (string | number)[][] = [];
  const notes: string[] = [];

  // ---- digests of 1 MiB
  let t = performance.now();
  const first = tlshDigest(bytes);
  const coldMs = performance.now() - t;
  if (!first) throw new Error('bench: the text was refused');
  rows.push(timed('tlshDigest, 1 MiB of text bytes', '1 MiB', runs, () => tlshDigest(bytes), MIB));
  rows.push(timed('normaliseText (NFKC, lower case, spaces)', '1 MiB', runs, () => normaliseText(text), MIB));
  rows.push(timed('textTlsh (normalise + UTF-8 + digest)', '1 MiB', runs, () => textTlsh(text), MIB));
  notes.push(`First tlshDigest call (cold JIT): ${coldMs.toFixed(1)} ms; the rows are after ${WARM_UP} warm-up calls.`);

  // ---- distances
  const rnd = mulberry32(0x7151);
  const sample = Array.from({ length: 1000 }, () => randomDigest(rnd));
  const packed = must(packTlsh(sample), 'the packed sample');
  const pairs = opts.quick ? 200_000 : 2_000_000;
  rows.push(rate('tlshDistance (two printed digests, parsed each time)', pairs / 10, (i) => tlshDistance(sample[i % 1000], sample[(i * 7 + 1) % 1000])));
  rows.push(
    rate('tlshDistanceBytes (parsed, packed)', pairs, (i) =>
      tlshDistanceBytes(packed, (i % 1000) * TLSH_BYTES, packed, ((i * 7 + 1) % 1000) * TLSH_BYTES, true),
    ),
  );

  // ---- brute-force scans
  for (const n of opts.quick ? [100_000] : [100_000, 1_000_000]) {
    const printed = Array.from({ length: n }, () => randomDigest(rnd));
    t = performance.now();
    const bank = must(packTlsh(printed), 'the packed bank');
    const buildMs = performance.now() - t;
    const queries = Array.from({ length: opts.quick ? 10 : 30 }, (_, i) => must(parseTlsh(printed[(i * 7919) % n]), 'a parsed digest'));
    for (const lengthTerm of [true, false]) {
      for (let i = 0; i < 3; i++) scanTlsh(queries[i], bank, RADIUS, { lengthTerm });
      const ms: number[] = [];
      let hits = 0;
      for (const q of queries) {
        const s = performance.now();
        hits += scanTlsh(q, bank, RADIUS, { lengthTerm }).length;
        ms.push(performance.now() - s);
      }
      ms.sort((a, b) => a - b);
      const p50 = ms[ms.length >> 1];
      rows.push([
        `scan, one query, radius ${RADIUS}, ${lengthTerm ? 'with' : 'without'} length term`,
        `${n.toLocaleString('en-US')} digests`,
        queries.length,
        p50.toFixed(2),
        `${Math.round(n / (p50 / 1000) / 1e6)} M digests/s`,
      ]);
      if (hits < queries.length) throw new Error('bench: a scan missed the stored copy of its query');
    }
    notes.push(
      `${n.toLocaleString('en-US')} digests: parsing the printed digests into the packed bank took ${buildMs.toFixed(0)} ms (${((n * TLSH_BYTES) / MIB).toFixed(1)} MiB).`,
    );
    await new Promise((done) => setTimeout(done, 0));
  }

  const cpu = cpus();
  return {
    title: 'TLSH (core/tlsh): digest of 1 MiB of text, distance, brute-force scan',
    columns: ['operation', 'input', 'runs', 'p50 (ms)', 'throughput'],
    rows,
    notes: [
      `${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpu.length} x ${cpu[0]?.model ?? 'unknown CPU'}; single-threaded; load average at the end ${loadavg()[0].toFixed(1)} (other work on the machine slows every row).`,
      `Text: ${source}.`,
      'Scan banks: random digests (a query is one of them, so each scan has at least one hit; random digests are hundreds apart, so the others rarely fall inside the radius).',
      ...notes,
    ],
  };
}

const WARM_UP = 3;

function timed(name: string, input: string, runs: number, fn: () => unknown, bytes: number): (string | number)[] {
  for (let i = 0; i < WARM_UP; i++) fn();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  const p50 = ms[ms.length >> 1];
  return [name, input, runs, p50.toFixed(2), `${(bytes / MIB / (p50 / 1000)).toFixed(0)} MB/s`];
}

function rate(name: string, count: number, fn: (i: number) => number): (string | number)[] {
  let sink = 0;
  for (let i = 0; i < 10_000; i++) sink += fn(i);
  const t = performance.now();
  for (let i = 0; i < count; i++) sink += fn(i);
  const ms = performance.now() - t;
  if (sink < 0) throw new Error('unreachable');
  return [
    name,
    'pairs of random digests',
    count.toLocaleString('en-US'),
    '',
    `${(count / (ms / 1000) / 1e6).toFixed(2)} M per second (${((ms * 1000) / count).toFixed(3)} µs each)`,
  ];
}

function randomDigest(rnd: () => number): string {
  const raw = new Uint8Array(TLSH_BYTES);
  for (let i = 0; i < TLSH_BYTES; i++) raw[i] = rnd() & 255;
  return formatTlsh(raw);
}

/** About 1 MiB of English text: the TLSH test-vector files repeated, or generated words without them. */
function megabyteOfText(): { text: string; source: string } {
  let parts: string[];
  let source: string;
  try {
    const list = conformanceFile('tlsh', 'expected', 'example_data.128.1.len.out_EXP').toString('utf8');
    const paths = list
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('\t')[1]);
    parts = paths.map((p) => conformanceFile('tlsh', p).toString('utf8'));
    source = `the ${parts.length} files of ../shared/conformance/tlsh/example_data repeated to 1 MiB`;
  } catch (e) {
    console.error(`${messageOf(e)}; using generated words instead`);
    const rnd = mulberry32(1);
    const words = Array.from({ length: 2000 }, () => Array.from({ length: 2 + (rnd() % 9) }, () => String.fromCharCode(97 + (rnd() % 26))).join(''));
    parts = [Array.from({ length: 200_000 }, (_, i) => words[rnd() % words.length] + (i % 12 === 11 ? '.\n' : ' ')).join('')];
    source = 'generated words (the conformance folder was not found)';
  }
  let text = '';
  while (text.length < MIB) for (const p of parts) text += p;
  return { text: text.slice(0, MIB), source };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  run({ quick: process.argv.includes('--quick') }).then((table) => console.log(formatTable(table)));
}
