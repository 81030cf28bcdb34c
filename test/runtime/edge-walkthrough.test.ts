/**
 * The README's edge walkthrough, run as written with real processes: local D1 migrated by
 * wrangler, the secret in a .dev.vars file, `wrangler dev` on a free port, the first admin made by
 * `npm run admin -- init --d1` from the public half of a key made with `client keygen`, the partner's
 * own key registered through the worker's admin API, a token from the client CLI, an image shared
 * through the worker and a re-encoded copy of it matched. State lives in a temp folder (--persist-to), so
 * the developer's own .wrangler and .dev.vars are not touched.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { conformancePath } from '../support/conformance';

const ROOT = resolve(__dirname, '../..');
const ENV = { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' };
const run = async (cmd: string, args: string[]) => (await promisify(execFile)(cmd, args, { cwd: ROOT, env: ENV, timeout: 60_000, maxBuffer: 1 << 24 })).stdout;
const npmRun = (...args: string[]) => run('npm', ['run', '-s', ...args]);
const wrangler = (...args: string[]) => run(join(ROOT, 'node_modules/.bin/wrangler'), args);

async function freePort(): Promise<number> {
  return new Promise((ok, no) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => ok(port));
    });
    s.on('error', no);
  });
}

const dir = mkdtempSync(join(tmpdir(), 'mhn-edge-walkthrough-'));
let dev: ChildProcess | undefined;
let log = '';

afterAll(async () => {
  if (dev?.pid) {
    try {
      process.kill(-dev.pid, 'SIGTERM'); // wrangler dev and the workerd it started
    } catch {
      // already gone
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('the edge walkthrough (README, Edge deployment)', () => {
  it('wrangler dev on local D1: first admin, a partner, an image shared and matched through the worker', async () => {
    const port = await freePort();
    const node = `http://127.0.0.1:${port}`;
    await wrangler('d1', 'migrations', 'apply', 'media-hash-node', '--local', '--persist-to', dir);
    writeFileSync(join(dir, '.dev.vars'), `NODE_SECRET=${randomBytes(24).toString('hex')}\nPUBLIC_URL=${node}\nENVIRONMENT=development\n`);

    dev = spawn(
      join(ROOT, 'node_modules/.bin/wrangler'),
      ['dev', '--ip', '127.0.0.1', '--port', String(port), '--persist-to', dir, '--env-file', join(dir, '.dev.vars'), '--show-interactive-dev-session=false'],
      {
        cwd: ROOT,
        env: ENV,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    dev.stdout!.on('data', (d) => (log += d));
    dev.stderr!.on('data', (d) => (log += d));

    // Meanwhile, the operator makes the first admin straight into the local D1, from its own key pair.
    await npmRun('client', '--', 'keygen', '--out', join(dir, 'admin.key.json'));
    const admin = JSON.parse(
      await npmRun('admin', '--', 'init', '--d1', 'media-hash-node', '--local', '--persist-to', dir, '--public-key', join(dir, 'admin.key.pub.json'), '--json'),
    );
    expect(admin).toMatchObject({
      role: 'admin',
      scopes: ['admin'],
      database: 'media-hash-node (local)',
      kid: JSON.parse(readFileSync(join(dir, 'admin.key.pub.json'), 'utf8')).kid,
    });
    expect(admin.privateJwk).toBeUndefined();
    await expect(npmRun('admin', '--', 'init', '--d1', 'media-hash-node', '--local', '--persist-to', dir)).rejects.toThrow(/already has 1 active admin/);
    // The partner makes its key pair on its side.
    await npmRun('client', '--', 'keygen', '--out', join(dir, 'partner.key.json'));

    const started = Date.now();
    let health: Response | undefined;
    while (Date.now() - started < 45_000) {
      health = await fetch(`${node}/health`).catch(() => undefined);
      if (health?.status === 200) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(health?.status, log).toBe(200);

    // The admin registers the partner's public key through the worker's API.
    const partner = JSON.parse(
      await npmRun(
        'admin',
        '--',
        '--node',
        node,
        '--client-id',
        admin.clientId,
        '--key',
        join(dir, 'admin.key.json'),
        'client',
        'add',
        '--role',
        'partner',
        '--name',
        'Example Video',
        '--public-key',
        join(dir, 'partner.key.pub.json'),
        '--json',
      ),
    );
    const token = (await npmRun('client', '--', 'token', '--node', node, '--client-id', partner.id, '--key', join(dir, 'partner.key.json'))).trim();
    const auth = { authorization: `Bearer ${token}` };
    const found = readFileSync(conformancePath('pdq/pdq/data/bridge-mods/aaa-orig.jpg'));
    const form = new FormData();
    form.set('file', new Blob([found], { type: 'image/jpeg' }), 'found.jpg');
    form.set('labels', 'attack-footage');
    const shared = await fetch(`${node}/v1/hashes/media`, { method: 'POST', headers: auth, body: form });
    expect(shared.status, await shared.clone().text()).toBe(201);

    // The upload to check: the same picture re-encoded smaller, mirrored.
    const upload = await sharp(found).resize(800).flop().jpeg({ quality: 70 }).toBuffer();
    const res = await fetch(`${node}/v1/match/media?dihedral=true`, { method: 'POST', headers: { ...auth, 'content-type': 'image/jpeg' }, body: upload });
    expect(res.status).toBe(200);
    const body: any = await res.json();
    const pdq = body.results.find((r: any) => r.query.type === 'pdq');
    expect(pdq.matches).toEqual([expect.objectContaining({ type: 'pdq', labels: ['attack-footage'], contributors: 1, variant: expect.any(String) })]);

    // The admin's actions are in the audit log the worker serves (the ledger wrote the entries).
    const clients = JSON.parse(await npmRun('admin', '--', 'client', 'list', '--d1', 'media-hash-node', '--persist-to', dir, '--json'));
    expect(clients.clients.map((c: any) => c.role).sort()).toEqual(['admin', 'partner']);
  }, 240_000);
});
