/**
 * The README's walkthrough, run for real: the node is started (it creates its database), the operator
 * creates the first admin on the node's machine (its key written to a 0600 file), the partner makes
 * its key pair in a folder of its own (its "machine") and hands over the public half, the admin
 * registers it through the API, and the partner shares, matches (an image and an edited video,
 * hashed on its side), reads the feed, gives feedback and retracts with the client CLI. Neither the
 * node's folder nor its database ever holds the partner's private key. Then the admin commands
 * through the API (suspension and key rotation act on the running node at once), key files that
 * others can read, and the admin CLI's refusals of a database that is not there.
 */
import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { serve, type ServerType } from '@hono/node-server';
import { createClient } from '@libsql/client';
import sharp from 'sharp';
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

async function cli(
  tool: 'admin' | 'client',
  args: string[],
  extraEnv: Record<string, string | undefined> = {},
  cwd = dir,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(TSX, [join(ROOT, `src/cli/${tool}.ts`), ...args], {
      cwd,
      env: { ...process.env, ...env, ...extraEnv },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

const modeOf = (f: string) => statSync(f).mode & 0o777;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const lines = (text: string): any[] =>
  text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

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
  let admin: { clientId: string; keyFile: string };
  let partnerId: string;
  let partnerDir: string;
  let partnerD: string;
  const asAdmin = () => ['--node', base, '--client-id', admin.clientId, '--key', join(dir, 'admin.key.json')];
  const asPartner = () => ({ MHN_NODE: base, MHN_CLIENT_ID: partnerId, MHN_KEY: 'partner.key.json' });

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

  it("1. admin init --out writes the first admin's private key to a 0600 file, once; the audit log names the OS user", async () => {
    const human = await cli('admin', ['init', '--out', 'admin.key.json']);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^admin client \S+ created\.\nIts private key is in admin\.key\.json \(mode 0600; keep it safe\)\.\n$/);
    expect(modeOf(join(dir, 'admin.key.json'))).toBe(0o600);
    const key = JSON.parse(readFileSync(join(dir, 'admin.key.json'), 'utf8'));
    expect(key).toMatchObject({ kty: 'OKP', crv: 'Ed25519', d: expect.any(String), kid: expect.any(String), alg: 'EdDSA' });
    expect(human.stdout).not.toContain(key.d);
    admin = { clientId: /^admin client (\S+) created/.exec(human.stdout)![1], keyFile: join(dir, 'admin.key.json') };
    const again = await cli('admin', ['init', '--out', 'other.key.json', '--json']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already has 1 active admin/);
    expect(existsSync(join(dir, 'other.key.json'))).toBe(false);
    expect((await actors()).filter((a) => a.action === 'client.create')).toEqual([{ action: 'client.create', actor: `cli:${userInfo().username}` }]);
  }, 120_000);

  it('2. the partner makes its key pair on its own machine: private 0600, public printed and written beside it', async () => {
    partnerDir = mkdtempSync(join(tmpdir(), 'mhn-partner-'));
    const r = await cli('client', ['keygen', '--out', 'partner.key.json'], {}, partnerDir);
    expect(r.code, r.stderr).toBe(0);
    expect(modeOf(join(partnerDir, 'partner.key.json'))).toBe(0o600);
    const priv = JSON.parse(readFileSync(join(partnerDir, 'partner.key.json'), 'utf8'));
    const pub = JSON.parse(readFileSync(join(partnerDir, 'partner.key.pub.json'), 'utf8'));
    expect(JSON.parse(r.stdout)).toEqual(pub);
    expect(pub).toEqual({ kty: 'OKP', crv: 'Ed25519', x: priv.x, kid: priv.kid, alg: 'EdDSA', use: 'sig' });
    expect(r.stderr).toContain('partner.key.json (mode 0600)');
    partnerD = priv.d;
    // A second keygen must not destroy a key in use.
    const again = await cli('client', ['keygen', '--out', 'partner.key.json'], {}, partnerDir);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/exists; not overwritten/);
    expect(JSON.parse(readFileSync(join(partnerDir, 'partner.key.json'), 'utf8')).d).toBe(partnerD);
  }, 120_000);

  it('3. the admin registers only the public half through the API; a private key given as the public one is refused', async () => {
    // The public file travels to the admin (here: the node's folder).
    copyFileSync(join(partnerDir, 'partner.key.pub.json'), join(dir, 'partner.key.pub.json'));
    const r = await cli('admin', [...asAdmin(), 'client', 'add', '--role', 'partner', '--name', 'Example Video', '--public-key', 'partner.key.pub.json']);
    expect(r.code, r.stderr).toBe(0);
    partnerId = /^partner client (\S+) \(Example Video\) admitted with key (\S+)\. Give the member its client id: \1\n$/.exec(r.stdout)![1];
    expect((await actors()).at(-1)).toEqual({ action: 'client.create', actor: admin.clientId });
    const list = JSON.parse((await cli('admin', [...asAdmin(), 'client', 'list', '--json'])).stdout);
    const stored = list.clients.find((c: { id: string }) => c.id === partnerId);
    expect(stored).toMatchObject({
      role: 'partner',
      name: 'Example Video',
      keys: [{ kid: JSON.parse(readFileSync(join(dir, 'partner.key.pub.json'), 'utf8')).kid }],
    });
    expect(stored.keys[0].jwk.d).toBeUndefined();

    copyFileSync(join(partnerDir, 'partner.key.json'), join(dir, 'mistake.json'));
    const wrong = await cli('admin', [...asAdmin(), 'client', 'add', '--role', 'partner', '--name', 'Oops', '--public-key', 'mistake.json']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('mistake.json holds a private key. Register only the public half');
    rmSync(join(dir, 'mistake.json'));
  }, 120_000);

  it('4. the partner shares and matches images and videos hashed on its side, reads the feed, gives feedback and retracts', async () => {
    const found = conformancePath('blockhash', 'clipper_ship.jpg');
    const foundVideo = conformancePath('pdq', 'tmk', 'sample-videos', 'chair-orig-22-sd-bar.mp4');
    const shared = await cli('client', ['share', found, foundVideo, '--labels', 'attack-footage', '--json'], asPartner(), partnerDir);
    expect(shared.code, shared.stderr).toBe(0);
    const items = lines(shared.stdout);
    // The image as the node's media share stores it: its whole pdq and blockhash, the pdq of its regions and crops, md5 and sha256.
    const image = items.filter((i) => i.file === found);
    expect(image.slice(0, 2).map((i) => [i.type, i.outcome])).toEqual([
      ['pdq', 'created'],
      ['blockhash', 'created'],
    ]);
    expect(image.slice(-2).map((i) => i.type)).toEqual(['md5', 'sha256']);
    expect(image.length).toBeGreaterThan(10);
    expect(image.every((i) => i.outcome === 'created' && i.item === image[0].item)).toBe(true);
    expect(items.slice(image.length).map((i) => [i.file, i.type, i.outcome])).toEqual([
      [foundVideo, 'vpdq', 'created'],
      [foundVideo, 'md5', 'created'],
      [foundVideo, 'sha256', 'created'],
    ]);
    expect(shared.stderr).toBe('');

    // The upload: the image rotated (dihedral) and an edited copy of the video.
    const upload = join(partnerDir, 'upload.jpg');
    writeFileSync(upload, await sharp(readFileSync(found)).rotate(90).jpeg({ quality: 90 }).toBuffer());
    const edited = conformancePath('pdq', 'tmk', 'sample-videos', 'chair-22-with-small-logo-bar.mp4');
    const matched = await cli('client', ['match', 'upload.jpg', edited, '--dihedral', '--json'], asPartner(), partnerDir);
    expect(matched.code, matched.stderr).toBe(0);
    const results = lines(matched.stdout);
    expect(results.find((x) => x.file === 'upload.jpg' && x.query.type === 'pdq').matches[0]).toMatchObject({
      id: items[0].id,
      labels: ['attack-footage'],
      variant: expect.any(String),
    });
    expect(results.find((x) => x.file === edited && x.query.type === 'vpdq').matches).toContainEqual(
      expect.objectContaining({ id: items[image.length].id, type: 'vpdq' }),
    );
    const human = await cli('client', ['match', found], asPartner(), partnerDir);
    expect(human.stdout).toContain(
      `${found} pdq ${items[0].value.slice(0, 16)}…: 1 match\n  ${items[0].id}  pdq distance 0  attack-footage  1 member(s), feedback +0/-0\n`,
    );

    const feed = await cli('client', ['feed', '--cursor-file', 'feed.cursor', '--json'], asPartner(), partnerDir);
    expect(feed.code, feed.stderr).toBe(0);
    expect(lines(feed.stdout).map((e) => e.hash.id)).toEqual(items.map((i) => i.id));
    const cursor = readFileSync(join(partnerDir, 'feed.cursor'), 'utf8').trim();

    const fb = await cli('client', ['feedback', items[1].id, '--verdict', 'confirm'], asPartner(), partnerDir);
    expect(fb.code, fb.stderr).toBe(0);
    const retracted = await cli('client', ['retract', items[1].id], asPartner(), partnerDir);
    expect(retracted.stdout).toBe(`${items[1].id} retracted\n`);
    const more = await cli('client', ['feed', '--cursor-file', 'feed.cursor'], asPartner(), partnerDir);
    expect(lines(more.stdout).map((e) => [e.kind, e.hash.id])).toEqual([['retract', items[1].id]]);
    expect(more.stderr).toMatch(/^1 entries; to continue from here: --cursor \S+ \(saved in feed\.cursor\)\n$/);
    expect(readFileSync(join(partnerDir, 'feed.cursor'), 'utf8').trim()).not.toBe(cursor);

    // The rest of found.jpg at once, by its item: the id every one of its hash lines names.
    const item = await cli('client', ['retract', '--item', items[0].item], asPartner(), partnerDir);
    expect(item.stdout, item.stderr).toBe(`item ${items[0].item} retracted\n`);
    const gone = await cli('client', ['feed', '--cursor-file', 'feed.cursor', '--json'], asPartner(), partnerDir);
    const tombstones = lines(gone.stdout);
    expect(tombstones.every((e) => e.kind === 'retract')).toBe(true);
    expect(new Set(tombstones.map((e) => e.hash.id))).toEqual(new Set(image.filter((i) => i.id !== items[1].id).map((i) => i.id)));

    const tok = await cli('client', ['token'], asPartner(), partnerDir);
    expect(tok.code, tok.stderr).toBe(0);
    expect((await fetch(`${base}/v1/labels`, { headers: { authorization: `Bearer ${tok.stdout.trim()}` } })).status).toBe(200);
  }, 180_000);

  it("the partner's private key never reached the node's machine", () => {
    expect(readFileSync(join(dir, 'node.db')).includes(Buffer.from(partnerD))).toBe(false);
    for (const f of readdirSync(dir)) if (statSync(join(dir, f)).isFile()) expect(readFileSync(join(dir, f)).includes(Buffer.from(partnerD)), f).toBe(false);
  });

  it('admin commands through the API act on the running node at once: suspension, reactivation, signing key rotation', async () => {
    const suspended = await cli('admin', [...asAdmin(), 'client', 'suspend', partnerId]);
    expect(suspended.stdout).toBe(`${partnerId} is now suspended\n`);
    const refused = await cli('client', ['match', '--hash', `md5:${'0'.repeat(32)}`], asPartner(), partnerDir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: POST \/v1\/oauth\/token: 401 invalid_client|^error: POST \/v1\/match: 403/);
    await cli('admin', [...asAdmin(), 'client', 'reactivate', partnerId]);
    expect((await cli('client', ['match', '--hash', `md5:${'0'.repeat(32)}`], asPartner(), partnerDir)).code).toBe(0);

    const rotated = await cli('admin', [...asAdmin(), 'keys', 'rotate', '--json']);
    expect(rotated.code, rotated.stderr).toBe(0);
    const { kid } = JSON.parse(rotated.stdout);
    const jwks = await (await fetch(`${base}/.well-known/jwks.json`)).json();
    expect(jwks.keys[0].kid).toBe(kid);
    const tok = await cli('client', ['token'], asPartner(), partnerDir);
    expect(JSON.parse(Buffer.from(tok.stdout.split('.')[0], 'base64url').toString()).kid).toBe(kid);
    expect((await actors()).slice(-3)).toEqual([
      { action: 'client.suspend', actor: admin.clientId },
      { action: 'client.reactivate', actor: admin.clientId },
      { action: 'node-key.rotate', actor: admin.clientId },
    ]);
  }, 120_000);

  it('a private key file that others can read is refused, naming the file and the fix', async () => {
    chmodSync(join(partnerDir, 'partner.key.json'), 0o644);
    try {
      const r = await cli('client', ['match', '--hash', `md5:${'0'.repeat(32)}`], asPartner(), partnerDir);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        'error: partner.key.json holds a private key but its mode is 0644: every user of this machine can read it. Make it readable by its owner only: chmod 600 partner.key.json\n',
      );
      chmodSync(join(partnerDir, 'partner.key.json'), 0o640);
      expect((await cli('client', ['token'], asPartner(), partnerDir)).stderr).toContain('other users of this machine can read it');
    } finally {
      chmodSync(join(partnerDir, 'partner.key.json'), 0o600);
    }
    const bad = await cli('client', ['token', '--client-id', 'nobody'], asPartner(), partnerDir);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/invalid_client/);
  }, 120_000);

  it('a public key file given as --key is named as such, whatever its mode: no advice to chmod a public key', async () => {
    for (const [folder, file] of [
      [partnerDir, 'partner.key.pub.json'],
      [dir, 'partner.key.pub.json'],
    ])
      chmodSync(join(folder, file), 0o644);
    const said = 'error: partner.key.pub.json holds no private key (a JWK with "d"): give the private key file keygen wrote, not the .pub.json\n';
    const client = await cli('client', ['token'], { ...asPartner(), MHN_KEY: 'partner.key.pub.json' }, partnerDir);
    expect(client.code).toBe(1);
    expect(client.stderr).toBe(said);
    const admin = await cli('admin', ['--node', base, '--client-id', partnerId, '--key', 'partner.key.pub.json', 'client', 'list']);
    expect(admin.code).toBe(1);
    expect(admin.stderr).toBe(said);
  }, 120_000);

  it('the local database commands still work: client add --public-key registers only the public half, --actor names the operator', async () => {
    const kg = await cli('client', ['keygen', '--out', 'auditor.key.json', '--alg', 'ES256', '--json'], {}, partnerDir);
    expect(JSON.parse(kg.stdout)).toMatchObject({ alg: 'ES256', privateKeyFile: 'auditor.key.json', publicKeyFile: 'auditor.key.pub.json' });
    copyFileSync(join(partnerDir, 'auditor.key.pub.json'), join(dir, 'auditor.key.pub.json'));
    const r = await cli('admin', [
      'client',
      'add',
      '--role',
      'auditor',
      '--name',
      'Auditor',
      '--public-key',
      'auditor.key.pub.json',
      '--actor',
      'alice',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const made = JSON.parse(r.stdout);
    expect(made).toMatchObject({ role: 'auditor', kid: JSON.parse(kg.stdout).kid });
    expect(made.privateJwk).toBeUndefined();
    expect((await actors()).at(-1)).toEqual({ action: 'client.create', actor: 'cli:alice' });
    const list = await cli('admin', ['client', 'list', '--json']);
    expect(JSON.parse(list.stdout).clients.map((c: { id: string }) => c.id)).toContain(made.clientId);
  }, 120_000);
});

describe('the admin CLI and its database', () => {
  it('a mistyped DATABASE_URL is refused, naming the path and --create, and no file appears', async () => {
    const typo = join(dir, 'data', 'nodee.db');
    for (const args of [
      ['client', 'add', '--role', 'partner', '--name', 'Typo'],
      ['client', 'list'],
      ['keys', 'rotate'],
    ]) {
      const r = await cli('admin', args, { DATABASE_URL: `file:${typo}` });
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toBe(
        `error: there is no database at ${typo} (DATABASE_URL=file:${typo}); nothing was done. If DATABASE_URL is wrong, fix it. If this is a new node, start it once (npm start creates its database), or pass --create to create the database here.\n`,
      );
    }
    expect(existsSync(join(dir, 'data'))).toBe(false);
  }, 120_000);

  it('init --out onto an existing file does nothing at all; --overwrite replaces it, --force does not; the key written is the admin created', async () => {
    const home = join(dir, 'keyfile');
    mkdirSync(home);
    const db = join(home, 'node.db');
    const at = { DATABASE_URL: `file:${db}`, NODE_SECRET_FILE: join(home, 'node.secret') };
    const keyFile = join(home, 'admin.key.json');
    writeFileSync(keyFile, 'a key in use\n', { mode: 0o600 });
    const admin = (args: string[]) => cli('admin', args, at, home);
    const clients = async () =>
      JSON.parse((await admin(['client', 'list', '--json'])).stdout).clients as { id: string; role: string; keys: { kid: string; jwk: { x: string } }[] }[];

    const refused = await admin(['init', '--create', '--out', 'admin.key.json']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      'error: admin.key.json exists; not overwritten (it may hold a key in use). Choose another --out, or pass --overwrite to replace it. Nothing was done\n',
    );
    expect(readFileSync(keyFile, 'utf8')).toBe('a key in use\n');
    expect(existsSync(db)).toBe(false); // not even the database --create asked for

    // A file that cannot be written stops init before the admin exists.
    const unwritable = await admin(['init', '--create', '--out', join('no-such-folder', 'admin.key.json')]);
    expect(unwritable.code).toBe(1);
    expect(unwritable.stderr).toMatch(/^error: cannot write no-such-folder\/admin\.key\.json: ENOENT/);
    expect(await clients()).toEqual([]);

    const replaced = await admin(['init', '--out', 'admin.key.json', '--overwrite', '--json']);
    expect(replaced.code, replaced.stderr).toBe(0);
    const first = JSON.parse(replaced.stdout);
    expect(first).toMatchObject({ keyFile: 'admin.key.json', role: 'admin' });
    expect(modeOf(keyFile)).toBe(0o600);
    const key = JSON.parse(readFileSync(keyFile, 'utf8'));
    const stored = await clients();
    expect(stored).toEqual([
      expect.objectContaining({
        id: first.clientId,
        role: 'admin',
        keys: [expect.objectContaining({ kid: key.kid, jwk: expect.objectContaining({ x: key.x }) })],
      }),
    ]);
    expect(readdirSync(home).filter((f) => f.includes('admin.key'))).toEqual(['admin.key.json']); // no temporary file left

    // --force is about admins, not files: another admin onto the same file is refused, and nothing is created.
    const forced = await admin(['init', '--force', '--out', 'admin.key.json']);
    expect(forced.code).toBe(1);
    expect(forced.stderr).toMatch(/admin\.key\.json exists; not overwritten .* pass --overwrite to replace it\. Nothing was done/);
    expect((await clients()).map((c) => c.id)).toEqual([first.clientId]);
    expect(JSON.parse(readFileSync(keyFile, 'utf8')).d).toBe(key.d);
    const refusedAdmin = await admin(['init', '--out', 'second.key.json']);
    expect(refusedAdmin.stderr).toMatch(/already has 1 active admin\(s\); use --force to create another/);
    expect(existsSync(join(home, 'second.key.json'))).toBe(false);

    // client add --out takes the same care.
    const add = await admin(['client', 'add', '--role', 'partner', '--name', 'P', '--out', 'admin.key.json']);
    expect(add.code).toBe(1);
    expect(add.stderr).toMatch(/pass --overwrite to replace it\. Nothing was done/);
    const added = await admin(['client', 'add', '--role', 'partner', '--name', 'P', '--out', 'partner.key.json', '--json']);
    expect(added.code, added.stderr).toBe(0);
    const partnerKey = JSON.parse(readFileSync(join(home, 'partner.key.json'), 'utf8'));
    expect((await clients()).find((c) => c.role === 'partner')?.keys[0]).toMatchObject({ kid: partnerKey.kid, jwk: { x: partnerKey.x } });
  }, 120_000);

  it("a secret that is not the node's stops the admin CLI before anything is done, naming where it was read from; no secret file is made", async () => {
    const home = join(dir, 'secret');
    mkdirSync(home);
    const db = `file:${join(home, 'node.db')}`;
    // Only the secret each call names: none inherited from the shell that ran the tests, nor the walkthrough's own.
    const admin = (args: string[], secret: Record<string, string | undefined>) =>
      cli('admin', args, { DATABASE_URL: db, NODE_SECRET: undefined, NODE_SECRET_FILE: undefined, ...secret }, home);
    const nodeKeyCount = async () => {
      const sql = createClient({ url: db });
      try {
        return Number((await sql.execute('select count(*) as n from node_keys')).rows[0].n);
      } finally {
        sql.close();
      }
    };
    const made = await admin(['init', '--create', '--json'], { NODE_SECRET_FILE: join(home, 'a.secret') });
    expect(made.code, made.stderr).toBe(0);
    const same = 'Run the admin CLI with the same NODE_SECRET or NODE_SECRET_FILE as the node; nothing was done';

    // Run without the node's NODE_SECRET_FILE: the default file is not there, and is not made.
    const unset = await admin(['init', '--force', '--out', 'admin.key.json'], { NODE_SECRET_FILE: undefined });
    expect(unset.code).toBe(1);
    expect(unset.stderr).toBe(
      `error: this node's signing key is sealed with its secret, but there is no secret file at ${join(home, 'data', 'node.secret')} (NODE_SECRET_FILE; NODE_SECRET is not set). ${same}\n`,
    );
    expect(existsSync(join(home, 'data'))).toBe(false);
    expect(existsSync(join(home, 'admin.key.json'))).toBe(false);

    // Another secret, in the environment or in a file: named by where it came from, never by its value.
    const other = 'another secret of at least 32 characters';
    const keysBefore = await nodeKeyCount();
    const inEnv = await admin(['keys', 'rotate'], { NODE_SECRET: other });
    expect(inEnv.code).toBe(1);
    expect(inEnv.stderr).toBe(
      `error: this node's stored signing key does not open with the secret read from NODE_SECRET (wrong secret, or the stored key is damaged). ${same}\n`,
    );
    writeFileSync(join(home, 'b.secret'), `${other}\n`, { mode: 0o600 });
    const inFile = await admin(['client', 'add', '--role', 'partner', '--name', 'P', '--out', 'p.key.json'], { NODE_SECRET_FILE: join(home, 'b.secret') });
    expect(inFile.code).toBe(1);
    expect(inFile.stderr).toBe(
      `error: this node's stored signing key does not open with the secret read from the file ${join(home, 'b.secret')} (NODE_SECRET_FILE) (wrong secret, or the stored key is damaged). ${same}\n`,
    );
    expect(existsSync(join(home, 'p.key.json'))).toBe(false);
    expect(await nodeKeyCount()).toBe(keysBefore);

    // A command that needs no key needs no secret; with the node's own, the others work.
    const list = await admin(['client', 'list', '--json'], { NODE_SECRET_FILE: undefined });
    expect(JSON.parse(list.stdout).clients.map((c: { id: string }) => c.id)).toEqual([JSON.parse(made.stdout).id]);
    expect(existsSync(join(home, 'data'))).toBe(false);
    expect((await admin(['keys', 'rotate'], { NODE_SECRET_FILE: join(home, 'a.secret') })).code).toBe(0);
    expect(await nodeKeyCount()).toBe(keysBefore + 1);
  }, 120_000);

  it('init --create sets up a node before its first start', async () => {
    const fresh = join(dir, 'fresh', 'node.db');
    const r = await cli('admin', ['init', '--create', '--actor', 'ops.team', '--json'], {
      DATABASE_URL: `file:${fresh}`,
      NODE_SECRET_FILE: join(dir, 'fresh', 'node.secret'),
    });
    expect(r.code, r.stderr).toBe(0);
    // `id`, as the API's clients; `clientId`, the same, for the scripts written against it.
    const made = JSON.parse(r.stdout);
    expect(made.id).toEqual(expect.any(String));
    expect(made.clientId).toBe(made.id);
    expect(existsSync(fresh)).toBe(true);
    const bad = await cli('admin', ['client', 'list', '--actor', 'bob smith']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--actor must be/);
  }, 120_000);
});
