/**
 * NodeClient inside workerd, talking to the worker's front door through a custom fetch (as a Worker
 * integrating with a node over a service binding would): it signs in with a key made in workerd,
 * shares, matches, reads the feed, gives feedback, retracts, and admits a member as an admin. The
 * local hashing helpers run here too: PDQ and blockhash of pixels decoded in workerd, MD5/SHA-256 of
 * the bytes, equal to what the Node node computes for the same image (NODE_REFERENCE).
 */
import { env } from 'cloudflare:workers';
import { drizzle } from 'drizzle-orm/d1';
import { beforeAll, describe, expect, it } from 'vitest';
import { digestBytes, generateClientKey, hashPixels, NodeClient, type ShareItem } from '../../src/client';
import { NO_FOLLOWER } from '../../src/services/change-follower';
import { createClient } from '../../src/services/clients';
import { SqlAuthStore } from '../../src/storage/auth-store';
import type { AppDb } from '../../src/storage/db';
import { SqlLedger } from '../../src/storage/ledger';
import * as schema from '../../src/storage/schema';
import { WasmImageDecoder } from '../../src/runtime/worker/image';
import { WORKER_WASM } from '../../src/runtime/worker/wasm-modules';
import { BASE, worker } from './partner';

const ref = (env as any).NODE_REFERENCE as { fetch(url: string): Promise<Response> };
const frontDoor = (req: Request) => worker.fetch(req as unknown as string);

/** A member admitted straight into D1 with only the public half of a key made here. */
async function member(role: 'partner' | 'admin', name: string) {
  const pair = await generateClientKey();
  const db = drizzle((env as any).DB, { schema }) as unknown as AppDb;
  const registry = {
    auth: new SqlAuthStore(db),
    ledger: new SqlLedger(db, { buckets: true }),
    follower: NO_FOLLOWER,
    now: Date.now,
    newId: () => crypto.randomUUID(),
  };
  const c = await createClient(registry, 'test', { role, name, jwk: pair.publicJwk as Record<string, unknown> });
  return new NodeClient({ node: BASE, clientId: c.id, key: pair.privateJwk, fetch: frontDoor });
}

let partner: NodeClient;

beforeAll(async () => {
  expect((await worker.fetch(`${BASE}/health`)).status).toBe(200);
  partner = await member('partner', 'client in workerd');
});

describe('NodeClient in workerd', () => {
  it('signs in (audience from the metadata), shares, matches, reads the feed, gives feedback and retracts', async () => {
    expect((await partner.serverMetadata())?.issuer).toBe(BASE);
    const value = 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b23';
    const start = (await partner.feed({ limit: 1000 })).nextCursor;
    const items: ShareItem[] = [
      { type: 'pdq', value, labels: ['attack-footage'], quality: 100 },
      ...Array.from({ length: 1200 }, (_, i) => ({ type: 'md5' as const, value: i.toString(16).padStart(32, 'a'), labels: ['recruitment' as const] })),
    ];
    const shared = await partner.share(items);
    expect(shared.items).toHaveLength(1201);
    const near = value.slice(0, 63) + '2';
    const { results } = await partner.match([
      { type: 'pdq', value: near },
      { type: 'md5', value: items[1200].value! },
    ]);
    expect(results[0].matches[0]).toMatchObject({ value, distance: 1 });
    expect(results[1].matches[0]).toMatchObject({ value: items[1200].value });

    const other = await member('partner', 'second member');
    await other.feedback(shared.items[0].id, 'confirm');
    await partner.retract(shared.items[0].id);
    const entries = [];
    for await (const page of partner.pages({ cursor: start, limit: 500 })) entries.push(...page.entries);
    expect(entries[0]).toMatchObject({ kind: 'add', hash: { value } });
    expect(entries.at(-1)).toMatchObject({ kind: 'retract', hash: { id: shared.items[0].id } });
  });

  it('an admin admits a member by its public key; the member signs in', async () => {
    const admin = await member('admin', 'admin in workerd');
    const pair = await generateClientKey('ES256');
    const made = await admin.admin.createClient({ role: 'partner', name: 'admitted in workerd', jwk: pair.publicJwk as Record<string, unknown> });
    const m = new NodeClient({ node: BASE, clientId: made.id, key: pair.privateJwk, fetch: frontDoor });
    expect((await m.labels()).labels.length).toBeGreaterThan(0);
  });

  it('hashes pixels and bytes locally as the Node node does, and as the worker does through the client', async () => {
    // The reference service prepares its images on the first request (a few seconds).
    const pick = 'blockhash/clipper_ship.jpg';
    const bytes = new Uint8Array(await (await ref.fetch(`https://ref/image?name=${encodeURIComponent(pick)}`)).arrayBuffer());
    const nodeSays: any = await (await ref.fetch(`https://ref/node?name=${encodeURIComponent(pick)}`)).json();
    const img = await new WasmImageDecoder({ maxPixels: 40_000_000, memoryBytes: 96 * 2 ** 20, modules: WORKER_WASM.codecs }).decode(bytes);
    const local = hashPixels(img);
    expect(local.pdq).toEqual(nodeSays.hashes.pdq);
    expect(local.blockhash).toEqual(nodeSays.hashes.blockhash);
    const d = digestBytes(bytes);
    expect({ md5: { value: d.md5 }, sha256: { value: d.sha256 } }).toEqual({ md5: nodeSays.hashes.md5, sha256: nodeSays.hashes.sha256 });
    expect((await partner.hash(bytes)).hashes).toEqual(nodeSays.hashes);
  }, 120_000);
});
