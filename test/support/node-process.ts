/**
 * Real node processes for tests that need several (instances on one database, crashes, peers): each
 * runs src/main.node.ts in its own Node process on a free loopback port, with its own environment.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { clientAssertion } from '../../src/cli/oauth';
import { openDatabase } from '../../src/runtime/node/db';
import { NO_FOLLOWER } from '../../src/services/change-follower';
import { createClient } from '../../src/services/clients';
import { SqlAuthStore } from '../../src/storage/auth-store';
import { SqlLedger } from '../../src/storage/ledger';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

export interface NodeProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** Everything the process wrote, stdout and stderr. */
  output(): string;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** Starts a node; resolves once GET /health answers (any status) unless `waitFor` is 'ready' (200). */
export async function startNode(env: Record<string, string>, opts: { waitFor?: 'port' | 'ready'; timeoutMs?: number; port?: number } = {}): Promise<NodeProcess> {
  const port = opts.port ?? (await freePort());
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/main.node.ts')], {
    cwd: ROOT,
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), NODE_ENV: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | string>((ok) => child.once('exit', (code, signal) => ok(code ?? signal ?? 'unknown')));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  let done = false;
  void exited.then(() => (done = true));
  for (;;) {
    if (done) throw new Error(`the node exited before it answered:\n${out}`);
    try {
      const res = await fetch(`${url}/health`);
      if (opts.waitFor !== 'ready' || res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the node did not answer within ${opts.timeoutMs ?? 30_000} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    port,
    child,
    output: () => out,
    exited,
    async stop(signal = 'SIGTERM') {
      if (!done) child.kill(signal);
      return exited;
    },
  };
}

export interface Member {
  id: string;
  jwk: JWK;
}

/** Admits a client straight into a node's database (as the admin CLI does) and returns its key. */
export async function admit(databaseUrl: string, role: 'partner' | 'admin' | 'auditor' | 'peer', name: string): Promise<Member> {
  const db = await openDatabase(databaseUrl);
  try {
    const { publicKey, privateKey } = await generateKeyPair('EdDSA', { extractable: true });
    const registry = { auth: new SqlAuthStore(db.reader), ledger: new SqlLedger(db.writer), follower: NO_FOLLOWER, now: Date.now, newId: () => crypto.randomUUID() };
    const view = await createClient(registry, 'test', { role, name, jwk: await exportJWK(publicKey) });
    return { id: view.id, jwk: { ...(await exportJWK(privateKey)), kid: view.keys[0].kid, alg: 'EdDSA' } };
  } finally {
    await db.close();
  }
}

/** An access token from `node` for a client of the node whose issuer is `issuer`. */
export async function tokenFor(node: string, issuer: string, m: Member): Promise<string> {
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: await clientAssertion(`${issuer}/v1/oauth/token`, m.id, m.jwk),
  });
  const res = await fetch(`${node}/v1/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
  const body = await res.json();
  if (res.status !== 200) throw new Error(`token refused: ${res.status} ${JSON.stringify(body)}`);
  return body.access_token;
}
