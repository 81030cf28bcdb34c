/**
 * The `retrim` variant through the API (issue 14): a shared picture with flat bands of its own (a
 * white sky above, a black ground below) is stored with its trim, the picture without either. A
 * letterboxed copy (black bars above and below) is trimmed of the top bar only as far as the sky
 * and of the bottom bar together with the black ground: its trim is neither the shared image nor the
 * stored trim. Trimmed again, it loses the sky and is the stored trim. The answer names that
 * variant; with robust=false the copy is not found (nor by PDQ with the retrim switched off in
 * core/robust's defaults: checked by hand when this test was written).
 */
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../support/app';
import { conformancePath } from '../support/conformance';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(() => t.close());

const PHOTO = readFileSync(conformancePath('pdq', 'pdq', 'data', 'reg-test-input', 'dih', 'bridge-1-original.jpg'));

interface Match {
  id: string;
  distance: number;
  variant?: string;
}

async function match(bytes: Buffer, query = '') {
  const res = await t.request(`/v1/match/media${query}`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: new Uint8Array(bytes) });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { results: { query: { type: string }; matches: Match[] }[] };
  return (type: string) => {
    const r = body.results.find((x) => x.query.type === type);
    expect(r, `the answer's ${type} result`).toBeDefined();
    return r?.matches ?? [];
  };
}

describe('a letterboxed copy of a picture with a sky and a ground of its own', () => {
  let shared: Buffer;
  let items: { id: string; type: string; variant?: string }[];
  beforeAll(async () => {
    // The bridge photo (1600 × 1004) under a flat white sky 400 px high, over a black ground 300 px
    // high, shared losslessly.
    const sky = await sharp(PHOTO).extend({ top: 400, background: '#ffffff' }).png().toBuffer();
    shared = await sharp(sky).extend({ bottom: 300, background: '#000000' }).png().toBuffer();
    const form = new FormData();
    form.set('file', new Blob([new Uint8Array(shared)], { type: 'image/png' }), 'upload');
    form.set('labels', 'attack-footage');
    const res = await t.request('/v1/hashes/media', { method: 'POST', body: form });
    expect(res.status).toBe(201);
    items = (await res.json()).items;
  });

  it('is stored with its trim, the picture without sky and ground', () => {
    expect(items.filter((i) => i.variant === 'trim').map((i) => i.type)).toEqual(['pdq', 'blockhash']);
  });

  it('is found through its retrim, by PDQ and blockhash, and not without robust matching', async () => {
    const copy = await sharp(shared).extend({ top: 200, bottom: 200, background: '#000000' }).jpeg({ quality: 90 }).toBuffer();
    const trims = new Map(items.filter((i) => i.variant === 'trim').map((i) => [i.type, i.id]));
    const robust = await match(copy);
    for (const type of ['pdq', 'blockhash']) {
      const found = robust(type);
      expect(found, type).toHaveLength(1);
      expect(found[0], type).toMatchObject({ id: trims.get(type), variant: 'retrim' });
      expect(found[0].distance, type).toBeLessThanOrEqual(8);
    }
    const plain = await match(copy, '?robust=false');
    expect([...plain('pdq'), ...plain('blockhash')]).toEqual([]);
  });
});
