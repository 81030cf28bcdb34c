/**
 * The README's walkthrough, run for real: the node is started (it creates its database), the operator
 * creates the first admin and a partner with the admin CLI, the partner gets a token with the client
 * CLI from the running node, shares an image's hashes and finds the upload matched, then shares a
 * video and matches an edit of it hashed locally. The admin CLI refuses a DATABASE_URL naming no
 * database (unless --create) and records the operator in the audit log.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app';
import { loadConfig } from '../../src/runtime/node/config';
import { createNodeRuntime, type NodeRuntime } from '../../src/runtime/node/deps';
import { conformancePath } from '../support/conformance';

const ROOT = resolve(__dirname, '../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');
let dir: string;
let env: Record<string, string>;
let rt: NodeRuntime;
let server: ServerType;
let base: string;

async function cli(tool: 'admin' | 'client', args: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(TSX, [join(ROOT, `src/cli/${tool}.ts`), ...args], { cwd: dir, env: { ...process.env, ...env, ...extraEnv }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** The audit log's actors, newest last. */
async function actors(): Promise<{ action: string; actor: string }[]> {
  const entries = await rt.deps.log.auditEntries(0, await rt.deps.log.auditSize());
  return entries.map((e) => ({ action: e.action, actor: e.actor }));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mhn-cli-'));
  env = { DATABASE_URL: `file:${join(dir, 'node.db')}`, NODE_SECRET_FILE: join(dir, 'node.secret') };
});
afterAll(() => {
  server?.close();
  rt?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('from nothing to a matched upload', () => {
  let partner: { clientId: string; privateJwk: Record<string, unknown> };

  it('before the node has ever started, the admin CLI refuses to create a database unless asked', async () => {
    const r = await cli('admin', ['init', '--json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`there is no database at ${join(dir, 'node.db')}`);
    expect(r.stderr).toContain('--create');
    expect(r.stdout).toBe('');
    expect(existsSync(join(dir, 'node.db'))).toBe(false);
  }, 120_000);

  it('the node starts and creates its database, as npm start does (it listens at its PUBLIC_URL)', async () => {
    // The node's PUBLIC_URL (its tokens' audience) is where it listens: bind first, then start with it.
    let app: { fetch: (req: Request) => Response | Promise<Response> } | undefined;
    server = serve({ fetch: (req) => (app ? app.fetch(req) : new Response(null, { status: 503 })), port: 0, hostname: '127.0.0.1' });
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    rt = await createNodeRuntime(loadConfig({ ...env, PUBLIC_URL: base }));
    await rt.indexLoaded;
    app = buildApp(rt.deps);
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect(existsSync(join(dir, 'node.db'))).toBe(true);
  }, 120_000);

  it('admin init creates the first admin once and prints its private key; the audit log names the OS user', async () => {
    const r = await cli('admin', ['init', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const admin = JSON.parse(r.stdout);
    expect(admin.clientId).toEqual(expect.any(String));
    expect(admin.privateJwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519', d: expect.any(String), kid: expect.any(String) });
    const again = await cli('admin', ['init', '--json']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already has 1 active admin/);
    expect((await actors()).filter((a) => a.action === 'client.create')).toEqual([{ action: 'client.create', actor: `cli:${userInfo().username}` }]);
  }, 120_000);

  it('admin client add makes a partner; only the public key is stored; --actor names the operator', async () => {
    const r = await cli('admin', ['client', 'add', '--role', 'partner', '--name', 'Example Video', '--actor', 'alice', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect((await actors()).at(-1)).toEqual({ action: 'client.create', actor: 'cli:alice' });
    partner = JSON.parse(r.stdout);
    writeFileSync(join(dir, 'partner.key.json'), JSON.stringify(partner.privateJwk));
    const list = JSON.parse((await cli('admin', ['client', 'list', '--json'])).stdout);
    const stored = list.clients.find((c: { id: string }) => c.id === partner.clientId);
    expect(stored).toMatchObject({ role: 'partner', name: 'Example Video' });
    expect(stored.keys[0].jwk.d).toBeUndefined();
    expect(readFileSync(join(dir, 'node.db')).includes(Buffer.from(String(partner.privateJwk.d)))).toBe(false);
  }, 120_000);

  it('client token gets an access token from the running node; the partner shares and matches', async () => {
    const tok = await cli('client', ['token', '--node', base, '--client-id', partner.clientId, '--key', join(dir, 'partner.key.json')]);
    expect(tok.code, tok.stderr).toBe(0);
    const auth = { authorization: `Bearer ${tok.stdout.trim()}` };

    const image = readFileSync(conformancePath('blockhash', 'clipper_ship.jpg'));
    const form = new FormData();
    form.set('file', new Blob([image], { type: 'image/jpeg' }), 'clipper_ship.jpg');
    form.set('labels', 'attack-footage');
    const shared = await fetch(`${base}/v1/hashes/media`, { method: 'POST', headers: auth, body: form });
    expect(shared.status).toBe(201);

    const local = await cli('client', ['hash', conformancePath('blockhash', 'clipper_ship.jpg'), '--json']);
    expect(local.code, local.stderr).toBe(0);
    const { hashes } = JSON.parse(local.stdout);
    const match = await fetch(`${base}/v1/match`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ hashes: [{ type: 'blockhash', value: hashes.blockhash.value }] }) });
    const body = await match.json();
    expect(body.results[0].matches[0]).toMatchObject({ value: hashes.blockhash.value, distance: 0, labels: ['attack-footage'] });

    // A video: shared from the file, then an edited copy hashed locally and matched by its frames.
    const videoForm = new FormData();
    videoForm.set('file', new Blob([readFileSync(conformancePath('pdq', 'tmk', 'sample-videos', 'chair-orig-22-sd-bar.mp4'))], { type: 'video/mp4' }), 'found.mp4');
    videoForm.set('labels', 'attack-footage');
    const sharedVideo = await fetch(`${base}/v1/hashes/media`, { method: 'POST', headers: auth, body: videoForm });
    expect(sharedVideo.status).toBe(201);
    const videoId = (await sharedVideo.json()).items[0].id;
    const localVideo = await cli('client', ['hash', conformancePath('pdq', 'tmk', 'sample-videos', 'chair-22-with-small-logo-bar.mp4'), '--json']);
    expect(localVideo.code, localVideo.stderr).toBe(0);
    const frames = JSON.parse(localVideo.stdout).hashes.vpdq.frames;
    const videoMatch = await fetch(`${base}/v1/match`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ hashes: [{ type: 'vpdq', frames }] }) });
    expect(videoMatch.status).toBe(200);
    expect((await videoMatch.json()).results[0].matches).toContainEqual(expect.objectContaining({ id: videoId, type: 'vpdq' }));

    const bad = await cli('client', ['token', '--node', base, '--client-id', 'nobody', '--key', join(dir, 'partner.key.json')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/invalid_client/);
  }, 120_000);
});

describe('the admin CLI and its database', () => {
  it('a mistyped DATABASE_URL is refused, naming the path and --create, and no file appears', async () => {
    const typo = join(dir, 'data', 'nodee.db');
    for (const args of [['client', 'add', '--role', 'partner', '--name', 'Typo'], ['client', 'list'], ['keys', 'rotate']]) {
      const r = await cli('admin', args, { DATABASE_URL: `file:${typo}` });
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toBe(
        `error: there is no database at ${typo} (DATABASE_URL=file:${typo}); nothing was done. If DATABASE_URL is wrong, fix it. If this is a new node, start it once (npm start creates its database), or pass --create to create the database here.\n`,
      );
    }
    expect(existsSync(join(dir, 'data'))).toBe(false);
  }, 120_000);

  it('init --create sets up a node before its first start', async () => {
    const fresh = join(dir, 'fresh', 'node.db');
    const r = await cli('admin', ['init', '--create', '--actor', 'ops.team', '--json'], { DATABASE_URL: `file:${fresh}`, NODE_SECRET_FILE: join(dir, 'fresh', 'node.secret') });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).clientId).toEqual(expect.any(String));
    expect(existsSync(fresh)).toBe(true);
    const bad = await cli('admin', ['client', 'list', '--actor', 'bob smith']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--actor must be/);
  }, 120_000);
});
