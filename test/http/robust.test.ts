/**
 * Robust matching through the API (issue 14): a shared photo is found again after the edits people
 * make when they re-post (borders, bars, crops, a small rotation, a phone screenshot), by default;
 * robust=false gives the plain answer; a flat image shares its exact hashes and says which
 * perceptual ones it left out and why; sixteen concurrent shares leave exactly their hashes.
 */
import { readFileSync } from 'node:fs';
import sharp, { type Sharp } from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../support/app';
import { conformancePath } from '../support/conformance';
import { ROBUST_DEFAULTS, ROBUST_RULES } from '../../src/core/robust';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(() => t.close());

const PHOTO = readFileSync(conformancePath('pdq', 'pdq', 'data', 'reg-test-input', 'dih', 'bridge-1-original.jpg'));

interface ShareItem {
  id: string;
  type: string;
  value: string;
  outcome: string;
  variant?: string;
}

async function share(bytes: Buffer, type = 'image/jpeg', as?: Record<string, string>, externalId?: string) {
  const form = new FormData();
  form.set('file', new Blob([new Uint8Array(bytes)], { type }), 'upload');
  form.set('labels', 'attack-footage');
  if (externalId) form.set('externalId', externalId);
  return t.request('/v1/hashes/media', { method: 'POST', body: form, headers: as });
}

async function match(bytes: Buffer, query = '') {
  const res = await t.request(`/v1/match/media${query}`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: new Uint8Array(bytes) });
  expect(res.status).toBe(200);
  return res.json() as Promise<{
    results: { query: { type: string }; matches: { id: string; type: string; value: string; distance: number; variant?: string; weak?: boolean }[] }[];
  }>;
}

const jpeg = (s: Sharp) => s.jpeg({ quality: 90 }).toBuffer();

describe('robust matching', () => {
  let items: ShareItem[];
  beforeAll(async () => {
    const res = await share(PHOTO);
    expect(res.status).toBe(201);
    items = (await res.json()).items;
  });

  it("looks each variant up within its own class's distance, PDQ never at the together rule's", async () => {
    const index = t.rt.deps.index;
    const lookups: { type: string; count: number; radius: number }[] = [];
    const queryMany = index.queryMany.bind(index);
    index.queryMany = (type, values, maxDistance) => {
      lookups.push({ type, count: values.length, radius: maxDistance });
      return queryMany(type, values, maxDistance);
    };
    try {
      const { results } = await match(await jpeg(sharp(PHOTO).rotate(90)));
      expect(results.find((r) => r.query.type === 'pdq')?.matches.length).toBeGreaterThan(0);
    } finally {
      index.queryMany = queryMany;
    }
    const pdq = lookups.filter((l) => l.type === 'pdq');
    // Never at 56 (PDQ's together row: its together hits are looked for among the PDQ hashes of the
    // items blockhash found); the as-sent PDQ with the 7 other rotations and mirrors at 32.
    expect(pdq.filter((l) => l.radius === ROBUST_RULES.together.pdq.whole.whole)).toEqual([]);
    expect(pdq.find((l) => l.radius === 32)?.count).toBe(8);
    expect(Math.max(...lookups.filter((l) => l.type === 'blockhash').map((l) => l.radius))).toBe(ROBUST_RULES.together.blockhash.whole.whole);
    // Twice: first to find the items the upload's blockhash comes near (PDQ beyond its alone
    // distance can stand only with one of them), then by matching.
    expect(lookups.filter((l) => l.type === 'blockhash' && l.radius === 28)).toEqual([
      { type: 'blockhash', count: 1, radius: 28 },
      { type: 'blockhash', count: 1, radius: 28 },
    ]);
  });

  it('shares the exact hashes and the perceptual hashes of the whole photo and of its crops, each named', () => {
    const variants = items.filter((i) => i.variant).map((i) => `${i.variant}/${i.type}`);
    expect(variants.slice(0, 2)).toEqual(['whole/pdq', 'whole/blockhash']);
    for (const c of [
      'crop-c5',
      'crop-c10',
      'crop-c15',
      'crop-c20',
      'crop-h5',
      'crop-h20',
      'crop-v10',
      'crop-l10',
      'crop-r10',
      'crop-t20',
      'crop-b20',
      'crop-tl10',
      'crop-br10',
    ])
      expect(variants).toContain(`${c}/pdq`);
    expect(variants.filter((v) => v.startsWith('crop-'))).toHaveLength(ROBUST_DEFAULTS.crops.length);
    // Crops are stored by PDQ alone.
    expect(variants.filter((v) => v.startsWith('crop-') && v.endsWith('/blockhash'))).toEqual([]);
    expect(items.filter((i) => !i.variant).map((i) => i.type)).toEqual(['md5', 'sha256']);
  });

  /** The photo with these fractions of its width and height cut from the left, top, right and bottom. */
  const cut = async (l: number, t: number, r: number, b: number) => {
    const m = await sharp(PHOTO).metadata();
    const w = m.width ?? 0;
    const h = m.height ?? 0;
    const [left, top] = [Math.round(w * l), Math.round(h * t)];
    return jpeg(sharp(PHOTO).extract({ left, top, width: w - left - Math.round(w * r), height: h - top - Math.round(h * b) }));
  };

  // What the copy is, and the variant of the query that finds it. A crop is found through the crops
  // stored at enrolment, by the query's `scaled` hash; robust=false (the image as sent, as /v1/match
  // takes a hash) never matches a stored crop.
  const edits: [string, () => Promise<Buffer>, string[]][] = [
    ['a white border', async () => jpeg(sharp(PHOTO).extend({ top: 40, bottom: 40, left: 40, right: 40, background: '#ffffff' })), ['trim']],
    ['letterbox bars', async () => jpeg(sharp(PHOTO).extend({ top: 90, bottom: 90, background: '#000000' })), ['trim']],
    [
      'a 10 % crop',
      async () => {
        const m = await sharp(PHOTO).metadata();
        const w = m.width ?? 0;
        const h = m.height ?? 0;
        return jpeg(
          sharp(PHOTO).extract({
            left: Math.round(w * 0.1),
            top: Math.round(h * 0.1),
            width: w - 2 * Math.round(w * 0.1),
            height: h - 2 * Math.round(h * 0.1),
          }),
        );
      },
      // The stored crops are met by the query's `scaled` hash (hashed as the crops are, resampled by area).
      ['scaled'],
    ],
    // Between the stored crops: the query cut a little more meets the next larger one (the stored
    // 10 % by the query cut 3 % more; the stored 15 % of left and right by the copy cut 3 % more).
    ['a 7.5 % crop', () => cut(0.075, 0.075, 0.075, 0.075), ['recrop-c3']],
    ['an eighth of the width cut from each end (4:3 posted square)', () => cut(0.125, 0, 0.125, 0), ['recrop-h3']],
    ['a 4° rotation with black corners', async () => jpeg(sharp(PHOTO).rotate(4, { background: '#000000' })), ['deskew']],
    ['a 2.5° rotation the other way with white corners', async () => jpeg(sharp(PHOTO).rotate(-2.5, { background: '#ffffff' })), ['deskew']],
  ];

  it.each(edits)('finds the photo after %s', async (_name, make, via) => {
    const copy = await make();
    const plain = await match(copy, '?robust=false');
    const ids = new Set(items.map((i) => i.id));
    expect(plain.results.flatMap((r) => r.matches).filter((m) => ids.has(m.id))).toEqual([]);
    const robust = await match(copy);
    const perceptual = robust.results.filter((r) => r.query.type === 'pdq' || r.query.type === 'blockhash');
    const found = perceptual.flatMap((r) => r.matches);
    expect(found.length).toBeGreaterThan(0);
    for (const m of found) expect(ids.has(m.id)).toBe(true);
    // One match per share and hash type: the nearest of its whole image, regions and crops.
    for (const r of perceptual) expect(r.matches.length).toBeLessThanOrEqual(1);
    expect(found.some((m) => via.includes(m.variant ?? ''))).toBe(true);
  });

  it('finds a watermarked copy (a logo in a corner, a caption band) through its centre, the stored crop of the same cut', async () => {
    const m = await sharp(PHOTO).metadata();
    const w = m.width ?? 0;
    const h = m.height ?? 0;
    const logo = Math.round(Math.min(w, h) * 0.2);
    const band = Math.round(h * 0.08);
    const svg = (body: string, sw: number, sh: number) => Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${sw}" height="${sh}">${body}</svg>`);
    const copy = await jpeg(
      sharp(PHOTO).composite([
        { input: svg(`<circle cx="${logo / 2}" cy="${logo / 2}" r="${logo / 2}" fill="#c01010"/>`, logo, logo), left: w - logo - 8, top: 8 },
        { input: svg(`<rect width="${w}" height="${band}" fill="#000" fill-opacity="0.6"/>`, w, band), left: 0, top: h - band },
      ]),
    );
    const ids = new Set(items.map((i) => i.id));
    const centreOf = new Set(items.filter((i) => i.variant === 'crop-c20').map((i) => i.id));
    const body = await match(copy);
    const pdq = body.results.find((r) => r.query.type === 'pdq')?.matches ?? [];
    expect(pdq).toHaveLength(1);
    expect(ids.has(pdq[0].id)).toBe(true);
    // The nearest of the item's hashes is its crop-c20, met by the query's centre.
    expect(pdq[0].variant).toBe('centre');
    expect(centreOf.has(pdq[0].id)).toBe(true);
    expect(pdq[0].distance).toBeLessThanOrEqual(ROBUST_RULES.alone.pdq.region.crop);
  });

  it("finds the rotated and mirrored copies by default through PDQ and blockhash's rotations (within 6 bits), once, naming the variant", async () => {
    const dir = conformancePath('pdq', 'pdq', 'data', 'reg-test-input', 'dih');
    const ids = new Set(items.map((i) => i.id));
    for (const f of ['bridge-2-rotate-90.jpg', 'bridge-3-rotate-180.jpg', 'bridge-5-flipx.jpg', 'bridge-8-flip-minus-1.jpg']) {
      const body = await match(readFileSync(`${dir}/${f}`));
      const r = body.results.find((x) => x.query.type === 'pdq');
      expect(r?.matches, f).toHaveLength(1);
      expect(ids.has(r?.matches[0].id ?? ''), f).toBe(true);
      expect(r?.matches[0].variant, f).not.toBe('original');
      const b = body.results.find((x) => x.query.type === 'blockhash')?.matches ?? [];
      expect(b, f).toHaveLength(1);
      expect(b[0].distance, f).toBeLessThanOrEqual(6);
      expect(b[0].variant, f).not.toBe('original');
    }
  });

  it('refuses a robust flag that is not true or false, in its own words', async () => {
    const res = await t.request('/v1/match/media?robust=yes', { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: new Uint8Array(PHOTO) });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect((await res.json()).detail).toBe('robust must be true or false, got "yes"');
  });

  it("refuses a query parameter it does not take (a misspelt robust, another route's maxDistance), naming it and those it takes", async () => {
    for (const [q, name] of [
      ['?robus=false', 'robus'],
      ['?maxDistance=3', 'maxDistance'],
    ]) {
      const res = await t.request(`/v1/match/media${q}`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: new Uint8Array(PHOTO) });
      expect(res.status, q).toBe(400);
      const body = await res.json();
      expect(body.errors, q).toEqual([{ path: name, message: `${name}: not a query parameter of this route, which takes dihedral and robust` }]);
      expect(body.detail, q).toBe(`${name}: not a query parameter of this route, which takes dihedral and robust`);
    }
  });
});

describe('flat images', () => {
  it('share their exact hashes and name the perceptual hashes left out, with the reason', async () => {
    const flat = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#c01010' } })
      .png()
      .toBuffer();
    const res = await share(flat, 'image/png');
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body.items.map((i: ShareItem) => i.type)).toEqual(['md5', 'sha256']);
    const omitted = body.omitted as { type: string; variant: string; quality: number; reason: string }[];
    expect(omitted.find((o) => o.variant === 'whole' && o.type === 'pdq')).toMatchObject({
      quality: 0,
      reason: expect.stringMatching(/^PDQ quality 0 is below 30: the image is too flat/),
    });
    expect(omitted.find((o) => o.variant === 'whole' && o.type === 'blockhash')).toMatchObject({
      quality: 0,
      reason: expect.stringMatching(/^blockhash quality .* 0 is below 40/),
    });
    // The exact copy still matches through its exact hashes.
    const m = await match(flat);
    expect(m.results.find((r) => r.query.type === 'sha256')?.matches).toHaveLength(1);
  });
});

describe('two signals together', () => {
  let c: TestApp;
  beforeAll(async () => {
    c = await makeTestApp();
  });
  afterAll(() => c.close());

  it('a watermarked copy whose blockhash alone is too far matches the item through PDQ and blockhash together', async () => {
    const form = new FormData();
    form.set('file', new Blob([new Uint8Array(PHOTO)], { type: 'image/jpeg' }), 'photo.jpg');
    form.set('labels', 'attack-footage');
    const shared = await (await c.request('/v1/hashes/media', { method: 'POST', body: form })).json();
    // A white box over a quarter of each side, top right, and a dark caption strip of 15 % at the bottom.
    const { width: W = 0, height: H = 0 } = await sharp(PHOTO).metadata();
    const box = await sharp({ create: { width: Math.round(W * 0.25), height: Math.round(H * 0.25), channels: 3, background: '#ffffff' } })
      .png()
      .toBuffer();
    const strip = await sharp({ create: { width: W, height: Math.round(H * 0.15), channels: 3, background: '#303030' } })
      .png()
      .toBuffer();
    const marked = await sharp(PHOTO)
      .composite([
        { input: box, left: W - Math.round(W * 0.25) - 10, top: 10 },
        { input: strip, left: 0, top: H - Math.round(H * 0.15) },
      ])
      .jpeg({ quality: 90 })
      .toBuffer();
    const res = await c.request('/v1/match/media', { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: new Uint8Array(marked) });
    const body = await res.json();
    const of = (type: string) => body.results.find((r: { query: { type: string } }) => r.query.type === type).matches;
    const b = of('blockhash');
    expect(b).toHaveLength(1);
    expect(b[0].item.id).toBe(shared.item.id);
    // Beyond blockhash's threshold alone (16), within its together threshold: PDQ found the item too.
    expect(b[0].distance).toBeGreaterThan(ROBUST_RULES.alone.blockhash.whole.whole);
    expect(b[0].distance).toBeLessThanOrEqual(ROBUST_RULES.together.blockhash.whole.whole);
    expect(of('pdq').map((m: { item: { id: string } }) => m.item.id)).toEqual([shared.item.id]);
    // The internal flag does not reach the answer.
    expect(JSON.stringify(body)).not.toContain('together');
  });
});

describe('dim images', () => {
  it('share a PDQ of quality between the robust gate and 50, which POST /v1/hashes refuses, and match through it', async () => {
    // A faint pattern: PDQ quality about 37, below PDQ's own 50 but above the robust gate of 30.
    const W = 300;
    const H = 200;
    const raw = Buffer.alloc(W * H * 3);
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) raw.fill(Math.round(128 + 14 * Math.sin(x / 9) * Math.cos(y / 13)), (y * W + x) * 3, (y * W + x) * 3 + 3);
    const dim = await sharp(raw, { raw: { width: W, height: H, channels: 3 } })
      .png()
      .toBuffer();
    const res = await share(dim, 'image/png');
    expect(res.status).toBe(201);
    const body = await res.json();
    const q = body.hashes.pdq.quality;
    expect(q).toBeGreaterThanOrEqual(ROBUST_RULES.minQuality.pdq);
    expect(q).toBeLessThan(50);
    expect(body.items.filter((i: ShareItem) => i.type === 'pdq' && i.variant === 'whole').map((i: ShareItem) => i.value)).toEqual([body.hashes.pdq.value]);
    // Its blockhash goes with a PDQ below 50: too smooth for blockhash.
    expect(body.omitted).toContainEqual(expect.objectContaining({ type: 'blockhash', variant: 'whole' }));
    // By value, PDQ's own gate still holds.
    const byValue = await t.request('/v1/hashes', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ items: [{ type: 'pdq', value: body.hashes.pdq.value, quality: q, labels: ['attack-footage'] }] }),
    });
    expect(byValue.status).toBe(422);
    // A re-encoded copy matches the item through its PDQ.
    const m = await match(await sharp(dim).jpeg({ quality: 80 }).toBuffer());
    const pdq = m.results.find((r) => r.query.type === 'pdq')?.matches ?? [];
    expect(pdq.map((x) => x.value)).toContain(body.hashes.pdq.value);
  });
});

describe('concurrent shares with variants', () => {
  let c: TestApp;
  beforeAll(async () => {
    // Every upload admitted (the default queue would answer some 503 busy, a test of its own).
    c = await makeTestApp({ IMAGE_QUEUE: '16' });
  });
  afterAll(() => c.close());

  it('sixteen members share sixteen images at once: every hash stored once, the feed exactly their hashes', async () => {
    const images = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        jpeg(
          sharp(PHOTO)
            .modulate({ hue: i * 22 })
            .extend({ top: i * 3, left: i * 2, bottom: 0, right: 0, background: '#000000' }),
        ),
      ),
    );
    const members = await Promise.all(Array.from({ length: 16 }, (_, i) => c.as('partner', `robust-member-${i}`)));
    const answers = await Promise.all(
      images.map((img, i) => {
        const form = new FormData();
        form.set('file', new Blob([new Uint8Array(img)], { type: 'image/jpeg' }), `img-${i}.jpg`);
        form.set('labels', 'attack-footage');
        return c.request('/v1/hashes/media', { method: 'POST', body: form, headers: members[i] });
      }),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(16).fill(201));
    const bodies: { items: ShareItem[]; omitted?: unknown[]; robust: unknown[]; item: { id: string; outcome: string } }[] = await Promise.all(
      answers.map((r) => r.json()),
    );
    // Sixteen images, sixteen items, each created by its share.
    expect(new Set(bodies.map((b) => b.item.id)).size).toBe(16);
    expect(bodies.every((b) => b.item.outcome === 'created')).toBe(true);
    // Each share's items: md5, sha256 and the perceptual hashes its gates kept, all created.
    const expected = new Map<string, { id: string; contributors: number }>();
    for (const b of bodies) {
      expect(b.items.filter((x) => x.variant).length + (b.omitted?.length ?? 0)).toBe(b.robust.length);
      for (const it of b.items) {
        const prev = expected.get(`${it.type}:${it.value}`);
        expected.set(`${it.type}:${it.value}`, { id: it.id, contributors: (prev?.contributors ?? 0) + 1 });
      }
    }
    // The feed holds exactly those hashes, each once, active, with its contributors and the label.
    const feed: { kind: string; hash: { id: string; type: string; value: string; status: string; labels: string[]; contributors: number } }[] = [];
    for (let cursor = ''; ; ) {
      const page = await (await c.request(`/v1/hashes?limit=1000${cursor ? `&cursor=${cursor}` : ''}`)).json();
      feed.push(...page.entries);
      if (!page.hasMore) break;
      cursor = page.nextCursor;
    }
    const last = new Map(feed.map((e) => [`${e.hash.type}:${e.hash.value}`, e.hash]));
    expect(last.size).toBe(expected.size);
    for (const [key, want] of expected) {
      expect(last.get(key)).toMatchObject({ id: want.id, status: 'active', labels: ['attack-footage'], contributors: want.contributors });
    }
    expect(feed.filter((e) => e.kind === 'add').length).toBe(expected.size);
  });
});
