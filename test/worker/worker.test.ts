/** The worker entry inside workerd, on D1 migrated from drizzle/: health, tokens, sharing and JSON matching. */
import { env, exports } from 'cloudflare:workers';
import { drizzle } from 'drizzle-orm/d1';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/services/clients';
import { SqlAuthStore } from '../../src/storage/auth-store';
import { SqlLedger } from '../../src/storage/ledger';
import { NO_FOLLOWER } from '../../src/services/change-follower';
import type { AppDb } from '../../src/storage/db';
import * as schema from '../../src/storage/schema';

const worker = (exports as any).default as { fetch(input: string, init?: RequestInit): Promise<Response> };
const BASE = 'https://node.example';
const P1 = 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22';
let auth: Record<string, string>;

beforeAll(async () => {
  // Wake the worker so it makes its signing key, then admit a partner straight into D1.
  expect((await worker.fetch(`${BASE}/health`)).status).toBe(200);
  const db = drizzle((env as any).DB, { schema }) as unknown as AppDb;
  const { publicKey, privateKey } = await generateKeyPair('EdDSA');
  const registry = {
    auth: new SqlAuthStore(db),
    ledger: new SqlLedger(db, { buckets: true }),
    follower: NO_FOLLOWER,
    now: Date.now,
    newId: () => crypto.randomUUID(),
  };
  const client = await createClient(registry, 'test', { role: 'partner', name: 'edge partner', jwk: await exportJWK(publicKey) });
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
  expect(res.status).toBe(200);
  auth = { authorization: `Bearer ${((await res.json()) as any).access_token}` };
});

const post = (path: string, body: unknown, headers = auth) =>
  worker.fetch(`${BASE}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe('worker entry in workerd with D1', () => {
  it('GET /health answers 200 with the database state', async () => {
    const res = await worker.fetch(`${BASE}/health`);
    expect(res.status).toBe(200);
    const body: any = await res.json();
    expect(body).toMatchObject({ status: 'ok', node: { runtime: 'worker' }, checks: { database: { ok: true }, index: { ok: true } } });
  });

  it('publishes its signing key and refuses requests without a token', async () => {
    const jwks: any = await (await worker.fetch(`${BASE}/.well-known/jwks.json`)).json();
    expect(jwks.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519' });
    expect((await post('/v1/match', { hashes: [{ type: 'pdq', value: P1 }] }, {})).status).toBe(401);
  });

  it('shares a hash into D1 and matches it with a JSON /v1/match', async () => {
    const shared = await post('/v1/hashes', { items: [{ type: 'pdq', value: P1, labels: ['attack-footage'] }] });
    expect(shared.status).toBe(201);
    const near = P1.slice(0, 63) + (P1[63] === '2' ? '3' : '2');
    const res = await post('/v1/match', {
      hashes: [
        { type: 'pdq', value: near },
        { type: 'pdq', value: '0'.repeat(64) },
      ],
    });
    expect(res.status).toBe(200);
    const { results }: any = await res.json();
    expect(results[0].matches).toEqual([expect.objectContaining({ value: P1, distance: 1, labels: ['attack-footage'], contributors: 1 })]);
    expect(results[1].matches).toEqual([]);
  });

  it('bad input is a 400 problem+json on the edge too', async () => {
    const res = await post('/v1/match', { hashes: [{ type: 'pdq', value: 'xyz' }] });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  });

  it('media: a body that is no image is a 415 naming what the edge takes; a video, 501 naming client-side hashing', async () => {
    const res = await worker.fetch(`${BASE}/v1/hash`, {
      method: 'POST',
      headers: { 'content-type': 'image/png', ...auth },
      body: new Uint8Array([137, 80, 78, 71]),
    });
    expect(res.status).toBe(415);
    expect(((await res.json()) as any).detail).toContain('JPEG (8-bit, greyscale or colour), PNG, WebP (still), GIF (first frame), AVIF and baseline TIFF');
    const mp4 = new Uint8Array([0, 0, 0, 24, ...new TextEncoder().encode('ftypisom'), 0, 0, 2, 0, ...new TextEncoder().encode('isomiso2')]);
    const video = await worker.fetch(`${BASE}/v1/hash`, { method: 'POST', headers: { 'content-type': 'video/mp4', ...auth }, body: mp4 });
    expect(video.status).toBe(501);
    expect(((await video.json()) as any).detail).toContain('npm run client -- hash');
  });
  it('a body that stops arriving is refused with 408 in the node’s words (BODY_IDLE_TIMEOUT_MS, 2 s here), the same code as on Node', {
    timeout: 30_000,
  }, async () => {
    const started = Date.now();
    const res = await worker.fetch(`${BASE}/v1/hash`, {
      method: 'POST',
      headers: { 'content-type': 'image/png', ...auth },
      // Four bytes of a PNG, then nothing more and no end.
      body: new ReadableStream<Uint8Array>({ start: (c) => c.enqueue(new Uint8Array([137, 80, 78, 71])) }),
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(408);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(await res.json()).toMatchObject({
      code: 'request_timeout',
      detail: 'the body stopped arriving: no bytes for 2 s after 4 bytes; the connection is closed, send the request again',
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
  });

  it('vpdq as JSON: a video hashed elsewhere is shared, matched by its frames (vPDQ rule) and by a still', async () => {
    // Ten frames, one a second: P1 with 0..9 low bits flipped (quality 90); the query is the same with one more bit each.
    const flip = (hex: string, bits: number) => hex.slice(0, 56) + (parseInt(hex.slice(56), 16) ^ ((1 << bits) - 1)).toString(16).padStart(8, '0');
    const frames = Array.from({ length: 10 }, (_, i) => ({ index: 30 * i, timestamp: i, hash: flip(P1.replace(/^f8/, '07'), i), quality: 90 }));
    const shared = await post('/v1/hashes', { items: [{ type: 'vpdq', frames, labels: ['attack-footage'] }] });
    expect(shared.status).toBe(201);
    const [item]: any = ((await shared.json()) as any).items;
    expect(item).toMatchObject({ type: 'vpdq', created: true });
    const query = frames.map((f) => ({ ...f, hash: flip(f.hash, 1) }));
    const res = await post('/v1/match', {
      hashes: [
        { type: 'vpdq', frames: query },
        { type: 'pdq', value: frames[4].hash },
      ],
    });
    expect(res.status).toBe(200);
    const { results }: any = await res.json();
    // The video, and (its frames being near P1, shared above) that image, named by the frame nearest to it.
    expect(results[0].matches.filter((m: any) => m.type === 'vpdq')).toEqual([
      expect.objectContaining({ id: item.id, video: { queryMatchPercent: 100, candidateMatchPercent: 100 } }),
    ]);
    expect(results[0].matches.filter((m: any) => m.type === 'pdq')).toEqual([
      expect.objectContaining({ value: P1, distance: 8, frame: { index: 30, timestamp: 1 } }),
    ]);
    expect(results[1].matches).toContainEqual(expect.objectContaining({ id: item.id, type: 'vpdq', distance: 0, frame: { index: 120, timestamp: 4 } }));
  });
});
