/**
 * `npm run bench`: every benchmark, in one run, printed and written to bench-results/latest.md with
 * the machine and the date. The README's figures come from here.
 *
 *   npm run bench                           # all, default sizes
 *   npm run bench -- --only index,pdq       # some: index, pdq, merkle, audit, video, vpdq, stills, http, ledger, ledger-alone, blockhash, tlsh, documents, edge, startup, robust, federation, media-load, media-hash
 *   npm run bench -- --quick                # smaller and fewer: a smoke run
 *   npm run bench -- --only index --sizes 10000000   # the 10 M index run (about 3 GB)
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { formatTable, type BenchTable } from './bench/types';
import { messageOf } from './args';

/** One table, or several (each its own section of the results file). */
type Bench = (opts: { quick: boolean; sizes?: number[] }) => Promise<BenchTable | BenchTable[]>;

const BENCHES: Record<string, () => Promise<Bench>> = {
  index: async () => {
    const m = await import('./bench/index');
    return (o) => m.run({ sizes: o.sizes ?? (o.quick ? [100_000] : [100_000, 1_000_000]), quick: o.quick });
  },
  pdq: async () => (await import('./bench/pdq')).run,
  merkle: async () => {
    const m = await import('./bench/merkle');
    return (o) => m.run({ quick: o.quick });
  },
  audit: async () => {
    const m = await import('./bench/audit' as string);
    return (o) => m.run({ quick: o.quick });
  },
  video: async () => {
    const m = await import('./bench/video' as string);
    return (o) => m.run({ quick: o.quick });
  },
  vpdq: async () => {
    const m = await import('./bench/vpdq' as string);
    return (o) => m.run({ quick: o.quick });
  },
  stills: async () => {
    const m = await import('./bench/stills' as string);
    return (o) => m.run({ quick: o.quick });
  },
  http: async () => {
    const m = await import('./bench/http' as string);
    return (o) => m.run({ quick: o.quick });
  },
  ledger: async () => {
    const m = await import('./bench/ledger');
    return (o) => m.run({ quick: o.quick });
  },
  'ledger-alone': async () => (await import('./bench/ledger-alone')).run,
  blockhash: async () => (await import('./bench/blockhash')).run,
  tlsh: async () => (await import('./bench/tlsh')).run,
  documents: async () => (await import('./bench/documents')).run,
  edge: async () => (await import('./bench/edge')).run,
  startup: async () => (await import('./bench/startup')).run,
  robust: async () => {
    const m = await import('./bench/robust');
    return (o) => m.run({ quick: o.quick, sizes: o.sizes });
  },
  federation: async () => {
    const m = await import('./bench/federation');
    return (o) => m.run({ quick: o.quick, sizes: o.sizes });
  },
  'media-load': async () => (await import('./bench/media-load')).run,
  'media-hash': async () => (await import('./bench/media-load')).runHash,
};

const LATEST = 'bench-results/latest.md';

/**
 * The new sections, and (after a partial run, `--only`) the earlier file's sections this run did
 * not replace, each still under the run line it came from: the file always holds the latest table of
 * every benchmark, and says when and how each was made.
 */
function merged(sections: string[], everything: boolean): string {
  const now = sections.join('\n\n') + '\n';
  if (everything || !existsSync(LATEST)) return now;
  const fresh = new Set(sections.slice(1).map(titleOf));
  // Earlier runs: a "Run:" line, then its sections ("### title").
  const kept: string[] = [];
  for (const run of readFileSync(LATEST, 'utf8')
    .replace(/^# Benchmarks\n\n/, '')
    .split(/\n(?=Run: )/)) {
    const [head, ...parts] = run.split(/\n(?=### )/);
    const still = parts.filter((p) => !fresh.has(titleOf(p)));
    if (still.length) kept.push([head.trim(), ...still.map((p) => p.trim())].join('\n\n'));
  }
  return kept.length ? `${now}\n${kept.join('\n\n')}\n` : now;
}

function titleOf(section: string): string {
  return section.trim().split('\n')[0];
}

async function main() {
  const { values } = parseArgs({ options: { only: { type: 'string' }, quick: { type: 'boolean' }, sizes: { type: 'string' } } });
  const asked = values.only ? values.only.split(',') : Object.keys(BENCHES);
  // media-load's run starts with media-hash's table.
  const names = asked.includes('media-load') ? asked.filter((n) => n !== 'media-hash') : asked;
  const unknown = names.filter((n) => !BENCHES[n]);
  if (unknown.length) throw new Error(`unknown bench ${unknown.join(', ')}; choose from ${Object.keys(BENCHES).join(', ')}`);
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}`;
  const sections = [
    `# Benchmarks\n\nRun: \`npm run bench${process.argv.slice(2).length ? ' -- ' + process.argv.slice(2).join(' ') : ''}\`, ${new Date().toISOString()}, on ${machine}.`,
  ];
  for (const name of names) {
    let bench: Bench;
    try {
      bench = await BENCHES[name]();
    } catch (e) {
      const msg = `### ${name}\n\nnot run: ${messageOf(e).split('\n')[0]}`;
      console.log(msg + '\n');
      sections.push(msg);
      continue;
    }
    const tables = [await bench({ quick: !!values.quick, sizes: values.sizes?.split(',').map(Number) })].flat();
    for (const table of tables) {
      const text = formatTable(table);
      console.log(text + '\n');
      sections.push(text);
    }
  }
  mkdirSync('bench-results', { recursive: true });
  writeFileSync(LATEST, merged(sections, !values.only));
  console.log(`written to ${LATEST}`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
