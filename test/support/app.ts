/**
 * Builds the real app the way src/main.node.ts does (libsql file database, sharp, migrations, the
 * node's signing key), in a fresh temp folder, with a fixed clock the test can move. Clients are
 * created with real key pairs and get real tokens from POST /v1/oauth/token.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { buildApp } from '../../src/http/app';
import type { Authenticator } from '../../src/http/env';
import { loadConfig } from '../../src/runtime/node/config';
import { createNodeRuntime, type NodeRuntime } from '../../src/runtime/node/deps';
import { createClient } from '../../src/services/clients';
import type { LogFields, Logger } from '../../src/services/observe';

export class TestClock {
  constructor(public t = Date.UTC(2026, 10, 21, 12, 0, 0)) {}
  now = () => this.t;
  advance(ms: number) {
    this.t += ms;
  }
}

export const ISSUER = 'http://node.test';
export const TOKEN_URL = `${ISSUER}/v1/oauth/token`;

export interface TestClient {
  id: string;
  role: string;
  kid: string;
  privateKey: CryptoKey;
  privateJwk: JWK;
  alg: 'EdDSA' | 'ES256';
}

export interface TestApp {
  app: ReturnType<typeof buildApp>;
  rt: NodeRuntime;
  dir: string;
  dbFile: string;
  clock: TestClock;
  /** What decoders and libraries said about client errors (AppOptions.onErrorCause): the log, not the response. */
  errorCauses: { code: string; detail: string; cause: string }[];
  /** A new client with a fresh key pair (registered through the admin service). */
  client(role: 'partner' | 'admin' | 'auditor' | 'peer', name?: string, alg?: 'EdDSA' | 'ES256'): Promise<TestClient>;
  /** A signed client assertion for the token endpoint. */
  assertion(c: TestClient, claims?: Record<string, unknown>, opts?: { lifetimeS?: number; aud?: string; kid?: string | null }): Promise<string>;
  /** An access token through the real token endpoint. */
  token(c: TestClient): Promise<string>;
  /** `{ authorization: 'Bearer …' }` for a client made once per name. */
  as(role: 'partner' | 'admin' | 'auditor' | 'peer', name: string): Promise<Record<string, string>>;
  /** app.request with the default partner's token unless the request carries its own Authorization. */
  request(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

/** A logger that keeps its lines, for a test to read. */
export function recordingLogger(): Logger & { lines: { level: string; fields: LogFields; msg: string }[] } {
  const lines: { level: string; fields: LogFields; msg: string }[] = [];
  const at = (level: string) => (fields: LogFields, msg: string) => void lines.push({ level, fields, msg });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), fatal: at('fatal') };
}

let jtiCounter = 0;

/**
 * `opts.realTime`: the clock is the system's. `opts.sameDatabaseAs`: a second instance on the first one's database file and node secret (as a
 * second process would be); its folder stays until the first one closes.
 */
export async function makeTestApp(
  env: Record<string, string> = {},
  opts: {
    authenticator?: Authenticator;
    sameDatabaseAs?: TestApp;
    realTime?: boolean;
    fetch?: (url: string, init: RequestInit) => Promise<Response>;
    /** The runtime's pause between slices of long tasks (default: a turn of the event loop). */
    pause?: () => Promise<void>;
    /** The runtime's log (default: silent). */
    logger?: Logger;
  } = {},
): Promise<TestApp> {
  const dir = opts.sameDatabaseAs?.dir ?? mkdtempSync(join(tmpdir(), 'mhn-test-'));
  const dbFile = join(dir, 'node.db');
  // The hash threads at the process's priority: test files run side by side on few cores, and a
  // test waits for its own hashes (the default nice +10 is for a node that must answer first).
  const config = loadConfig({
    DATABASE_URL: `file:${dbFile}`,
    NODE_ENV: 'test',
    PUBLIC_URL: ISSUER,
    NODE_SECRET_FILE: join(dir, 'node.secret'),
    HASH_THREAD_NICE: '0',
    ...env,
  });
  const clock = new TestClock();
  // Real time, for tests that talk to the node with tools that read the system clock (the verifier).
  if (opts.realTime) clock.now = () => Date.now();
  const rt = await createNodeRuntime(config, { now: clock.now, authenticator: opts.authenticator, fetch: opts.fetch, pause: opts.pause, logger: opts.logger });
  await rt.indexLoaded;
  const errorCauses: TestApp['errorCauses'] = [];
  const app = buildApp(rt.deps, {
    onInternalError: (e) => console.error(e),
    onErrorCause: (e, cause) => errorCauses.push({ code: e.code, detail: e.message, cause: cause instanceof Error ? cause.message : String(cause) }),
  });
  const byName = new Map<string, Record<string, string>>();

  const t: TestApp = {
    app,
    rt,
    dir,
    dbFile,
    clock,
    errorCauses,
    async client(role, name = `${role}-${++jtiCounter}`, alg = 'EdDSA') {
      const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
      const view = await createClient(rt.deps, 'test-setup', { role, name, jwk: await exportJWK(publicKey) });
      return { id: view.id, role, kid: view.keys[0].kid, privateKey, privateJwk: await exportJWK(privateKey), alg };
    },
    async assertion(c, claims = {}, o = {}) {
      const now = Math.floor(clock.now() / 1000);
      const header: Record<string, unknown> = { alg: c.alg, typ: 'JWT' };
      if (o.kid !== null) header.kid = o.kid ?? c.kid;
      const payload = {
        iss: c.id,
        sub: c.id,
        aud: o.aud ?? TOKEN_URL,
        iat: now,
        exp: now + (o.lifetimeS ?? 120),
        jti: `jti-${++jtiCounter}-${Math.random()}`,
        ...claims,
      };
      return new SignJWT(payload).setProtectedHeader(header as { alg: string }).sign(c.privateKey);
    },
    async token(c) {
      const res = await app.request(TOKEN_URL, tokenRequest(await t.assertion(c)));
      const body = (await res.json()) as { access_token?: string; error_description?: string };
      if (res.status !== 200 || !body.access_token) throw new Error(`token request failed: ${res.status} ${body.error_description}`);
      return body.access_token;
    },
    async as(role, name) {
      let h = byName.get(name);
      if (!h) {
        h = { authorization: `Bearer ${await t.token(await t.client(role, name))}` };
        byName.set(name, h);
      }
      return h;
    },
    async request(path, init = {}) {
      const headers = new Headers(init.headers);
      if (!headers.has('authorization')) headers.set('authorization', (await t.as('partner', 'default-partner')).authorization);
      return app.request(path.startsWith('http') ? path : `${ISSUER}${path}`, { ...init, headers });
    },
    async close() {
      await rt.close();
      if (!opts.sameDatabaseAs) rmSync(dir, { recursive: true, force: true });
    },
  };
  return t;
}

export function tokenRequest(assertion: string, extra: Record<string, string> = {}): RequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
      ...extra,
    }).toString(),
  };
}

/** JSON request helper. */
export function json(method: string, body: unknown, headers: Record<string, string> = {}): RequestInit {
  return { method, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}
