/** PDQ through the API: the reference values, quality, and rotation/mirror-tolerant matching. */
import { readFileSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hammingHex } from '../../src/core/hashes';
import { dihedralFromHash } from '../../src/core/pdq';
import { json, makeTestApp, type TestApp } from '../support/app';
import { conformancePath } from '../support/conformance';
import { ROBUST_RULES } from '../../src/core/robust';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(() => t.close());

const DIH = conformancePath('pdq', 'pdq', 'data', 'reg-test-input', 'dih');
const images = readdirSync(DIH)
  .filter((f) => f.endsWith('.jpg'))
  .sort();
const ORIGINAL = 'bridge-1-original.jpg';

function expectedHma(file: string): { hash: string; quality?: number } {
  const rows = readFileSync(conformancePath('pdq', 'expected', 'repo-expected-pdq.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(','));
  const row = rows.find((r) => r[0] === file && r[3] === 'hma')!;
  return { hash: row[1], quality: row[2] ? Number(row[2]) : undefined };
}

const upload = (path: string, file: string) =>
  t.request(path, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: readFileSync(`${DIH}/${file}`) });

describe('PDQ over HTTP', () => {
  it('POST /v1/hash returns the PDQ value HMA computes', async () => {
    const file = 'pdq/data/bridge-mods/aaa-orig.jpg';
    const bytes = readFileSync(conformancePath('pdq', file));
    const body = await (await t.request('/v1/hash', { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: bytes })).json();
    const want = expectedHma(file);
    expect(body.hashes.pdq.value).toBe(want.hash);
    if (want.quality !== undefined) expect(body.hashes.pdq.quality).toBe(want.quality);
    expect(body.hashes.pdq.quality).toBeGreaterThanOrEqual(50);
  });

  it('low-quality PDQ hashes are returned, flagged in matches, and left out of a share (its exact hashes are shared)', async () => {
    const small = readFileSync(conformancePath('pdq', 'pdq', 'data', 'misc-images', 'small.jpg'));
    const hashed = await (await t.request('/v1/hash', { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: small })).json();
    expect(hashed.hashes.pdq.quality).toBeLessThan(50);
    const m = await (await t.request('/v1/match/media', { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: small })).json();
    expect(m.results[0]).toMatchObject({ query: { type: 'pdq', quality: hashed.hashes.pdq.quality }, lowQuality: true });
    const viaJson = await t.request(
      '/v1/hashes',
      json('POST', { items: [{ type: 'pdq', value: hashed.hashes.pdq.value, quality: hashed.hashes.pdq.quality, labels: ['manifesto'] }] }),
    );
    expect(viaJson.status).toBe(422);
    expect((await (await t.request('/v1/hashes')).json()).entries).toEqual([]);
    const form = new FormData();
    form.set('file', new Blob([small], { type: 'image/jpeg' }), 'small.jpg');
    form.set('labels', 'attack-footage');
    const res = await t.request('/v1/hashes/media', { method: 'POST', body: form });
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body.items.map((i: { type: string }) => i.type)).not.toContain('pdq');
    expect(body.items.map((i: { type: string }) => i.type)).toEqual(expect.arrayContaining(['md5', 'sha256']));
    expect(body.omitted).toContainEqual({
      type: 'pdq',
      variant: 'whole',
      quality: hashed.hashes.pdq.quality,
      reason: expect.stringContaining(`PDQ quality ${hashed.hashes.pdq.quality} is below ${ROBUST_RULES.minQuality.pdq}`),
    });
    const feed = await (await t.request('/v1/hashes')).json();
    expect(feed.entries.map((e: { hash: { type: string } }) => e.hash.type)).not.toContain('pdq');
  });
});

describe('rotation- and mirror-tolerant matching', () => {
  beforeAll(async () => {
    const form = new FormData();
    form.set('file', new Blob([readFileSync(`${DIH}/${ORIGINAL}`)], { type: 'image/jpeg' }), ORIGINAL);
    form.set('labels', 'attack-footage');
    expect((await t.request('/v1/hashes/media', { method: 'POST', body: form })).status).toBe(201);
  });

  it('has the 8 dihedral images', () => expect(images).toHaveLength(8));

  it('with robust=false and without dihedral only the original matches', async () => {
    for (const f of images) {
      const body = await (await upload('/v1/match/media?robust=false', f)).json();
      const perceptual = body.results.filter((r: { query: { type: string } }) => r.query.type === 'pdq' || r.query.type === 'blockhash');
      const matched = perceptual.some((r: { matches: unknown[] }) => r.matches.length > 0);
      expect(matched, f).toBe(f === ORIGINAL);
    }
  });

  it('with robust=false&dihedral=true every one matches on PDQ and blockhash, naming the variant', async () => {
    const want: Record<string, string> = {
      'bridge-1-original.jpg': 'original',
      'bridge-2-rotate-90.jpg': 'rotate270',
      'bridge-3-rotate-180.jpg': 'rotate180',
      'bridge-4-rotate-270.jpg': 'rotate90',
      'bridge-5-flipx.jpg': 'flipX',
      'bridge-6-flipy.jpg': 'flipY',
      'bridge-7-flip-plus-1.jpg': 'flipPlus1',
      'bridge-8-flip-minus-1.jpg': 'flipMinus1',
    };
    for (const f of images) {
      const body = await (await upload('/v1/match/media?robust=false&dihedral=true', f)).json();
      for (const type of ['pdq', 'blockhash']) {
        const r = body.results.find((x: { query: { type: string } }) => x.query.type === type);
        expect(r.matches.length, `${f} ${type}`).toBe(1);
        expect(r.matches[0].distance).toBeLessThanOrEqual(type === 'pdq' ? 31 : 20);
        // Undoing the upload's transform: rotating the upload by the named variant gives back the original.
        expect(r.matches[0].variant, `${f} ${type}`).toBe(want[f]);
        // Only the variant that matched is listed, with its hash: the one the distance was measured from.
        expect(hammingHex(r.matches[0].variantValue, r.matches[0].value), `${f} ${type}`).toBe(r.matches[0].distance);
        if (want[f] === 'original') expect(r.matches[0].variantValue).toBe(body.hashes[type].value);
      }
      expect(body.variants, f).toBeUndefined();
      expect(Object.keys(body).sort()).toEqual(['hashes', 'kind', 'media', 'results']);
    }
  });

  it("POST /v1/match with dihedral: true matches a rotated image's PDQ hash alone", async () => {
    for (const f of images) {
      const { hashes } = await (await upload('/v1/hash', f)).json();
      const plain = await (await t.request('/v1/match', json('POST', { hashes: [{ type: 'pdq', value: hashes.pdq.value }] }))).json();
      expect(plain.results[0].matches.length > 0, f).toBe(f === ORIGINAL);
      const dih = await (await t.request('/v1/match', json('POST', { hashes: [{ type: 'pdq', value: hashes.pdq.value }], dihedral: true }))).json();
      expect(dih.results[0].matches, f).toHaveLength(1);
      const [m] = dih.results[0].matches;
      expect(m.variantValue, f).toBe(dihedralFromHash(hashes.pdq.value, m.variant));
      expect(hammingHex(m.variantValue, m.value), f).toBe(m.distance);
    }
  });
});
