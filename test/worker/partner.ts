/** A client admitted straight into the test's D1 database, and its access token from the worker's front door. */
import { env, exports } from 'cloudflare:workers';
import { drizzle } from 'drizzle-orm/d1';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { NO_FOLLOWER } from '../../src/services/change-follower';
import { createClient } from '../../src/services/clients';
import { SqlAuthStore } from '../../src/storage/auth-store';
import type { AppDb } from '../../src/storage/db';
import { SqlLedger } from '../../src/storage/ledger';
import * as schema from '../../src/storage/schema';

export const worker = (exports as any).default as { fetch(input: string, init?: RequestInit): Promise<Response> };
export const BASE = 'https://node.example';

export async function admit(role: 'partner' | 'auditor' | 'admin', name: string): Promise<string> {
  const db = drizzle((env as any).DB, { schema }) as unknown as AppDb;
  const { publicKey, privateKey } = await generateKeyPair('EdDSA');
  const registry = {
    auth: new SqlAuthStore(db),
    ledger: new SqlLedger(db, { buckets: true }),
    follower: NO_FOLLOWER,
    now: Date.now,
    newId: () => crypto.randomUUID(),
  };
  const client = await createClient(registry, 'test', { role, name, jwk: await exportJWK(publicKey) });
  const now = Math.floor(Date.now() / 1000);
  const assertion = await new SignJWT({ jti: crypto.randomUUID() })
    .setProtectedHeader({ alg: 'EdDSA', kid: client.keys[0].kid })
    .setIssuer(client.id)
    .setSubject(client.id)
    .setAudience(`${BASE}/v1/oauth/token`)
    .setIssuedAt(now)
    .setExpirationTime(now + 60)
    .sign(privateKey);
  const res = await worker.fetch(`${BASE}/v1/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    }).toString(),
  });
  if (res.status !== 200) throw new Error(`token: ${res.status} ${await res.text()}`);
  return ((await res.json()) as any).access_token;
}
