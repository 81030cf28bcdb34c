/**
 * The edge figures (Cloudflare Workers, measured in workerd on this machine):
 *
 *   npx tsx src/cli/bench/edge.ts            # bundle, cold start, 1080p JPEG hash times
 *   npx tsx src/cli/bench/edge-memory.ts     # the decoders' heaps (the memory model)
 *
 * - bundle: `wrangler deploy --dry-run`, raw and compressed (Wrangler's "Total Upload" line);
 * - cold start: `wrangler dev` on a fresh local D1 (migrated first): seconds until it answers, and
 *   the first request (a new isolate: script and modules loaded, the app built, the signing key
 *   made) against the second;
 * - hash time: test/worker/edge-bench.test.ts inside workerd (the vitest pool, EDGE_BENCH=1):
 *   decode, PDQ, blockhash (and their 8 dihedral variants) and POST /v1/hash through the front door.
 * Not wired into `npm run bench` (src/cli/bench.ts is another engineer's): add
 * `edge: async () => (await import('./bench/edge')).run` to its BENCHES to include it.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { formatTable, type BenchTable } from './types';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ENV: NodeJS.ProcessEnv = { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' };
const exec = (cmd: string, args: string[], env = ENV) => promisify(execFile)(cmd, args, { cwd: ROOT, env, timeout: 600_000, maxBuffer: 1 << 26 });
const WRANGLER = join(ROOT, 'node_modules/.bin/wrangler');

async function bundle(): Promise<{ raw: number; gzip: number }> {
  const out = mkdtempSync(join(tmpdir(), 'mhn-bench-bundle-'));
  try {
    const { stdout } = await exec(WRANGLER, ['deploy', '--dry-run', '--outdir', out]);
    const [, raw, gzip] = stdout.match(/Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/) ?? [];
    return { raw: Number(raw), gzip: Number(gzip) };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

async function freePort(): Promise<number> {
  return new Promise((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      s.close(() => ok(port));
    });
  });
}

async function coldStart(): Promise<{ ready: number; first: number; second: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'mhn-bench-cold-'));
  const port = await freePort();
  await exec(WRANGLER, ['d1', 'migrations', 'apply', 'media-hash-node', '--local', '--persist-to', dir]);
  writeFileSync(join(dir, '.dev.vars'), `NODE_SECRET=${'b'.repeat(48)}\nPUBLIC_URL=http://127.0.0.1:${port}\n`);
  const started = performance.now();
  const dev = spawn(
    WRANGLER,
    ['dev', '--ip', '127.0.0.1', '--port', String(port), '--persist-to', dir, '--env-file', join(dir, '.dev.vars'), '--show-interactive-dev-session=false'],
    { cwd: ROOT, env: ENV, detached: true, stdio: 'ignore' },
  );
  try {
    const get = async () => {
      const t = performance.now();
      const r = await fetch(`http://127.0.0.1:${port}/health`);
      await r.arrayBuffer();
      return { status: r.status, ms: performance.now() - t };
    };
    // Wait for the port without waking the worker (a TCP connect, no request).
    const { connect } = await import('node:net');
    for (;;) {
      const open = await new Promise<boolean>((ok) =>
        connect(port, '127.0.0.1')
          .once('connect', function (this: import('node:net').Socket) {
            this.destroy();
            ok(true);
          })
          .once('error', () => ok(false)),
      );
      if (open) break;
      if (performance.now() - started > 60_000) throw new Error('wrangler dev did not start in 60 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    const ready = performance.now() - started;
    const first = await get();
    const second = await get();
    if (first.status !== 200) throw new Error(`/health answered ${first.status}`);
    return { ready: ready / 1000, first: first.ms, second: second.ms };
  } finally {
    if (dev.pid) process.kill(-dev.pid, 'SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

async function inside(): Promise<Record<string, number>> {
  const { stdout } = await exec(join(ROOT, 'node_modules/.bin/vitest'), ['run', '--project', 'workerd', 'test/worker/edge-bench.test.ts'], {
    ...ENV,
    EDGE_BENCH: '1',
  });
  const line = stdout.split('\n').find((l) => l.includes('EDGE_BENCH {'));
  if (!line) throw new Error(`the workerd bench printed no figures:\n${stdout.slice(-2000)}`);
  return JSON.parse(line.slice(line.indexOf('{')));
}

export async function run(): Promise<BenchTable> {
  const b = await bundle();
  const c = await coldStart();
  const h = await inside();
  return {
    title: 'Edge (workerd, local): bundle, cold start, one 1920x1080 JPEG',
    columns: ['what', 'figure'],
    rows: [
      ['bundle, raw / compressed (KiB)', `${b.raw} / ${b.gzip}`],
      ['wrangler dev: listening after (s)', c.ready.toFixed(1)],
      ['first request, new isolate: /health (ms)', c.first.toFixed(0)],
      ['second request: /health (ms)', c.second.toFixed(0)],
      ['decode, MozJPEG in WebAssembly (ms, p50)', h.decode],
      ['PDQ, WebAssembly kernels (ms, p50)', h.pdq],
      ['blockhash, WebAssembly kernel (ms, p50)', h.blockhash],
      ['PDQ, 8 dihedral variants (ms, p50)', h.pdqDihedral],
      ['blockhash, 8 dihedral variants (ms, p50)', h.blockhashDihedral],
      ['POST /v1/hash, whole request (ms, p50)', h.postHash],
      ['POST /v1/hash?dihedral=true (ms, p50)', h.postHashDihedral],
    ],
    notes: [
      `${new Date().toISOString().slice(0, 16)} UTC, ${cpus().length} x ${cpus()[0]?.model.trim()}, load average ${loadavg()[0].toFixed(1)}; workerd's clock ticks in whole milliseconds`,
      `JPEG: the bridge photo resized by sharp, quality 90, ${h.bytes} bytes`,
    ],
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  run().then((t) => console.log(formatTable(t)));
}
