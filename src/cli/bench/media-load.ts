/**
 * Images under load (issue 13 items 5 and 7), in one run:
 *
 * 1. A 1920x1080 JPEG: sharp's decode alone, then the full hash after it (PDQ, blockhash, md5,
 *    sha256) on the calling thread, and the same through the hash pool (a job's latency, the
 *    pixels moved to a thread).
 * 2. A real node process (dist/, as `npm start` runs it) on a database of N stored PDQ hashes
 *    (default 1 M): 16 clients post the JPEG to /v1/match/media for D seconds: first to the code
 *    before issue 13 (commit c001d56, a node of its own on a database of its own schema with the
 *    same kind of N hashes: ./before.ts), then to today's with the hashes on the main thread
 *    (HASH_THREADS=0), with the pool and its knobs (HASH_THREAD_NICE, IMAGE_CONCURRENCY), then plain
 *    matching (?robust=false) with and without the pool; meanwhile GET /health and a single-hash
 *    POST /v1/match are timed from a process of their own, and the node's peak resident set is read
 *    (VmHWM).
 *
 *   npm run bench -- --only media-load            # 1 M hashes, 30 s a mode
 *   npm run bench -- --only media-load --quick    # 100 k hashes, 8 s a mode
 *   BENCH_MEDIA_MODES=0,2 npm run bench -- --only media-load      # some of the modes (their places in the list: 0 the code before, 1 main thread, 2 pool, ...)
 *   BENCH_MEDIA_LIST='[{"label":"a","env":{"HASH_THREAD_NICE":"0"}},{"label":"b","env":{}}]' ...   # modes of your own
 *   BENCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' ...     # arguments to the node's command line
 *   BENCH_MEDIA_BEFORE=<commit> ... (default c001d56), or =none   # the code of the "before" row
 *   BENCH_MEDIA_LIST='[{"label":"before","before":true}, ...]'    # a mode of your own on the code before
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { blockhash } from '../../core/blockhash';
import { buildHashKernels } from '../../core/kernels';
import { pdqFromRgba } from '../../core/pdq';
import { inThread, type Pixels } from '../../core/pixel-tasks';
import { uniform as rng } from '../../core/prng';
import { nodeDigester } from '../../runtime/node/digest';
import { HashPool } from '../../runtime/node/hash-pool';
import { SharpImageDecoder } from '../../runtime/node/image';
import { buildNode } from '../build';
import { BEFORE_ISSUE_13, type BeforeCode, beforeArgs, fillBefore, prepareBefore } from './before';
import { fill, waitReady } from './http';
import { syntheticJpeg } from './synthetic';
import type { BenchTable } from './types';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const CLIENTS = 16;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs: number[], p: number) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * p) - 1)] : NaN);
const ms = (x: number) => x.toFixed(1);

/** A step of the first table: `fn` timed on a fresh input made by `setup` outside the timing. */
interface Step<T> {
  what: string;
  setup: () => T;
  fn: (input: T) => unknown;
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/**
 * Medians over `rounds` of wall time and of the process's CPU time (all its threads: sharp's, the
 * pool's, V8's), each step run in blocks of 5 back to back (its own garbage, not the others'), the
 * blocks of the steps taking turns so that every step sees the same machine: on a machine loaded by
 * other work the wall times swell with the load, the CPU times much less.
 */
async function timeSteps(steps: Step<Pixels>[], rounds: number): Promise<{ wall: number; cpu: number }[]> {
  const wall: number[][] = steps.map(() => []);
  const cpu: number[][] = steps.map(() => []);
  const block = 5;
  for (let i = 0; i < rounds; i += block) {
    for (const [k, step] of steps.entries()) {
      for (let j = 0; j < block; j++) {
        const input = step.setup();
        const c = cpuMs();
        const t = performance.now();
        await step.fn(input);
        wall[k].push(performance.now() - t);
        cpu[k].push(cpuMs() - c);
      }
    }
  }
  return steps.map((_, k) => ({ wall: median(wall[k]), cpu: median(cpu[k]) }));
}

async function decodeVsHash(jpeg: Uint8Array, rounds: number): Promise<BenchTable> {
  const load = loadavg()[0].toFixed(1);
  const decoder = new SharpImageDecoder({ maxPixels: 50_000_000 });
  const kernels = buildHashKernels();
  const here = inThread(kernels);
  const pool = new HashPool({ threads: 2 });
  try {
    const img = await decoder.decode(jpeg);
    const pixels = () => ({ rgba: img.rgba.slice(), width: img.width, height: img.height });
    const same = () => img;
    // Warm-up: JIT, the pool's threads and their kernels.
    for (let i = 0; i < 5; i++)
      await Promise.all([
        here.run('imageHashes', pixels(), { dihedral: true, robust: 'enrol' }),
        pool.pixels.run('imageHashes', pixels(), { dihedral: false }),
        pool.digests.digest(jpeg),
        pool.images(50_000_000).hash(jpeg, { dihedral: false }),
        decoder.decode(jpeg),
      ]);
    // As the node runs an upload (services/hashing.ts, with the pool).
    const uploads = pool.images(50_000_000);
    const steps: Step<Pixels>[] = [
      { what: 'decode alone (sharp, to RGBA)', setup: same, fn: () => decoder.decode(jpeg) },
      { what: '  PDQ alone (WebAssembly kernels, calling thread)', setup: same, fn: (p) => pdqFromRgba(p.rgba, p.width, p.height, kernels.pdq) },
      { what: '  blockhash alone', setup: same, fn: (p) => blockhash({ ...p, format: 'raw' }, kernels.blockhash) },
      { what: '  md5 and sha256 of the bytes (node:crypto)', setup: same, fn: () => nodeDigester.digest(jpeg) },
      {
        what: 'full hash after decode: PDQ, blockhash, md5, sha256, one after the other (calling thread)',
        setup: same,
        fn: async (p) => [await here.run('imageHashes', p, { dihedral: false }), await nodeDigester.digest(jpeg)],
      },
      {
        what: 'the same as hash pool jobs (pixels and digests side by side; latency of the jobs)',
        setup: pixels,
        fn: (p) => Promise.all([pool.pixels.run('imageHashes', p, { dihedral: false }), pool.digests.digest(jpeg)]),
      },
      {
        what: 'as the node runs an upload (hash pool): one job, the bytes decoded, digested and hashed in a thread',
        setup: same,
        fn: () => uploads.hash(jpeg, { dihedral: false }),
      },
      { what: 'with the 8 dihedral variants: PDQ, blockhash (calling thread)', setup: same, fn: (p) => here.run('imageHashes', p, { dihedral: true }) },
    ];
    // The robust rows in a loop of their own (their garbage would land in the plain steps' times).
    const robust: Step<Pixels>[] = [
      steps[0],
      {
        what: 'robust query (POST /v1/match/media by default): the variants and the regions (calling thread)',
        setup: same,
        fn: (p) => here.run('imageHashes', p, { dihedral: true, robust: 'query' }),
      },
      {
        what: 'robust enrolment (POST /v1/hashes/media): the variants, the regions and the crops (calling thread)',
        setup: same,
        fn: (p) => here.run('imageHashes', p, { dihedral: true, robust: 'enrol' }),
      },
    ];
    const robustRounds = Math.max(5, Math.round(rounds / 3));
    const rows = (list: Step<Pixels>[], times: { wall: number; cpu: number }[], decode: { wall: number; cpu: number }) =>
      list.map((step, k) =>
        k === 0
          ? [step.what, ms(decode.wall), '', ms(decode.cpu), '']
          : [step.what, ms(times[k].wall), (times[k].wall / decode.wall).toFixed(2), ms(times[k].cpu), (times[k].cpu / decode.cpu).toFixed(2)],
      );
    const plain = await timeSteps(steps, rounds);
    const robustTimes = await timeSteps(robust, robustRounds);
    return {
      title: 'Media: a 1920x1080 JPEG, decode alone vs the hashes after it',
      columns: ['step', 'median (ms)', 'x decode', 'CPU, all threads (ms)', 'x decode CPU'],
      rows: [...rows(steps, plain, plain[0]), ...rows(robust, robustTimes, robustTimes[0]).slice(1)],
      notes: [
        `${rounds} rounds of each step (in blocks of 5, the steps' blocks taking turns) after 5 of warm-up; the robust rows then ${robustRounds} rounds of their own, each with a decode (their x decode is against it); the synthetic photograph-like JPEG of src/cli/bench/synthetic.ts (${Math.round(jpeg.byteLength / 1024)} KiB). The pool's figures include moving the pixels to a thread and back the hashes; the pixels are copied outside the timing (a pool empties the caller's array); the calling thread's steps read the same decoded pixels. With the pool the node runs an upload as one job (services/hashing.ts): a copy of the bytes goes to a thread, sharp decodes there, and the digests and pixel hashes run there on sharp's buffer; what follows the decode is that row less the decode. CPU: the process's user + system time over the step (node:process cpuUsage, all threads; ~1 ms resolution on Linux). Load average (1 min) at the start: ${load}.`,
      ],
    };
  } finally {
    await pool.close();
  }
}

interface ModeResult {
  label: string;
  ok: number;
  busy: number;
  failed: number;
  seconds: number;
  p50: number;
  p99: number;
  healthP99: number;
  matchP99: number;
  idleMb: number;
  peakMb: number;
  /** The machine's 1-minute load average when the mode ended. */
  load: number;
}

const statusKb = (pid: number, field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);

/**
 * GET /health and a single-hash POST /v1/match, one after another with 50 ms between, for `seconds`,
 * timed from a process of their own: the clients' process is busy sending uploads, and its event
 * loop's delays would count in the probes' times.
 */
async function probeProcess(base: string, authorization: string, matchBody: string, seconds: number): Promise<{ health: number[]; match: number[] }> {
  const script = `
    const { base, authorization, matchBody, seconds } = JSON.parse(process.env.PROBE);
    const end = performance.now() + seconds * 1000;
    const timed = async (path, init) => {
      const t = performance.now();
      const r = await fetch(base + path, init);
      await r.arrayBuffer();
      if (r.status !== 200) throw new Error(path + ' answered ' + r.status);
      return performance.now() - t;
    };
    const loop = async (path, init) => {
      const out = [];
      while (performance.now() < end) {
        out.push(await timed(path, init));
        await new Promise((r) => setTimeout(r, 50));
      }
      return out;
    };
    const [health, match] = await Promise.all([
      loop('/health'),
      loop('/v1/match', { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: matchBody }),
    ]);
    process.stdout.write(JSON.stringify({ health, match }));
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, PROBE: JSON.stringify({ base, authorization, matchBody, seconds }) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const code = await new Promise((r) => child.once('exit', r));
  if (code !== 0) throw new Error(`the probe process exited with ${code}`);
  const parsed: { health: number[]; match: number[] } = JSON.parse(out);
  return parsed;
}

/**
 * A mode of the load run: the node's settings, the query of the uploads (robust=false: the plain
 * hashes), and whether it is the code before issue 13 (its own node and database) or today's.
 */
interface Mode {
  label: string;
  env: Record<string, string>;
  query?: string;
  before?: boolean;
}

/** Where a mode's node comes from: today's build on `url`, or the code before on its own database. */
interface Nodes {
  url: string;
  before?: { code: BeforeCode; url: string };
}

async function underLoad(
  { label, env: extraEnv, query = '', before }: Mode,
  dir: string,
  nodes: Nodes,
  jpeg: Uint8Array<ArrayBuffer>,
  seconds: number,
): Promise<ModeResult> {
  const port = 20000 + Math.floor(Math.random() * 2000);
  const base = `http://127.0.0.1:${port}`;
  const started = Date.now();
  const nodeArgs = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  if (before && !nodes.before) throw new Error('a mode on the code before, without that code');
  const args = [...nodeArgs, ...(before && nodes.before ? beforeArgs(nodes.before.code, 'src/main.node.ts') : [join(ROOT, 'dist/main.node.js')])];
  const child = spawn(process.execPath, args, {
    cwd: dir,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: before && nodes.before ? nodes.before.url : nodes.url,
      PUBLIC_URL: base,
      DEV_AUTH: '1',
      NODE_ENV: 'development',
      RATE_LIMIT_PER_SECOND: '0',
      NODE_SECRET_FILE: join(dir, before ? 'secret-before' : 'secret'),
      TREE_HEAD_INTERVAL_MS: '0',
      LOG_LEVEL: 'warn',
      // Every client's request is admitted (the default queue is 8).
      IMAGE_QUEUE: String(CLIENTS),
      ...extraEnv,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code, signal) => reject(new Error(`the node of mode "${label}" exited (${signal ?? `code ${code}`}) before it was ready`))),
  );
  exited.catch(() => {}); // only read while waiting for the node to be ready
  try {
    await Promise.race([waitReady(base, started, 300_000, () => child.exitCode !== null || child.signalCode !== null), exited]);
    const pid = child.pid ?? 0;
    const auth = { authorization: 'Dev bench-partner partner' };
    const post = () => fetch(`${base}/v1/match/media${query}`, { method: 'POST', headers: { ...auth, 'content-type': 'image/jpeg' }, body: jpeg });
    const matchBody = JSON.stringify({ hashes: [{ type: 'pdq', value: createHash('sha256').update('probe').digest('hex') }] });
    const load = async (s: number, record: boolean) => {
      const end = performance.now() + s * 1000;
      const lat: number[] = [];
      let ok = 0;
      let busy = 0;
      let failed = 0;
      const client = async () => {
        while (performance.now() < end) {
          const t = performance.now();
          try {
            const r = await post();
            await r.arrayBuffer();
            if (r.status === 200) ok++, lat.push(performance.now() - t);
            else if (r.status === 503) busy++;
            else failed++;
          } catch {
            failed++;
          }
        }
      };
      const t0 = performance.now();
      const [probes] = await Promise.all([probeProcess(base, auth.authorization, matchBody, s), ...Array.from({ length: CLIENTS }, client)]);
      const took = (performance.now() - t0) / 1000;
      return record
        ? { ok, busy, failed, seconds: took, p50: pct(lat, 0.5), p99: pct(lat, 0.99), healthP99: pct(probes.health, 0.99), matchP99: pct(probes.match, 0.99) }
        : null;
    };
    const idleMb = statusKb(pid, 'VmRSS') / 1024;
    await load(2, false); // warm-up: JIT, the threads' kernels; not counted
    const r = await load(seconds, true);
    if (!r) throw new Error('no figures');
    return { label, ...r, idleMb, peakMb: statusKb(pid, 'VmHWM') / 1024, load: loadavg()[0] };
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await gone;
    }
  }
}

/** The first part alone (`npm run bench -- --only media-hash`). */
export async function runHash(opts: { quick: boolean }): Promise<BenchTable> {
  return decodeVsHash(new Uint8Array(await syntheticJpeg(1920, 1080)), opts.quick ? 15 : 60);
}

export async function run(opts: { quick: boolean; sizes?: number[] }): Promise<BenchTable[]> {
  const jpeg = new Uint8Array(await syntheticJpeg(1920, 1080));
  const first = await decodeVsHash(jpeg, opts.quick ? 15 : 60);
  const n = opts.sizes?.[0] ?? (opts.quick ? 100_000 : 1_000_000);
  const seconds = opts.quick ? 8 : 30;
  const dir = mkdtempSync(join(tmpdir(), 'mhn-bench-media-'));
  const url = `file:${join(dir, 'node.db')}`;
  try {
    const cores = availableParallelism();
    const beforeCommit = process.env.BENCH_MEDIA_BEFORE ?? BEFORE_ISSUE_13;
    const theIssues = beforeCommit === BEFORE_ISSUE_13;
    const list: Mode[] = [
      {
        label: theIssues
          ? `the code before issue 13 (${beforeCommit}): PDQ, blockhash-core, md5, sha256 on the main thread; the image as sent`
          : `the code at ${beforeCommit}`,
        env: {},
        before: true,
      },
      { label: 'hashes on the main thread (HASH_THREADS=0)', env: { HASH_THREADS: '0' } },
      { label: `hash pool (default: ${cores} threads at nice +10, IMAGE_CONCURRENCY=${Math.max(2, cores)})`, env: {} },
      { label: "hash pool, its threads at the process's priority (HASH_THREAD_NICE=0)", env: { HASH_THREAD_NICE: '0' } },
      { label: 'hash pool, one image at a time (IMAGE_CONCURRENCY=1)', env: { IMAGE_CONCURRENCY: '1' } },
      { label: `hash pool, ${2 * cores} images at once (IMAGE_CONCURRENCY=${2 * cores})`, env: { IMAGE_CONCURRENCY: String(2 * cores) } },
      { label: 'plain matching (?robust=false): hash pool, defaults', env: {}, query: '?robust=false' },
      { label: 'plain matching (?robust=false): hashes on the main thread', env: { HASH_THREADS: '0' }, query: '?robust=false' },
    ];
    // Read before the fill, so that a mistake in them costs nothing.
    if (process.env.BENCH_MEDIA_LIST) {
      const own: Mode[] = JSON.parse(process.env.BENCH_MEDIA_LIST);
      list.splice(0, list.length, ...own.map((m) => ({ ...m, env: m.env ?? {} })));
    }
    const only = process.env.BENCH_MEDIA_MODES ? process.env.BENCH_MEDIA_MODES.split(',').map(Number) : null;
    if (only) for (let k = list.length - 1; k >= 0; k--) if (!only.includes(k)) list.splice(k, 1);
    const beforeNote: string[] = [];
    const nodes: Nodes = { url };
    if (beforeCommit === 'none') for (let k = list.length - 1; k >= 0; k--) if (list[k].before) list.splice(k, 1);
    if (list.some((m) => m.before)) {
      try {
        const code = await prepareBefore(beforeCommit);
        nodes.before = { code, url: `file:${join(dir, 'before.db')}` };
        await fillBefore(code, nodes.before.url, n, rng(7));
      } catch (e) {
        // Today's figures are still worth having: the row goes, and the note says why.
        for (let k = list.length - 1; k >= 0; k--) if (list[k].before) list.splice(k, 1);
        beforeNote.push(`No row for the code at ${beforeCommit}: ${(e as Error).message}`);
      }
    }
    if (!list.length) throw new Error('no mode to run (BENCH_MEDIA_MODES, BENCH_MEDIA_LIST)');
    await buildNode();
    await fill(url, n, rng(7));
    const modes: ModeResult[] = [];
    for (const m of [...list]) {
      try {
        modes.push(await underLoad(m, dir, nodes, jpeg, seconds));
      } catch (e) {
        // The old tree is the likelier to fail (run from its sources); its row goes with a note.
        if (!m.before) throw e;
        list.splice(list.indexOf(m), 1);
        beforeNote.push(`No row for the code at ${beforeCommit}: ${(e as Error).message}`);
      }
    }
    const rate = (k: number) => (k < 0 ? Number.NaN : modes[k].ok / modes[k].seconds);
    const ratio = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a'); // no such row in the run
    // Each row against the main-thread row of today's code with the same matching (robust or plain),
    // and against the code before issue 13.
    const mainThread = (k: number) => rate(list.findIndex((m) => !m.before && m.env.HASH_THREADS === '0' && m.query === list[k].query));
    const beforeRate = rate(list.findIndex((m) => m.before));
    const second: BenchTable = {
      title: `Media under load: POST /v1/match/media, ${CLIENTS} clients, 1920x1080 JPEG, ${n.toLocaleString('en')} stored PDQ hashes`,
      columns: [
        'mode',
        'answers/s (200)',
        theIssues ? 'x before issue 13' : `x ${beforeCommit}`,
        'x main thread (same matching)',
        'p50 (ms)',
        'p99 (ms)',
        'busy (503)',
        'other errors',
        '/health p99 (ms)',
        '/v1/match p99 (ms)',
        'RSS idle (MB)',
        'peak RSS (MB)',
        'load avg',
      ],
      rows: modes.map((m, k) => [
        m.label,
        (m.ok / m.seconds).toFixed(1),
        ratio(m.ok / m.seconds / beforeRate),
        list[k].before ? '' : ratio(m.ok / m.seconds / mainThread(k)),
        ms(m.p50),
        ms(m.p99),
        m.busy,
        m.failed,
        ms(m.healthP99),
        ms(m.matchP99),
        Math.round(m.idleMb),
        Math.round(m.peakMb),
        m.load.toFixed(1),
      ]),
      notes: [
        `${seconds} s a mode after 2 s of warm-up, one after the other in this run, on the same database (the code before: on its own); the clients run in the bench's process, the probes in one of their own, on the same machine (they share its ${cores} cores with the node). IMAGE_QUEUE=${CLIENTS} so every client's upload is admitted; IMAGE_CONCURRENCY at its default (the core count, at least 2) but where the mode says. The uploads are matched robustly (the route's default: dihedral variants and regions, core/robust) but in the plain rows (?robust=false: the image as sent). DEV_AUTH (no token checks).`,
        theIssues
          ? `The code before issue 13 (${beforeCommit}, the first round's last commit, on which the issue measured its "before", then with a 3000x2000 JPEG): a node of its own from that commit's sources and lockfile (src/cli/bench/before.ts, kept in .bench-cache/), run from its sources with its own tsx as its npm start did (its RSS includes tsx's loader thread), on a database of its own schema filled with the same kind of ${n.toLocaleString('en')} PDQ hashes; its /v1/match/media hashes PDQ, blockhash (blockhash-core), md5 and sha256 on the main thread with no bound on the decodes at once, and matches the image as sent (it had no robust matching). "x main thread": today's code with HASH_THREADS=0 and the same matching.`
          : `The code at ${beforeCommit}: a node of its own from that commit's sources and lockfile (src/cli/bench/before.ts), run with its own tsx, on a database of its own schema. "x main thread": today's code with HASH_THREADS=0 and the same matching.`,
        ...beforeNote,
        "Probes: GET /health and POST /v1/match with one PDQ hash, each one after another with 50 ms between, for the whole run, from a process of their own (not the clients'). Peak RSS: the node process's VmHWM (its start, with the index load, included); idle: VmRSS once ready. Load avg: the machine's 1-minute load average as the mode ended (this process, the node and anything else running).",
      ],
    };
    return [first, second];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
