/**
 * How a robust image match asks the index (services/matching): each variant of the query within
 * its own class's distance, one batch per distance, rather than every variant within the widest;
 * PDQ never within its together distance (56 bits: at 1 M hashes that lookup costs as much as dozens
 * within 32), its together hits found among the items blockhash found (togetherByItems). The
 * answers are those of lookups all made within a wider distance, and those of PDQ looked up within
 * its together distance.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HashType } from '../../src/core/hashes';
import { lookupRadius, ROBUST_RULES } from '../../src/core/robust';
import type { MediaHashes } from '../../src/services/hashing';
import { matchItemIds, matchParsed, resolveThresholds } from '../../src/services/matching';
import { matchImageRobustly, robustImageQueries, robustJudge, settleTogether, settleWeak } from '../../src/services/robust-matching';
import { itemId } from '../../src/core/items';
import { ISSUER, makeTestApp, type TestApp } from '../support/app';
import { conformancePath } from '../support/conformance';
import { noiseImage, patternImage } from '../support/images';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(() => t.close());

const PHOTO = readFileSync(conformancePath('pdq', 'pdq', 'data', 'reg-test-input', 'dih', 'bridge-1-original.jpg'));

async function share(bytes: Buffer) {
  const form = new FormData();
  form.set('file', new Blob([new Uint8Array(bytes)], { type: 'image/jpeg' }), 'upload');
  form.set('labels', 'attack-footage');
  const res = await t.request('/v1/hashes/media', { method: 'POST', body: form });
  expect(res.status).toBe(201);
}

async function match(bytes: Buffer): Promise<unknown> {
  const res = await t.request('/v1/match/media', { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: new Uint8Array(bytes) });
  expect(res.status).toBe(200);
  return res.json();
}

// Each test's recording ends with it: the index's own lookup again.
afterEach(() => {
  delete (t.rt.index as { queryMany?: unknown }).queryMany;
});

/** Every call the app makes to its index's batch lookup (until the test ends): the type, how many values, within which distance. */
function recordLookups(widen?: number): { type: HashType; values: number; radius: number }[] {
  const index = t.rt.index;
  const calls: { type: HashType; values: number; radius: number }[] = [];
  const real = Object.getPrototypeOf(index).queryMany;
  index.queryMany = (type, values, radius) => {
    calls.push({ type, values: values.length, radius });
    return real.call(index, type, values, widen ?? radius);
  };
  return calls;
}

describe('a robust image match looks each variant up within its own distance', () => {
  const copies: [string, () => Promise<Buffer>][] = [
    ['as shared', async () => PHOTO],
    ['with a white border', () => sharp(PHOTO).extend({ top: 40, bottom: 40, left: 40, right: 40, background: '#ffffff' }).jpeg({ quality: 90 }).toBuffer()],
    ['turned a quarter', () => sharp(PHOTO).rotate(90).jpeg({ quality: 90 }).toBuffer()],
    ['letterboxed', () => sharp(PHOTO).extend({ top: 90, bottom: 90, background: '#000000' }).jpeg({ quality: 90 }).toBuffer()],
    ['unrelated noise', async () => noiseImage('jpeg', 640, 480, 99)],
  ];

  beforeAll(async () => {
    await share(PHOTO);
    for (let v = 1; v <= 3; v++) await share(await patternImage('jpeg', 500, 400, v));
  });

  it('one batch per distance, blockhash as sent alone at its widest, PDQ never within its together distance, the same answers as lookups within 64 bits', async () => {
    const images = await Promise.all(copies.map(([, make]) => make()));
    const calls = recordLookups();
    const answers = [];
    for (const img of images) answers.push(await match(img));
    const radius = (type: 'pdq' | 'blockhash', variant: string) => lookupRadius(ROBUST_RULES, type, variant);
    // blockhash: never a distance the rules do not give some variant; the query as sent is the one
    // variant looked up within the widest distance; its 7 rotations and mirrors go in one batch.
    const bh = calls.filter((c) => c.type === 'blockhash');
    expect(new Set(bh.map((c) => c.radius))).toEqual(new Set([radius('blockhash', 'original'), radius('blockhash', 'rotate90'), radius('blockhash', 'trim')]));
    expect(Math.max(...bh.map((c) => c.radius))).toBe(radius('blockhash', 'original'));
    expect(new Set(bh.filter((c) => c.radius === radius('blockhash', 'original')).map((c) => c.values))).toEqual(new Set([1]));
    expect(new Set(bh.filter((c) => c.radius === radius('blockhash', 'rotate90')).map((c) => c.values))).toEqual(new Set([7]));
    // PDQ: never within its together distance, for any copy (each copy of the photo has a blockhash
    // that finds it, so the old rule looked its PDQ up within 56 bits); the query as sent goes with
    // its 7 rotations and mirrors within its alone distance, one batch of 8 per copy.
    const pdq = calls.filter((c) => c.type === 'pdq');
    expect(radius('pdq', 'original')).toBeGreaterThan(radius('pdq', 'rotate90'));
    expect(new Set(pdq.map((c) => c.radius))).toEqual(new Set([radius('pdq', 'rotate90'), radius('pdq', 'trim'), radius('pdq', 'recrop-c1')]));
    expect(pdq.filter((c) => c.radius === radius('pdq', 'rotate90')).map((c) => c.values)).toEqual(images.map(() => 8));
    // The same answers when every lookup is made within 64 bits (what matching keeps is decided per variant).
    const wide = recordLookups(64);
    const again = [];
    for (const img of images) again.push(await match(img));
    expect(wide.length).toBe(calls.length);
    expect(again).toEqual(answers);
    // And the photo is found in its copies (the test matches something).
    const found = (a: unknown) => JSON.stringify(a).includes('"matched":true');
    expect(answers.map(found)).toEqual([true, true, true, true, false]);
  });
});

describe("PDQ's together hits found among the items blockhash found, the answers of the 56-bit lookup", () => {
  /** `hex` with its first `n` bits flipped. */
  const flipped = (hex: string, n: number) => {
    const b = Buffer.from(hex, 'hex');
    for (let i = 0; i < n; i++) b[i >> 3] ^= 1 << (i & 7);
    return b.toString('hex');
  };
  /** An upload's hashes as the hash pool gives them: the image as sent only, both hashes well above their gates. */
  const upload = (pdq: string, blockhash: string): MediaHashes => ({
    kind: 'image',
    hashes: { pdq: { value: pdq, quality: 100 }, blockhash: { value: blockhash }, md5: { value: '0'.repeat(32) }, sha256: { value: '0'.repeat(64) } },
    media: { width: 640, height: 480, format: 'jpeg' },
    variants: { pdq: [{ variant: 'original', value: pdq }], blockhash: [{ variant: 'original', value: blockhash }] },
    robust: [
      { type: 'pdq', value: pdq, quality: 100, variant: 'whole' },
      { type: 'blockhash', value: blockhash, quality: 100, variant: 'whole' },
    ],
  });
  const options = { judge: robustJudge(), weakMargin: ROBUST_RULES.weakMargin, onePerShare: true };
  /** What matching finds with every variant looked up at its full distance, before and after the two-signal rule. */
  const unskipped = async (h: MediaHashes) => {
    const found = await matchParsed(t.rt.deps, robustImageQueries(h), resolveThresholds(), options);
    return { found, answer: settleWeak(settleTogether(found)) };
  };
  let pdq: string;
  let blockhash: string;
  beforeAll(async () => {
    const form = new FormData();
    form.set('file', new Blob([new Uint8Array(await patternImage('jpeg', 640, 480, 11))], { type: 'image/jpeg' }), 'upload');
    form.set('labels', 'attack-footage');
    const res = await t.request('/v1/hashes/media', { method: 'POST', body: form });
    expect(res.status).toBe(201);
    const items: { type: string; value: string; variant?: string }[] = (await res.json()).items;
    pdq = items.find((i) => i.type === 'pdq' && i.variant === 'whole')?.value ?? '';
    blockhash = items.find((i) => i.type === 'blockhash' && i.variant === 'whole')?.value ?? '';
    expect(pdq).toMatch(/^[0-9a-f]{64}$/);
    expect(blockhash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a PDQ hash two items hold, one of them found by blockhash: the answer of the 56-bit lookup', async () => {
    // Item X: PDQ 40 bits from the upload's, blockhash 20. Item Y: PDQ 35 bits away, blockhash far.
    // A third PDQ hash, 45 bits away, belongs to both. With the 56-bit lookup Y's own PDQ is found
    // and dropped (nothing supports Y); it must not keep the shared hash out of the answer either.
    const P = createHash('sha256').update('upload pdq').digest('hex');
    const B = createHash('sha256').update('upload blockhash').digest('hex');
    const at = Date.now();
    const item = (name: string) => ({
      id: itemId(ISSUER, createHash('sha256').update(name).digest('hex')),
      sha256: createHash('sha256').update(name).digest('hex'),
      kind: 'image' as const,
      labels: ['attack-footage'],
    });
    const X = item('item X');
    const Y = item('item Y');
    const h = (type: 'pdq' | 'blockhash', value: string, it: typeof X) => ({
      type,
      value,
      labels: ['attack-footage'],
      externalId: null,
      links: [{ item: it.id, variant: 'whole' }],
    });
    for (const [it, pdqs, bh] of [
      [X, [flipped(P, 40), flipped(P, 45)], flipped(B, 20)],
      [Y, [flipped(P, 35), flipped(P, 45)], flipped(B, 100)],
    ] as const) {
      const done = await t.rt.deps.ledger.share({ at, contributor: 'p1', items: [...pdqs.map((v) => h('pdq', v, it)), h('blockhash', bh, it)], media: [it] });
      await t.rt.deps.follower.catchUp(done.lastChange);
    }
    const upl = upload(P, B);
    const { answer } = await unskipped(upl);
    // The 56-bit lookup finds all three PDQ hashes (each beyond the alone distance: together-only hits).
    expect((await t.rt.deps.index.queryMany('pdq', [P], 56))[0].map((x) => x.distance).sort()).toEqual([35, 40, 45]);
    const pdqOf = (a: typeof answer) => a.find((r) => r.query.type === 'pdq')?.matches.map((m) => [m.distance, matchItemIds(m).sort()]);
    // X by its own PDQ; the hash X and Y hold, supported by X's blockhash, though Y's own PDQ (35) is dropped.
    expect(pdqOf(answer)).toEqual([
      [40, [X.id]],
      [45, [X.id, Y.id].sort()],
    ]);
    expect(await matchImageRobustly(t.rt.deps, upl)).toEqual(answer);
  });

  it('many items near one upload, some hashes in two items: every answer is that of the 56-bit lookup', async () => {
    // A seeded generator: the same cases on every run.
    let seed = 12345;
    const rand = (n: number) => {
      // xorshift32
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    /** `hex` with `n` distinct bits flipped at random. */
    const scatter = (hex: string, n: number) => {
      const b = Buffer.from(hex, 'hex');
      const bits = new Set<number>();
      while (bits.size < n) bits.add(rand(256));
      for (const i of bits) b[i >> 3] ^= 1 << (i & 7);
      return b.toString('hex');
    };
    let compared = 0;
    let together = 0;
    let shared = 0;
    for (let round = 0; round < 30; round++) {
      const P = createHash('sha256').update(`round ${round} pdq`).digest('hex');
      const B = createHash('sha256').update(`round ${round} blockhash`).digest('hex');
      const pool: string[] = [];
      for (let k = 0; k < 10; k++) {
        const sha = createHash('sha256').update(`round ${round} item ${k}`).digest('hex');
        const it = { id: itemId(ISSUER, sha), sha256: sha, kind: 'image' as const, labels: ['attack-footage'] };
        // Two PDQ hashes of its own, a blockhash near the upload's or far from it (half the items
        // have no blockhash support), and now and then a PDQ hash another item of the round holds.
        const pdqs = [scatter(P, 20 + rand(40)), scatter(P, 20 + rand(40))];
        if (pool.length && rand(2) === 0) pdqs.push(pool[rand(pool.length)]);
        pool.push(...pdqs);
        const items = [
          ...pdqs.map((value) => ({ type: 'pdq' as const, value, labels: ['attack-footage'], externalId: null, links: [{ item: it.id, variant: 'whole' }] })),
          {
            type: 'blockhash' as const,
            value: rand(2) ? scatter(B, 8 + rand(20)) : scatter(B, 60 + rand(40)),
            labels: ['attack-footage'],
            externalId: null,
            links: [{ item: it.id, variant: 'whole' }],
          },
        ];
        const done = await t.rt.deps.ledger.share({ at: Date.now(), contributor: 'p1', items, media: [it] });
        await t.rt.deps.follower.catchUp(done.lastChange);
      }
      for (let u = 0; u < 5; u++) {
        const upl = upload(scatter(P, rand(8)), scatter(B, rand(8)));
        const { answer } = await unskipped(upl);
        expect(await matchImageRobustly(t.rt.deps, upl)).toEqual(answer);
        compared++;
        if (answer.some((r) => r.query.type === 'pdq' && r.matches.some((m) => m.distance > 32))) together++;
        // The case where one hit per item must follow the two-signal rule: a PDQ hit beyond the
        // alone distance on a hash two items hold, one of which blockhash did not match.
        const byBlockhash = new Set(answer.filter((r) => r.query.type === 'blockhash').flatMap((r) => r.matches.flatMap(matchItemIds)));
        if (
          answer.some(
            (r) =>
              r.query.type === 'pdq' &&
              r.matches.some((m) => m.distance > 32 && matchItemIds(m).length > 1 && matchItemIds(m).some((id) => !byBlockhash.has(id))),
          )
        )
          shared++;
      }
    }
    expect(compared).toBe(150);
    // The cases reach the together rule (PDQ matches beyond the alone distance), not only plain ones,
    // and the shared-hash case above often: with one hit per item kept before the two-signal rule,
    // 22 of these 150 answers differed from the 56-bit lookup's (measured when this test was written).
    expect(together).toBeGreaterThan(100);
    expect(shared).toBeGreaterThan(50);
  });

  it('PDQ 40 bits away and blockhash far: the 56-bit lookup would have found the item, and the rule would have dropped it', async () => {
    const h = upload(flipped(pdq, 40), flipped(blockhash, 100));
    const { answer } = await unskipped(h);
    // The 56-bit lookup finds the item's PDQ, 40 bits away: a together-only hit...
    expect((await t.rt.deps.index.queryMany('pdq', [h.hashes.pdq!.value], 56))[0].map((x) => x.distance)).toContain(40);
    // ... which no blockhash match supports, so the answer drops it; without the lookup, the same answer.
    expect(answer.every((r) => !r.matched)).toBe(true);
    expect(await matchImageRobustly(t.rt.deps, h)).toEqual(answer);
  });

  it('PDQ 40 bits away and blockhash 20: found without the 56-bit lookup, the item matches on the two signals', async () => {
    const h = upload(flipped(pdq, 40), flipped(blockhash, 20));
    const { answer } = await unskipped(h);
    const calls = recordLookups();
    const mine = await matchImageRobustly(t.rt.deps, h);
    expect(calls.filter((c) => c.type === 'pdq').map((c) => c.radius)).toEqual([lookupRadius(ROBUST_RULES, 'pdq', 'rotate90')]);
    expect(mine).toEqual(answer);
    expect(mine.find((r) => r.query.type === 'pdq')?.matches.map((m) => [m.value, m.distance])).toEqual([[pdq, 40]]);
    expect(mine.find((r) => r.query.type === 'blockhash')?.matches.map((m) => [m.value, m.distance])).toEqual([[blockhash, 20]]);
  });
});
