/**
 * Consortium nodes as real processes for the federation tests and bench: each its own folder,
 * database and fixed loopback port (so it can be stopped and started again at the same URL), with
 * an admin, a partner and an auditor admitted; optionally behind a proxy that can change what the
 * node's feed answers (to test refused batches) and that names the node's URL (its PUBLIC_URL).
 */
import { createClient, type Client } from '@libsql/client';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { admit, freePort, startReadyNode, tokenFor, type Member } from './node-process';

export interface FedNode {
  name: string;
  /** The node's PUBLIC_URL (the proxy's, when it has one). */
  url: string;
  /** Where the node itself listens. */
  direct: string;
  dir: string;
  databaseUrl: string;
  admin: Member;
  partner: Member;
  auditor: Member;
  /** The admin's private key in a 0600 file, for the CLI. */
  adminKeyFile: string;
  db: Client;
  proxy?: TamperProxy;
  process?: Awaited<ReturnType<typeof startReadyNode>>;
  start(): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Stops it and deletes its folder (and its proxy). */
  remove(): Promise<void>;
  /** A fresh access token of one of its members (cached for 5 minutes). */
  token(who: 'admin' | 'partner' | 'auditor' | Member): Promise<string>;
  /** A request to the node through its URL, as `who` (default its partner). */
  call(path: string, init?: RequestInit & { as?: 'admin' | 'partner' | 'auditor' | Member }): Promise<Response>;
}

export type Tamper = (
  body: { batch: string; nextCursor: string; more: boolean },
  ctx: { path: string; authorization: string; refetch: (path: string) => Promise<{ batch: string; nextCursor: string; more: boolean }> },
) => Promise<{ batch: string; nextCursor: string; more: boolean }>;

/** An HTTP proxy in front of a node; `tamper` changes the feed's 200 answers while it is set. */
export interface TamperProxy {
  url: string;
  tamper: Tamper | null;
  close(): Promise<void>;
}

export async function tamperProxy(targetPort: () => number): Promise<TamperProxy> {
  const port = await freePort();
  const state: TamperProxy = { url: `http://127.0.0.1:${port}`, tamper: null, close: async () => {} };
  const forward = async (path: string, method: string, headers: Record<string, string>, body?: Buffer) =>
    fetch(`http://127.0.0.1:${targetPort()}${path}`, { method, headers, body: body?.length ? new Uint8Array(body) : undefined, redirect: 'manual' });
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers))
        if (typeof v === 'string' && k !== 'host' && k !== 'connection' && k !== 'content-length') headers[k] = v;
      try {
        const r = await forward(req.url!, req.method!, headers, Buffer.concat(chunks));
        let out = Buffer.from(await r.arrayBuffer());
        const tamper = state.tamper;
        if (tamper && req.url!.startsWith('/v1/federation/feed') && r.status === 200) {
          const refetch = async (path: string) => (await forward(path, 'GET', headers)).json();
          out = Buffer.from(JSON.stringify(await tamper(JSON.parse(out.toString()), { path: req.url!, authorization: headers.authorization ?? '', refetch })));
        }
        const h: Record<string, string> = {};
        r.headers.forEach((v, k) => {
          if (k !== 'content-length' && k !== 'content-encoding' && k !== 'transfer-encoding' && k !== 'connection') h[k] = v;
        });
        res.writeHead(r.status, h).end(out);
      } catch {
        res
          .writeHead(502, { 'content-type': 'application/problem+json' })
          .end(JSON.stringify({ status: 502, code: 'bad_gateway', detail: 'the node behind the proxy is down' }));
      }
    });
  });
  await new Promise<void>((ok) => server.listen(port, '127.0.0.1', ok));
  state.close = () => new Promise((ok) => server.close(() => ok()));
  return state;
}

/** A node's folder, database (with its admin, partner and auditor) and port; `start()` runs it. */
export async function fedNode(name: string, env: Record<string, string> = {}, opts: { proxy?: boolean } = {}): Promise<FedNode> {
  const dir = mkdtempSync(join(tmpdir(), `mhn-fed-${name}-`));
  const port = await freePort();
  const databaseUrl = `file:${join(dir, 'node.db')}`;
  const proxy = opts.proxy ? await tamperProxy(() => port) : undefined;
  const direct = `http://127.0.0.1:${port}`;
  const url = proxy?.url ?? direct;
  // The database and its members before the first start (admit migrates a new database).
  const admin = await admit(databaseUrl, 'admin', `${name} admin`);
  const partner = await admit(databaseUrl, 'partner', `${name} partner`);
  const auditor = await admit(databaseUrl, 'auditor', `${name} auditor`);
  const adminKeyFile = join(dir, 'admin.key.json');
  writeFileSync(adminKeyFile, JSON.stringify(admin.jwk), { mode: 0o600 });
  const tokens = new Map<string, { token: string; until: number }>();
  const n: FedNode = {
    name,
    url,
    direct,
    dir,
    databaseUrl,
    admin,
    partner,
    auditor,
    adminKeyFile,
    db: createClient({ url: databaseUrl }),
    proxy,
    async start() {
      n.process = await startReadyNode({
        PORT: String(port),
        PUBLIC_URL: url,
        DATABASE_URL: databaseUrl,
        NODE_SECRET_FILE: join(dir, 'node.secret'),
        FEDERATION_BACKOFF_BASE_MS: '100',
        FEDERATION_BACKOFF_MAX_MS: '1000',
        FEDERATION_TIMEOUT_MS: '10000',
        TREE_HEAD_INTERVAL_MS: '0',
        RATE_LIMIT_PER_SECOND: '0',
        ...env,
      });
    },
    async stop(signal = 'SIGTERM') {
      await n.process?.stop(signal);
      n.process = undefined;
      tokens.clear();
    },
    async remove() {
      await n.stop();
      await proxy?.close();
      n.db.close();
      rmSync(dir, { recursive: true, force: true });
    },
    async token(who) {
      const m = typeof who === 'string' ? n[who] : who;
      const hit = tokens.get(m.id);
      if (hit && hit.until > Date.now()) return hit.token;
      const token = await tokenFor(n.direct, url, m);
      tokens.set(m.id, { token, until: Date.now() + 300_000 });
      return token;
    },
    async call(path, init = {}) {
      const { as = 'partner', ...rest } = init;
      const headers = new Headers(rest.headers);
      headers.set('authorization', `Bearer ${await n.token(as)}`);
      if (typeof rest.body === 'string' && !headers.has('content-type')) headers.set('content-type', 'application/json');
      return fetch(`${n.direct}${path}`, { ...rest, headers });
    },
  };
  return n;
}

/** `puller` pulls `server`: registered at the server as a peer client by its JWKS URL, and the server added as a peer at the puller. */
export async function peerUp(
  server: FedNode,
  puller: FedNode,
  settings: { intervalMs?: number; labels?: string[] | null; matching?: boolean } = {},
): Promise<{ clientId: string; peerId: string }> {
  const c = await server.call('/v1/admin/clients', {
    as: 'admin',
    method: 'POST',
    body: JSON.stringify({ role: 'peer', name: `node ${puller.name}`, jwksUrl: `${puller.url}/.well-known/jwks.json` }),
  });
  if (c.status !== 201) throw new Error(`peer client at ${server.name}: ${c.status} ${await c.text()}`);
  const clientId = (await c.json()).id;
  const p = await puller.call('/v1/admin/peers', { as: 'admin', method: 'POST', body: JSON.stringify({ url: server.url, clientId, ...settings }) });
  if (p.status !== 201) throw new Error(`peer at ${puller.name}: ${p.status} ${await p.text()}`);
  return { clientId, peerId: (await p.json()).id };
}

export interface HashState {
  status: string;
  labels: string[];
  contributors: number;
}

/**
 * The hashes a node holds with this origin ('' = its own), read from its database: type:value ->
 * status, labels, contributors (for pulled ones: at their origin, as the match answer gives them).
 */
export async function hashesOf(n: FedNode, origin: string): Promise<Map<string, HashState>> {
  const rows = await n.db.execute({
    sql: `select h.type, h.value, h.status, h.origin_contributors as n,
        (select json_group_array(l) from (select distinct lj.value as l from contributions c, json_each(c.labels) lj where c.hash_id = h.id and c.retracted_at is null order by l)) as labels,
        (select count(*) from contributions c where c.hash_id = h.id and c.retracted_at is null) as k
      from hashes h where h.origin = ?`,
    args: [origin],
  });
  return new Map(
    rows.rows.map((r) => [
      `${r.type}:${r.value}`,
      { status: String(r.status), labels: JSON.parse(String(r.labels)), contributors: Number(origin ? r.n : r.k) },
    ]),
  );
}

/** Only the active ones (what matches). */
export const activeOf = (m: Map<string, HashState>) => new Map([...m].filter(([, s]) => s.status === 'active'));

export async function waitFor<T>(what: string, check: () => Promise<T | false | undefined | null>, timeoutMs = 30_000, stepMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const r = await check();
      if (r) return r;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** The audit entries of a node, parsed. */
export async function auditOf(n: FedNode): Promise<{ action: string; subject: { kind: string; id: string }; content: Record<string, unknown> }[]> {
  const rows = await n.db.execute('select entry from audit_log order by seq');
  return rows.rows.map((r) => JSON.parse(String(r.entry)));
}
