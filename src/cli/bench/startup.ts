/**
 * Start-up of the production build against the sources run through tsx (issue 11 item 7), side by
 * side in one run: the time from spawning the process to the first 200 from GET /health on an empty
 * database, and the resident memory then and after 2,000 single-hash matches.
 *
 *   npm run bench -- --only startup
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildNode } from '../build';
import type { BenchTable } from './types';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Resident memory of a process and its children (tsx runs the node in a child), in MiB, from /proc. */
function rssMiB(pid: number): number {
  let kib = 0;
  const visit = (p: number) => {
    try {
      kib += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
      for (const c of readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) visit(Number(c));
    } catch {
      // gone, or not Linux
    }
  };
  visit(pid);
  return kib / 1024;
}

async function once(args: string[]): Promise<{ readyMs: number; rssReady: number; rssLoaded: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'mhn-startup-'));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const base = `http://127.0.0.1:${port}`;
  const t0 = performance.now();
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: `file:${join(dir, 'node.db')}`,
      NODE_SECRET_FILE: join(dir, 'node.secret'),
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: base,
      NODE_ENV: 'production',
      DEV_AUTH: 'false',
      LOG_LEVEL: 'silent',
      RATE_LIMIT_PER_SECOND: '0',
    },
    stdio: 'ignore',
  });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the node exited (${child.exitCode})`);
      if (
        (await fetch(`${base}/health`).then(
          (r) => r.status,
          () => 0,
        )) === 200
      )
        break;
      if (performance.now() - t0 > 60_000) throw new Error('the node did not become ready in 60 s');
      await new Promise((r) => setTimeout(r, 20));
    }
    const readyMs = performance.now() - t0;
    const rssReady = rssMiB(child.pid ?? 0);
    // Some work, so lazily loaded code is in: unauthenticated matches are refused (401) after the full request path.
    for (let i = 0; i < 2000; i++)
      await fetch(`${base}/v1/match`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ hashes: [{ type: 'pdq', value: randomBytes(32).toString('hex') }] }),
      }).then((r) => r.arrayBuffer());
    return { readyMs, rssReady, rssLoaded: rssMiB(child.pid ?? 0) };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function run(opts: { quick?: boolean } = {}): Promise<BenchTable> {
  await buildNode();
  const ways: [string, string[]][] = [
    ['npm start: dist/main.node.js (esbuild bundle)', [join(ROOT, 'dist/main.node.js')]],
    ['tsx src/main.node.ts (the sources, as npm run dev)', ['--import', 'tsx', join(ROOT, 'src/main.node.ts')]],
  ];
  const rounds = opts.quick ? 3 : 7;
  const got = new Map<string, { readyMs: number; rssReady: number; rssLoaded: number }[]>(ways.map(([n]) => [n, []]));
  // Interleaved, so a busy moment of the machine falls on both.
  for (let i = 0; i < rounds; i++) for (const [name, args] of ways) got.get(name)?.push(await once(args));
  return {
    title: 'Start-up: production build against tsx',
    columns: ['how', 'to the first 200 from /health (median)', 'RSS when ready (MiB)', 'RSS after 2,000 requests (MiB)'],
    rows: ways.map(([name]) => {
      const r = got.get(name) ?? [];
      return [
        name,
        `${Math.round(median(r.map((x) => x.readyMs))).toLocaleString('en')} ms`,
        median(r.map((x) => x.rssReady)).toFixed(0),
        median(r.map((x) => x.rssLoaded)).toFixed(0),
      ];
    }),
    notes: [
      `${rounds} starts of each, interleaved, on an empty database (migrations run, a node key made); medians. RSS counts the process and its children (/proc).`,
    ],
  };
}
