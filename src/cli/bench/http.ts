/**
 * The node over HTTP, as a partner's upload pipeline uses it: a real node process (`src/main.node.ts`)
 * on a database holding N PDQ hashes (default 1 M), a real token, and autocannon firing
 * `POST /v1/match` with one hash a request from this process. Also: the time from process start to
 * a ready index, and the latency of 1000-hash batches.
 *
 *   npm run bench -- --only http            # 1 M hashes, 20 s of load
 *   npm run bench -- --only http --quick    # 100 k hashes, 8 s
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { openDatabase } from '../../runtime/node/database';
import { createClient } from '../../services/clients';
import { SqlAuthStore } from '../../storage/auth-store';
import { SqlLedger } from '../../storage/ledger';
import { NO_FOLLOWER } from '../../services/change-follower';
import { autocannonLoad, hasWrk, wrkLoad } from './load';
import type { BenchTable } from './types';
import { uniform as rng } from '../../core/prng';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

function flip(hex: string, n: number, rnd: () => number): string {
  const b = Buffer.from(hex, 'hex');
  for (let i = 0; i < n; i++) {
    const bit = Math.floor(rnd() * 256);
    b[bit >> 3] ^= 1 << (bit & 7);
  }
  return b.toString('hex');
}

/** N hashes: half unrelated, half clusters of near-duplicates; written straight into the tables. */
export async function fill(url: string, n: number, rnd: () => number): Promise<string[]> {
  const { client, close } = await openDatabase(url);
  try {
    return await fillTables((stmts) => client.batch(stmts, 'write'), n, rnd);
  } finally {
    await close();
  }
}

/**
 * The rows of `fill` through any connection's batch: the tables and columns it writes (hashes: id,
 * type, value, origin, status, created_at, updated_at; contributions: hash_id, contributor, labels,
 * created_at, updated_at) are the same since the first round's schema, so the media-load bench also
 * fills the database of the code before issue 13 with it.
 */
export async function fillTables(
  batch: (stmts: { sql: string; args: (string | number)[] }[]) => Promise<unknown>,
  n: number,
  rnd: () => number,
): Promise<string[]> {
  const sample: string[] = [];
  const now = Date.now();
  const labels = JSON.stringify(['attack-footage']);
  let base = randomBytes(32).toString('hex');
  const CHUNK = 500;
  for (let start = 0; start < n; ) {
    const stmts: { sql: string; args: (string | number)[] }[] = [];
    for (let s = 0; s < 40 && start < n; s++, start += CHUNK) {
      const rows: string[] = [];
      const contrib: string[] = [];
      const args: (string | number)[] = [];
      const cargs: (string | number)[] = [];
      for (let i = start; i < Math.min(n, start + CHUNK); i++) {
        if (i % 10 === 0) base = randomBytes(32).toString('hex');
        const value = i % 2 === 0 ? randomBytes(32).toString('hex') : flip(base, Math.floor(rnd() * 40), rnd);
        const id = `b${i}`;
        if (i % 997 === 0) sample.push(value);
        rows.push('(?, ?, ?, ?, ?, ?, ?)');
        args.push(id, 'pdq', value, '', 'active', now, now);
        contrib.push('(?, ?, ?, ?, ?)');
        cargs.push(id, 'bench-partner', labels, now, now);
      }
      stmts.push({ sql: `INSERT OR IGNORE INTO hashes (id, type, value, origin, status, created_at, updated_at) VALUES ${rows.join(',')}`, args });
      stmts.push({
        sql: `INSERT OR IGNORE INTO contributions (hash_id, contributor, labels, created_at, updated_at) VALUES ${contrib.join(',')}`,
        args: cargs,
      });
    }
    await batch(stmts);
  }
  return sample;
}

export async function waitReady(base: string, started: number, timeoutMs = 120_000, gone: () => boolean = () => false): Promise<number> {
  for (;;) {
    if (gone()) throw new Error('the node exited before it was ready');
    try {
      const r = await fetch(`${base}/health`);
      if (r.status === 200) return Date.now() - started;
    } catch {
      /* not listening yet */
    }
    if (Date.now() - started > timeoutMs) throw new Error('the node did not become ready');
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function run(opts: { quick?: boolean; size?: number } = {}): Promise<BenchTable> {
  const n = opts.size ?? (opts.quick ? 100_000 : 1_000_000);
  const duration = opts.quick ? 8 : 20;
  const dir = mkdtempSync(join(tmpdir(), 'mhn-bench-http-'));
  const url = `file:${join(dir, 'node.db')}`;
  const rnd = rng(42);
  const t0 = Date.now();
  const sample = await fill(url, n, rnd);
  const fillS = (Date.now() - t0) / 1000;

  // A partner, straight into the registry.
  const { reader, writer, close } = await openDatabase(url);
  const { publicKey, privateKey } = await generateKeyPair('EdDSA');
  const registry = { auth: new SqlAuthStore(reader), ledger: new SqlLedger(writer), follower: NO_FOLLOWER, now: Date.now, newId: randomUUID };
  const partner = await createClient(registry, 'bench', { role: 'partner', name: 'bench', jwk: await exportJWK(publicKey) });
  await close();

  const port = 18000 + Math.floor(Math.random() * 2000);
  const base = `http://127.0.0.1:${port}`;
  const started = Date.now();
  const child = spawn(join(ROOT, 'node_modules/.bin/tsx'), [join(ROOT, 'src/main.node.ts')], {
    cwd: dir,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: url,
      PUBLIC_URL: base,
      RATE_LIMIT_PER_SECOND: '0',
      NODE_SECRET_FILE: join(dir, 'secret'),
      TREE_HEAD_INTERVAL_MS: '0',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    const readyMs = await waitReady(base, started);
    const now = Math.floor(Date.now() / 1000);
    const assertion = await new SignJWT({ jti: randomUUID() })
      .setProtectedHeader({ alg: 'EdDSA', kid: partner.keys[0].kid })
      .setIssuer(partner.id)
      .setSubject(partner.id)
      .setAudience(`${base}/v1/oauth/token`)
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(privateKey);
    const tok = await (
      await fetch(`${base}/v1/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: assertion,
        }),
      })
    ).json();
    const headers = { authorization: `Bearer ${tok.access_token}`, 'content-type': 'application/json' };

    // One hash a request: half near-duplicates of stored hashes (a hit), half unrelated (the usual upload).
    const bodies = Array.from({ length: 2000 }, (_, i) =>
      JSON.stringify({
        hashes: [{ type: 'pdq', value: i % 2 ? flip(sample[i % sample.length], Math.floor(rnd() * 31), rnd) : randomBytes(32).toString('hex') }],
      }),
    );
    const fire = (seconds: number) => (hasWrk() ? wrkLoad(dir, base, headers, bodies, seconds) : autocannonLoad(base, headers, bodies, seconds));
    await fire(3); // warm-up: JIT, caches, the garbage of loading the index; not counted
    const load = await fire(duration);

    // Batches of 1000 hashes, one after another.
    const batchMs: number[] = [];
    for (let b = 0; b < 20; b++) {
      const body = JSON.stringify({
        hashes: Array.from({ length: 1000 }, (_, i) => ({
          type: 'pdq',
          value: i % 2 ? flip(sample[(b * 1000 + i) % sample.length], 10, rnd) : randomBytes(32).toString('hex'),
        })),
      });
      const t = performance.now();
      const r = await fetch(`${base}/v1/match`, { method: 'POST', headers, body });
      await r.json();
      if (r.status !== 200) throw new Error(`batch answered ${r.status}`);
      batchMs.push(performance.now() - t);
    }
    batchMs.sort((a, b) => a - b);
    return {
      title: `HTTP: POST /v1/match against a node holding ${n.toLocaleString('en')} PDQ hashes`,
      columns: ['hashes', 'ready after start (s)', 'requests/s (1 hash each)', 'p50 (ms)', 'p99 (ms)', 'errors', '1000-hash batch p50 (ms)', 'batch max (ms)'],
      rows: [[n, (readyMs / 1000).toFixed(1), Math.round(load.rps), load.p50, load.p99, load.errors, batchMs[10].toFixed(1), batchMs[19].toFixed(1)]],
      notes: [
        `${load.tool}, 32 connections, ${duration} s, one PDQ hash a request (2000 bodies in turn: half near-duplicates of stored hashes, half unrelated), radius 31, from the same machine (the load generator shares the 2 cores). wrk (Debian package \`wrk\`) is used when installed, else autocannon, which needs more of the CPU it shares with the node.`,
        `"ready after start": from spawning \`tsx src/main.node.ts\` to GET /health = 200 (database opened, migrations checked, index loaded). Database filled in ${fillS.toFixed(1)} s beforehand.`,
        `Rate limit off for the run (RATE_LIMIT_PER_SECOND=0); every request carries a real access token (verified once, then remembered until it expires) and its client and key are checked (cached in process, AUTH_CACHE_MS).`,
      ],
    };
  } finally {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}
