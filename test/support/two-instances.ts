/**
 * Two instances of the node on one SQLite file, each served over real HTTP on a loopback port, with
 * members' and an auditor's tokens: the setting of the concurrency tests (Node only; the workerd
 * tests drive one app in-process).
 */
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { makeTestApp, type TestApp, type TestClient } from './app';
import type { Target } from './concurrency';

export interface TwoInstances {
  a: TestApp;
  b: TestApp;
  /** The two instances' base URLs. */
  urls: string[];
  /** Member m's access token. */
  tokens: string[];
  auditor: TestClient;
  auditorToken: string;
  /** A bearer-token fetch to instance i. */
  fetchAs(token: string, i: number): (path: string, init?: RequestInit) => Promise<Response>;
  /** Member m's requests through instance i, or, for i < 0, odd members through the second; the auditor's through the first. */
  through(i: number): Target;
  close(): Promise<void>;
}

export async function twoInstances(members: number, name: (m: number) => string): Promise<TwoInstances> {
  // Real time: the auditor's verifier signs its assertions with the system clock.
  const a = await makeTestApp({ TREE_HEAD_INTERVAL_MS: '0' }, { realTime: true });
  const b = await makeTestApp({ TREE_HEAD_INTERVAL_MS: '0' }, { sameDatabaseAs: a, realTime: true });
  await b.rt.indexLoaded;
  const servers: ServerType[] = [];
  const urls: string[] = [];
  for (const t of [a, b]) {
    const server = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' });
    servers.push(server);
    await new Promise((r) => server.once('listening', r));
    urls.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  }
  const clients = await Promise.all(Array.from({ length: members }, (_, m) => a.client('partner', name(m))));
  const tokens = await Promise.all(clients.map((c) => a.token(c)));
  const auditor = await a.client('auditor', 'auditor');
  const auditorToken = await a.token(auditor);
  const fetchAs =
    (token: string, i: number) =>
    (path: string, init: RequestInit = {}) =>
      fetch(`${urls[i]}${path}`, { ...init, headers: { ...init.headers, authorization: `Bearer ${token}` } });
  return {
    a,
    b,
    urls,
    tokens,
    auditor,
    auditorToken,
    fetchAs,
    through: (i) => ({
      member: (m, path, init) => fetchAs(tokens[m], i < 0 ? m % 2 : i)(path, init),
      auditor: (path) => fetchAs(auditorToken, 0)(path),
    }),
    async close() {
      for (const s of servers) s.close();
      await b.close();
      await a.close();
    },
  };
}
