/**
 * The real app (test/support/app.ts: libsql file, sharp, the node's keys, real time) served over
 * HTTP on a free loopback port, its PUBLIC_URL being that address: for clients that talk to a node
 * over the network (NodeClient, the CLIs) rather than through app.request().
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { JWK } from 'jose';
import { makeTestApp, type TestApp } from './app';

export interface ServedApp {
  t: TestApp;
  base: string;
  /** A client with a fresh key pair, and its private JWK as `client keygen` writes it (kid, alg). */
  member(role: 'partner' | 'admin' | 'auditor' | 'peer', name?: string): Promise<{ id: string; jwk: JWK }>;
  close(): Promise<void>;
}

export async function serveTestApp(env: Record<string, string> = {}): Promise<ServedApp> {
  let app: TestApp['app'] | undefined;
  const server = serve({
    fetch: (req) => (app ? app.fetch(req) : new Response(null, { status: 503, headers: { 'retry-after': '1' } })),
    port: 0,
    hostname: '127.0.0.1',
  });
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const t = await makeTestApp({ PUBLIC_URL: base, ...env }, { realTime: true });
  app = t.app;
  return {
    t,
    base,
    async member(role, name) {
      const c = await t.client(role, name);
      return { id: c.id, jwk: { ...c.privateJwk, kid: c.kid, alg: c.alg } };
    },
    async close() {
      await new Promise((r) => server.close(r));
      await t.close();
    },
  };
}
