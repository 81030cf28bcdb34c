/**
 * The ledger under load, through the HTTP API of real node processes (DESIGN §9, issue 10):
 *
 * 1. a bank filled through the API: two clients share batches of 1000 new PDQ hashes back to back
 *    until it holds N (1 M; --quick 100 k), while a prober measures GET /health and a single-hash
 *    POST /v1/match; shares per second near 10 k and near N stored;
 * 2. shares per second with 1, 8 and 32 writers at once (one new hash a request);
 * 3. the lag between instances: a second process on the same database, a hash shared through the
 *    first, the time until the second matches it (and a retraction until it stops);
 * 4. single-hash match throughput of one instance against two behind one port (INSTANCES=2).
 *
 *   npm run bench -- --only ledger            # N = 1 M
 *   npm run bench -- --only ledger --quick    # N = 100 k
 *   BENCH_LEDGER_N=300000 BENCH_LEDGER_FILL_ONLY=1 BENCH_CPU_PROFILE_DIR=/tmp/prof npm run bench -- --only ledger
 *     # another N, the fill alone, and CPU profiles of the first node (one per thread, written when it stops);
 *     # BENCH_NODE_ARGS='--import ./x.mjs' adds arguments to the first node's command line
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { openDatabase } from '../../runtime/node/database';
import { NO_FOLLOWER } from '../../services/change-follower';
import { createClient } from '../../services/clients';
import { SqlAuthStore } from '../../storage/auth-store';
import { SqlLedger } from '../../storage/ledger';
import { requestToken } from '../oauth';
import { buildNode } from '../build';
import { autocannonLoad, hasWrk, wrkLoad } from './load';
import type { BenchTable } from './types';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

interface Proc {
  base: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

let built: Promise<void> | undefined;

async function startNode(env: Record<string, string>, nodeArgs: string[] = []): Promise<Proc> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const base = `http://127.0.0.1:${port}`;
  // The production build, as `npm start` runs it (built once per bench run).
  await (built ??= buildNode());
  const child = spawn(process.execPath, [...nodeArgs, join(ROOT, 'dist/main.node.js')], {
    cwd: ROOT,
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), PUBLIC_URL: base, RATE_LIMIT_PER_SECOND: '0', NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const deadline = Date.now() + 300_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the node exited (${child.exitCode})`);
    const status = await fetch(`${base}/health`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) break;
    if (Date.now() > deadline) throw new Error('the node did not become ready');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    base,
    child,
    stop: () =>
      new Promise((r) => {
        if (child.exitCode !== null) return r();
        child.once('exit', () => r());
        child.kill('SIGTERM');
      }),
  };
}

async function admit(databaseUrl: string): Promise<{ id: string; jwk: JWK }> {
  const db = await openDatabase(databaseUrl);
  try {
    const { publicKey, privateKey } = await generateKeyPair('EdDSA', { extractable: true });
    const registry = {
      auth: new SqlAuthStore(db.reader),
      ledger: new SqlLedger(db.writer),
      follower: NO_FOLLOWER,
      now: Date.now,
      newId: () => crypto.randomUUID(),
    };
    const v = await createClient(registry, 'bench', { role: 'partner', name: `bench ${Date.now()}`, jwk: await exportJWK(publicKey) });
    return { id: v.id, jwk: { ...(await exportJWK(privateKey)), kid: v.keys[0].kid, alg: 'EdDSA' } };
  } finally {
    await db.close();
  }
}

const hex = () => randomBytes(32).toString('hex');
const q = (xs: number[], p: number) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] : NaN);
const ms = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '-');
const fmt = (x: number) => Math.round(x).toLocaleString('en');

/** Probes /health and a single-hash /v1/match every `everyMs` until stopped; latencies by phase. */
function prober(base: string, headers: Record<string, string>, everyMs: number) {
  const health: number[] = [];
  const match: number[] = [];
  let running = true;
  const done = (async () => {
    while (running) {
      let t = performance.now();
      await (await fetch(`${base}/health`)).arrayBuffer();
      health.push(performance.now() - t);
      t = performance.now();
      const r = await fetch(`${base}/v1/match`, { method: 'POST', headers, body: JSON.stringify({ hashes: [{ type: 'pdq', value: hex() }] }) });
      await r.arrayBuffer();
      if (r.status !== 200) throw new Error(`match answered ${r.status} during the load`);
      match.push(performance.now() - t);
      await new Promise((r2) => setTimeout(r2, everyMs));
    }
  })();
  return {
    /** The latencies since the last call, and forget them. */
    take() {
      const out = { health: health.splice(0), match: match.splice(0) };
      return out;
    },
    async stop() {
      running = false;
      await done;
    },
  };
}

/** The loop probe's summary of the window the bench opened (SIGUSR2) at the fill's start, closed now; null where it cannot read the thread's CPU time. */
async function loopTurns(
  p: Proc,
  file: string,
): Promise<{ turns: number; p50: number; p99: number; p999: number; max: number; over10: number; over20: number; over50: number } | null> {
  p.child.kill('SIGUSR2');
  for (let i = 0; i < 50; i++) {
    if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
    await new Promise((r) => setTimeout(r, 100));
  }
  return null;
}

function table(N: number, rows: (string | number)[][], notes: string[]): BenchTable {
  return {
    title: `Ledger: writes at scale, reads during writes, several instances (${fmt(N)} hashes)`,
    columns: ['what', 'took', 'rate', 'detail', '/health p50 / p99 (ms)', 'single-hash /v1/match p50 / p99 (ms)'],
    rows,
    notes,
  };
}

export async function run(opts: { quick?: boolean } = {}): Promise<BenchTable> {
  const N = Number(process.env.BENCH_LEDGER_N) || (opts.quick ? 100_000 : 1_000_000);
  const fillOnly = process.env.BENCH_LEDGER_FILL_ONLY === '1';
  const profileDir = process.env.BENCH_CPU_PROFILE_DIR;
  const dir = mkdtempSync(join(tmpdir(), 'mhn-bench-ledger-'));
  const DATABASE_URL = `file:${join(dir, 'node.db')}`;
  const env = { DATABASE_URL, NODE_SECRET_FILE: join(dir, 'node.secret') };
  const rows: (string | number)[][] = [];
  const notes: string[] = [];
  const procs: Proc[] = [];
  try {
    const nodeArgs = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
    // The first node runs with the loop probe (loop-probe.mjs): its main thread's CPU time per turn of the event loop during the fill.
    const probeOut = join(dir, 'loop-probe.json');
    const a = await startNode({ ...env, LOOP_PROBE_OUT: probeOut }, [
      '--import',
      pathToFileURL(join(ROOT, 'src/cli/bench/loop-probe.mjs')).href,
      ...nodeArgs,
      ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
    ]);
    procs.push(a);
    const partner = await admit(DATABASE_URL);
    const token = async (base: string) => (await requestToken(base, partner.id, partner.jwk)).access_token;
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${await token(a.base)}` };

    // ---- 1. the bank, filled through the API by two clients
    const probe = prober(a.base, headers, 10);
    a.child.kill('SIGUSR2');
    const loadBefore = loadavg()[0];
    let stored = 0;
    const windows: { at: number; n: number; ms: number; health: number[]; match: number[] }[] = [];
    const rate = (w: { n: number; ms: number }) => (w.n * 1000) / w.ms;
    let windowStart = performance.now();
    let windowFrom = 0;
    const windowSize = N / 20;
    const t0 = performance.now();
    // Each 1000-hash share's time from request to answer (the checkpoints land on some of them).
    const shareMs: number[] = [];
    const client = async () => {
      while (stored < N) {
        stored += 1000;
        const body = JSON.stringify({ items: Array.from({ length: 1000 }, () => ({ type: 'pdq', value: hex(), labels: ['recruitment'] })) });
        const ts = performance.now();
        const r = await fetch(`${a.base}/v1/hashes`, { method: 'POST', headers, body });
        await r.arrayBuffer();
        shareMs.push(performance.now() - ts);
        if (r.status !== 201) throw new Error(`share answered ${r.status}`);
        if (stored - windowFrom >= windowSize) {
          const now = performance.now();
          windows.push({ at: stored, n: stored - windowFrom, ms: now - windowStart, ...probe.take() });
          windowStart = now;
          windowFrom = stored;
        }
      }
    };
    await Promise.all([client(), client()]);
    const fillS = (performance.now() - t0) / 1000;
    await probe.stop();
    const turns = await loopTurns(a, probeOut);
    const loadAfter = loadavg()[0];
    const first = windows[0];
    const last = windows[windows.length - 1];
    const all = { health: windows.flatMap((w) => w.health), match: windows.flatMap((w) => w.match) };
    // Near N over its last fifth as well: a checkpoint comes every 55 or so shares, a window is 50,
    // so one window holds one checkpoint or none and its rate alone swings by ±15 %.
    const tail = windows.slice(-4);
    const tailN = tail.reduce((a, w) => a + w.n, 0);
    const tailRate = rate({ n: tailN, ms: tail.reduce((a, w) => a + w.ms, 0) });
    rows.push([
      `fill to ${fmt(N)} through POST /v1/hashes (2 clients, 1000 a batch)`,
      `${fillS.toFixed(0)} s`,
      `${fmt(N / fillS)} hashes/s`,
      `${fmt(rate(first))} near ${fmt(first.at)}, ${fmt(rate(last))} near ${fmt(last.at)} (${((rate(last) / rate(first)) * 100).toFixed(0)} %); the last ${fmt(tailN)}: ${fmt(tailRate)} (${((tailRate / rate(first)) * 100).toFixed(0)} %)`,
      `${ms(q(all.health, 0.5))} / ${ms(q(all.health, 0.99))}`,
      `${ms(q(all.match, 0.5))} / ${ms(q(all.match, 0.99))}`,
    ]);
    rows.push([
      'a 1000-hash share during the fill (2 in flight): time to its answer',
      '',
      `${fmt(shareMs.length)} shares`,
      `p50 ${ms(q(shareMs, 0.5))}, p99 ${ms(q(shareMs, 0.99))}, max ${ms(Math.max(...shareMs))} ms`,
      '',
      '',
    ]);
    if (turns) {
      rows.push([
        'main thread: CPU time per turn of the event loop during the fill (loop-probe.mjs)',
        '',
        `${fmt(turns.turns)} turns`,
        `p50 ${ms(turns.p50)}, p99 ${ms(turns.p99)}, p99.9 ${ms(turns.p999)}, max ${ms(turns.max)} ms; over 10 ms: ${turns.over10}, over 20 ms: ${turns.over20}, over 50 ms: ${turns.over50}`,
        '',
        '',
      ]);
    }
    notes.push(
      `The machine's load average (1 min) at the start and the end of the fill: ${loadBefore.toFixed(1)} / ${loadAfter.toFixed(1)} (2 cores; above 2, other processes share them: the wall-clock latencies grow with it, the loop probe's CPU times do not).`,
      `fill: ${windows.map((w) => `${fmt(w.at)}: ${fmt(rate(w))}/s (p99 health ${ms(q(w.health, 0.99))}, match ${ms(q(w.match, 0.99))} ms)`).join('; ')}`,
    );

    if (fillOnly) return table(N, rows, notes);

    // ---- 2. writers at once: one new hash a request
    for (const writers of [1, 8, 32]) {
      const lat: number[] = [];
      let n = 0;
      const until = performance.now() + (opts.quick ? 4000 : 10_000);
      const w0 = performance.now();
      const probe2 = prober(a.base, headers, 10);
      await Promise.all(
        Array.from({ length: writers }, async () => {
          while (performance.now() < until) {
            const t = performance.now();
            const r = await fetch(`${a.base}/v1/hashes`, {
              method: 'POST',
              headers,
              body: JSON.stringify({ items: [{ type: 'pdq', value: hex(), labels: ['recruitment'] }] }),
            });
            await r.arrayBuffer();
            if (r.status !== 201) throw new Error(`share answered ${r.status}`);
            lat.push(performance.now() - t);
            n++;
          }
        }),
      );
      const s = (performance.now() - w0) / 1000;
      await probe2.stop();
      const p = probe2.take();
      rows.push([
        `${writers} writer${writers > 1 ? 's' : ''} at once, one hash a request`,
        `${s.toFixed(0)} s`,
        `${fmt(n / s)} shares/s`,
        `share p50 ${ms(q(lat, 0.5))} ms, p99 ${ms(q(lat, 0.99))} ms`,
        `${ms(q(p.health, 0.5))} / ${ms(q(p.health, 0.99))}`,
        `${ms(q(p.match, 0.5))} / ${ms(q(p.match, 0.99))}`,
      ]);
    }

    // ---- 3. the lag between instances on one database
    const b = await startNode(env);
    procs.push(b);
    const hb = { ...headers, authorization: `Bearer ${await token(b.base)}` };
    const lags: number[] = [];
    const retractLags: number[] = [];
    const matches = async (value: string) => {
      const r = await fetch(`${b.base}/v1/match`, {
        method: 'POST',
        headers: hb,
        body: JSON.stringify({ hashes: [{ type: 'pdq', value }], maxDistance: { pdq: 0 } }),
      });
      const n: number = (await r.json()).results[0].matches.length;
      return n;
    };
    const waitFor = async (value: string, want: number) => {
      const t = performance.now();
      while ((await matches(value)) !== want) {
        if (performance.now() - t > 10_000) throw new Error('the second instance did not follow within 10 s');
      }
      return performance.now() - t;
    };
    for (let k = 0; k < (opts.quick ? 50 : 200); k++) {
      const value = hex();
      const r = await fetch(`${a.base}/v1/hashes`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ items: [{ type: 'pdq', value, labels: ['recruitment'] }] }),
      });
      const id = (await r.json()).items[0].id;
      lags.push(await waitFor(value, 1));
      await (await fetch(`${a.base}/v1/hashes/${id}`, { method: 'DELETE', headers })).arrayBuffer();
      retractLags.push(await waitFor(value, 0));
      await new Promise((r2) => setTimeout(r2, Math.random() * 50));
    }
    rows.push([
      `lag from a share at one instance to a match at another (${lags.length} shares)`,
      '',
      '',
      `p50 ${ms(q(lags, 0.5))} ms, p99 ${ms(q(lags, 0.99))} ms; a retraction: p50 ${ms(q(retractLags, 0.5))}, p99 ${ms(q(retractLags, 0.99))} ms`,
      '',
      '',
    ]);
    await b.stop();
    procs.pop();
    await a.stop();
    procs.pop();

    // ---- 4. match throughput, one instance against two behind one port
    const bodies = Array.from({ length: 2000 }, () => JSON.stringify({ hashes: [{ type: 'pdq', value: hex() }] }));
    const fire = async (instances: number) => {
      const p = await startNode({ ...env, INSTANCES: String(instances) });
      procs.push(p);
      // Every instance must be ready: each loads its own index; the port answers only when one is.
      await new Promise((r) => setTimeout(r, 1000));
      const h = { ...headers, authorization: `Bearer ${await token(p.base)}` };
      const f = (sec: number) => (hasWrk() ? wrkLoad(dir, p.base, h, bodies, sec) : autocannonLoad(p.base, h, bodies, sec));
      await f(3);
      const load = await f(opts.quick ? 8 : 20);
      await p.stop();
      procs.pop();
      return load;
    };
    const one = await fire(1);
    const two = await fire(2);
    rows.push([
      `single-hash POST /v1/match at ${fmt(N)}: 1 instance / 2 instances (${one.tool}, 32 connections)`,
      '',
      `${fmt(one.rps)} / ${fmt(two.rps)} requests/s`,
      `ratio ${(two.rps / one.rps).toFixed(2)}; p99 ${ms(one.p99)} / ${ms(two.p99)} ms; errors ${one.errors} / ${two.errors}`,
      '',
      '',
    ]);
    notes.push(
      'Every request carries a real access token; the node runs with RATE_LIMIT_PER_SECOND=0. The prober sends GET /health and a single-hash POST /v1/match (an unrelated PDQ hash) one after the other, every 10 ms, during the fill and the writer phases. Load generator, prober and node share the 2 cores.',
      "Instances: the second process follows the change log (FOLLOW_INTERVAL_MS, default 200 ms, and at once after its own writes); the lag is measured from the share's answer at the first to the first match at the second. Two instances behind one port: INSTANCES=2 (Node cluster), each with its own index.",
    );
    return table(N, rows, notes);
  } finally {
    for (const p of procs) await p.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
