/**
 * POST /v1/match with the rotations and mirrors a client hashed from the image (`variants`): a
 * turned or mirrored copy of a shared image matches on PDQ and blockhash with the variant named,
 * at the distances robust matching gives rotations (core/robust rules.ts, the dihedral row), never
 * at the plain distance; items without variants behave as before; bad variants are 400.
 */
import { readFileSync } from 'node:fs';
import sharp, { type Sharp } from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPixels, type MatchQuery, type PixelHashes } from '../../src/client';
import { hammingHex } from '../../src/core/hashes';
import { ROBUST_RULES } from '../../src/core/robust';
import { SharpImageDecoder } from '../../src/runtime/node/image';
import { json, makeTestApp, type TestApp } from '../support/app';
import { conformancePath } from '../support/conformance';

let t: TestApp;
const ORIGINAL = readFileSync(conformancePath('pdq', 'pdq', 'data', 'reg-test-input', 'dih', 'bridge-1-original.jpg'));
/** The shared image's own blockhash, as the node stored it for the whole image. */
let storedBlockhash: string;

beforeAll(async () => {
  t = await makeTestApp();
  const form = new FormData();
  form.set('file', new Blob([ORIGINAL], { type: 'image/jpeg' }), 'bridge.jpg');
  form.set('labels', 'attack-footage');
  const shared = await t.request('/v1/hashes/media', { method: 'POST', body: form });
  expect(shared.status).toBe(201);
  storedBlockhash = (await shared.json()).hashes.blockhash.value;
}, 60_000);
afterAll(() => t.close());

/** An edit of the shared image made with sharp, hashed as a client hashes it: decoded (as the node decodes), then the client library's hashPixels. */
async function clientHashes(edit: (s: Sharp) => Sharp) {
  const bytes = new Uint8Array(await edit(sharp(ORIGINAL)).png().toBuffer());
  const img = await new SharpImageDecoder({ maxPixels: 50_000_000 }).decode(bytes);
  return hashPixels(img, { dihedral: true });
}

async function match(body: Record<string, unknown>): Promise<any[]> {
  const res = await t.request('/v1/match', json('POST', body));
  expect(res.status, JSON.stringify(await res.clone().json())).toBe(200);
  return (await res.json()).results;
}

/** The request's items: the image's pdq and blockhash, each with its other 7 rotations and mirrors. */
const withVariants = (h: PixelHashes): MatchQuery[] =>
  (['pdq', 'blockhash'] as const).map((type) => ({
    type,
    value: h[type].value,
    variants: (h.variants?.[type] ?? []).flatMap(({ variant, value }) => (variant === 'original' ? [] : [{ variant, value }])),
  }));

/** A 64-digit hex hash with the first `n` bits flipped. */
function flipBits(hex: string, n: number): string {
  const digits = [...hex].map((d) => Number.parseInt(d, 16));
  for (let b = 0; b < n; b++) digits[b >> 2] ^= 8 >> (b & 3);
  return digits.map((d) => d.toString(16)).join('');
}

describe('a turned or mirrored copy matched through /v1/match with its client-computed variants', () => {
  // sharp's rotate(90) turns clockwise: the variant that undoes it is a quarter turn counter-clockwise.
  const cases = [
    { name: 'a quarter turn clockwise', edit: (s: Sharp) => s.rotate(90), variant: 'rotate90' },
    { name: 'a mirror left to right', edit: (s: Sharp) => s.flop(), variant: 'flipY' },
  ];

  for (const c of cases)
    it(`${c.name}: pdq and blockhash match, naming ${c.variant} and its hash`, async () => {
      const h = await clientHashes(c.edit);
      const sent = withVariants(h);
      expect(sent.map((q) => ('variants' in q ? q.variants?.length : 0))).toEqual([7, 7]);
      const results = await match({ hashes: sent });
      for (const [i, type] of (['pdq', 'blockhash'] as const).entries()) {
        const r = results[i];
        expect(r.query).toMatchObject({ type, value: h[type].value });
        expect(r.matched, type).toBe(true);
        const m = r.matches[0];
        expect(m.variant, type).toBe(c.variant);
        expect(m.variantValue).toBe(h.variants?.[type].find((v) => v.variant === c.variant)?.value);
        expect(hammingHex(m.variantValue, m.value)).toBe(m.distance);
        expect(m.distance, type).toBeLessThanOrEqual(type === 'pdq' ? 10 : ROBUST_RULES.alone.blockhash.dihedral.whole);
      }
      expect(results[1].matches[0].value).toBe(storedBlockhash);
    });

  it('without variants the turned blockhash does not match, with dihedral: true or not (PDQ only through its approximation)', async () => {
    const h = await clientHashes((s) => s.rotate(90));
    const bare: MatchQuery[] = [
      { type: 'pdq', value: h.pdq.value, quality: h.pdq.quality },
      { type: 'blockhash', value: h.blockhash.value },
    ];
    const plain = await match({ hashes: bare });
    expect(plain.map((r) => r.matched)).toEqual([false, false]);
    const derived = await match({ hashes: bare, dihedral: true });
    expect(derived[1].matched).toBe(false);
    // PDQ's variants derived from the hash, at the pdq distance, as before.
    if (derived[0].matched) expect(derived[0].matches[0].distance).toBeLessThanOrEqual(31);
  });

  it("a turned blockhash beyond the rotations' distance does not match though within the plain one; within it, it does; maxDistance still caps", async () => {
    const dihedral = ROBUST_RULES.alone.blockhash.dihedral.whole;
    const plainMax = 20;
    const near = flipBits(storedBlockhash, dihedral + 6); // an unrelated image's, turned: 12 bits off
    expect(hammingHex(near, storedBlockhash)).toBeLessThanOrEqual(plainMax);
    expect(hammingHex(near, storedBlockhash)).toBeGreaterThan(dihedral);
    // The item's own value: the complement, nowhere near anything shared.
    const other = flipBits(storedBlockhash, 256);
    const asSent = await match({ hashes: [{ type: 'blockhash', value: near }] });
    expect(asSent[0].matched, 'the same hash as the image as sent: within the plain distance').toBe(true);
    const turned = await match({ hashes: [{ type: 'blockhash', value: other, variants: [{ variant: 'rotate90', value: near }] }] });
    expect(turned[0]).toMatchObject({ matched: false, matches: [] });
    const within = flipBits(storedBlockhash, dihedral);
    const close = await match({ hashes: [{ type: 'blockhash', value: other, variants: [{ variant: 'flipX', value: within }] }] });
    expect(close[0].matches).toMatchObject([{ value: storedBlockhash, distance: dihedral, variant: 'flipX', variantValue: within }]);
    const capped = await match({
      hashes: [{ type: 'blockhash', value: other, variants: [{ variant: 'flipX', value: within }] }],
      maxDistance: { blockhash: dihedral - 1 },
    });
    expect(capped[0].matched).toBe(false);
  });
});

describe('bad variants', () => {
  const PDQ = 'f'.repeat(64);
  const cases: { name: string; item: Record<string, unknown>; path: string; says: RegExp }[] = [
    {
      name: 'an unknown name',
      item: { type: 'pdq', value: PDQ, variants: [{ variant: 'rotate45', value: PDQ }] },
      path: 'hashes/1/variants/0/variant',
      says: /rotate90/,
    },
    {
      name: 'the image as sent',
      item: { type: 'blockhash', value: PDQ, variants: [{ variant: 'original', value: PDQ }] },
      path: 'hashes/1/variants/0/variant',
      says: /own value/,
    },
    {
      name: 'a name twice',
      item: {
        type: 'blockhash',
        value: PDQ,
        variants: [
          { variant: 'flipX', value: PDQ },
          { variant: 'rotate90', value: PDQ },
          { variant: 'flipX', value: PDQ },
        ],
      },
      path: 'hashes/1/variants/2/variant',
      says: /flipX is given twice/,
    },
    {
      name: 'a value of the wrong length',
      item: { type: 'pdq', value: PDQ, variants: [{ variant: 'rotate180', value: PDQ.slice(2) }] },
      path: 'hashes/1/variants/0/value',
      says: /pdq variant's value must be 64 hex characters \(256 bits\), got 62/,
    },
    {
      name: 'a value that is not hex',
      item: { type: 'blockhash', value: PDQ, variants: [{ variant: 'rotate180', value: 'z'.repeat(64) }] },
      path: 'hashes/1/variants/0/value',
      says: /hexadecimal/,
    },
    {
      name: 'an md5 item',
      item: { type: 'md5', value: 'a'.repeat(32), variants: [{ variant: 'rotate90', value: PDQ }] },
      path: 'hashes/1/variants',
      says: /md5 item takes no variants/,
    },
  ];
  for (const c of cases)
    it(`${c.name}: 400 naming ${c.path}`, async () => {
      const res = await t.request('/v1/match', json('POST', { hashes: [{ type: 'sha256', value: 'b'.repeat(64) }, c.item] }));
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const body = await res.json();
      expect(body.code).toBe('invalid_request');
      expect(body.errors).toContainEqual({ path: c.path, message: expect.stringMatching(c.says) });
    });
});

describe('a hash as sent against the regions and crops a share stored', () => {
  it("matches a stored crop never and a stored region only within the rule table's whole-image row (as /v1/match/media does); the whole image as before", async () => {
    const items = await (await t.request('/v1/hashes?limit=1000')).json();
    const pdqOf = (variant: string) =>
      items.entries.find(
        (e: { hash: { type: string; items?: { variant: string }[] } }) => e.hash.type === 'pdq' && e.hash.items?.some((i) => i.variant === variant),
      )?.hash;
    const crop = pdqOf('crop-c10');
    const whole = pdqOf('whole');
    expect(crop, 'the media share stored a centre crop').toBeDefined();
    // The crop's own value, sent as a hash: the stored crop is 0 bits away, yet a whole image does not match a crop.
    const [asCrop] = await match({ hashes: [{ type: 'pdq', value: crop.value }] });
    expect(asCrop.matches.map((m: { id: string }) => m.id)).not.toContain(crop.id);
    expect(ROBUST_RULES.alone.pdq.whole.crop).toBeLessThan(0);
    // The whole image's hash, a few bits off: matched as before.
    const [asWhole] = await match({ hashes: [{ type: 'pdq', value: flipBits(whole.value, 6) }] });
    expect(asWhole.matches.map((m: { id: string; distance: number }) => [m.id, m.distance])).toContainEqual([whole.id, 6]);
  });
});

describe('POST /v1/match/media?robust=false answers as POST /v1/match does for the same hashes', () => {
  // 10 % cut from each side of the 1600 × 1004 bridge photo: the cut the share stored as crop-c10.
  const crop10 = (s: Sharp) => s.extract({ left: 160, top: 100, width: 1280, height: 804 });
  const cases = [
    { name: 'a 10 % crop, the image as sent', edit: crop10, query: '?robust=false', dihedral: false },
    { name: 'a 10 % crop, with its rotations and mirrors', edit: crop10, query: '?robust=false&dihedral=true', dihedral: true },
    { name: 'a mirror, with its rotations and mirrors', edit: (s: Sharp) => s.flop(), query: '?robust=false&dihedral=true', dihedral: true },
  ];
  for (const c of cases)
    it(c.name, async () => {
      expect(await sharp(ORIGINAL).metadata()).toMatchObject({ width: 1600, height: 1004 });
      const bytes = await c.edit(sharp(ORIGINAL)).png().toBuffer();
      const res = await t.request(`/v1/match/media${c.query}`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: new Uint8Array(bytes) });
      expect(res.status).toBe(200);
      const media = (await res.json()).results as any[];
      const h = await clientHashes(c.edit);
      const sent = c.dihedral ? withVariants(h) : (['pdq', 'blockhash'] as const).map((type) => ({ type, value: h[type].value }));
      const hashes = await match({ hashes: sent });
      const of = (rs: any[], type: string) => rs.find((r) => r.query.type === type)?.matches.map((m: any) => [m.id, m.distance, m.variant]);
      for (const type of ['pdq', 'blockhash']) expect(of(media, type), type).toEqual(of(hashes, type));
      // The stored crop of the same cut is never met by the image as sent (a walkthrough's case:
      // robust=false met crop-c10 at 4 bits while /v1/match with the same PDQ did not).
      for (const r of media) for (const m of r.matches) expect(m.variant ?? 'original').not.toMatch(/^crop-/);
      if (c.edit !== crop10) expect(of(media, 'pdq')?.[0]?.[2]).toBe('flipY');
    });
});
