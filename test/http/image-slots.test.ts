/**
 * Image admission through the real app (http/route.ts, services/hashing.ts): a body declared image/*
 * takes its place among the image slots before it is read; with every place taken it is refused
 * with 503 busy and Retry-After, in the node's words; a place is given back however the request
 * ends (hashed, refused as corrupt, or not an image at all); many concurrent uploads through few
 * slots all get the same hashes; concurrent shares (a write path) through them leave exactly the
 * records and contributors of the shares that were answered 201, and nothing of those refused.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../support/app';
import { patternImage } from '../support/images';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp({ IMAGE_CONCURRENCY: '1', IMAGE_QUEUE: '1', HASH_THREADS: '1' });
});
afterAll(() => t.close());

const post = (body: Uint8Array<ArrayBuffer>, type = 'image/jpeg') => t.request('/v1/hash', { method: 'POST', headers: { 'content-type': type }, body });

describe('image slots', () => {
  it('refuses an image with 503 busy while every place is taken, and takes it once one is free', async () => {
    const slots = t.rt.deps.images.slots;
    const jpeg = new Uint8Array(await patternImage('jpeg', 320, 240));
    const held = [slots.reserve(), slots.reserve()];
    const res = await post(jpeg);
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(await res.json()).toMatchObject({ code: 'busy', detail: 'this node is at its limit of 1 image decodes at once and 1 waiting; retry shortly' });
    held[0].release();
    expect((await post(jpeg)).status).toBe(200);
    held[1].release();
    expect(slots.load()).toEqual({ running: 0, waiting: 0 });
  });

  it('gives the place back when the body is corrupt, empty, or not an image', async () => {
    const slots = t.rt.deps.images.slots;
    const jpeg = new Uint8Array(await patternImage('jpeg', 320, 240));
    expect((await post(jpeg.slice(0, 400))).status).toBe(422);
    expect((await post(new Uint8Array(0))).status).toBe(400);
    expect((await post(new TextEncoder().encode('plain words, declared an image'))).status).toBe(415);
    expect(slots.load()).toEqual({ running: 0, waiting: 0 });
    // Two places, both free again: the next two at once are taken.
    const [a, b] = await Promise.all([post(jpeg), post(jpeg)]);
    expect([a.status, b.status]).toEqual([200, 200]);
  });

  it('32 concurrent uploads through one slot and one waiting place: each 200 or 503 busy, every 200 with the same hashes, all places back', async () => {
    const jpeg = new Uint8Array(await patternImage('jpeg', 640, 480, 2));
    const answers = await Promise.all(
      Array.from({ length: 32 }, async () => {
        const r = await post(jpeg);
        return { status: r.status, body: await r.json() };
      }),
    );
    expect(answers.filter((a) => a.status !== 200 && a.status !== 503)).toEqual([]);
    const ok = answers.filter((a) => a.status === 200);
    expect(ok.length).toBeGreaterThanOrEqual(2);
    expect(new Set(ok.map((a) => JSON.stringify(a.body.hashes))).size).toBe(1);
    for (const a of answers.filter((x) => x.status === 503)) expect(a.body.code).toBe('busy');
    expect(t.rt.deps.images.slots.load()).toEqual({ running: 0, waiting: 0 });
  });

  it('24 concurrent image shares by 3 members through 2 slots and 12 places: each 201 or 503 busy, one record per hash, exactly the members answered 201 behind it', async () => {
    const t = await makeTestApp({ IMAGE_CONCURRENCY: '2', IMAGE_QUEUE: '12', HASH_THREADS: '2' });
    try {
      await sharesLeaveTheirState(t);
    } finally {
      await t.close();
    }
  });
});

/** The shares, their answers, and the state they leave (see the test's name). */
async function sharesLeaveTheirState(t: TestApp): Promise<void> {
  const images = await Promise.all([0, 1, 2, 3].map(async (v) => new Uint8Array(await patternImage('png', 400 + 16 * v, 300, v))));
  const members = await Promise.all(['m0', 'm1', 'm2'].map((name) => t.as('partner', name)));
  const jobs = images.flatMap((image, i) => members.flatMap((headers, m) => [0, 1].map(() => ({ i, m, image, headers }))));
  const answers = await Promise.all(
    jobs.map(async ({ i, m, image, headers }) => {
      const form = new FormData();
      form.append('file', new Blob([image], { type: 'image/png' }), 'upload.png');
      form.append('labels', 'recruitment');
      const r = await t.request('/v1/hashes/media', { method: 'POST', body: form, headers });
      const body = await r.json();
      return { i, m, status: r.status, body };
    }),
  );
  expect(answers.filter((a) => a.status !== 201 && a.status !== 503)).toEqual([]);
  for (const a of answers.filter((x) => x.status === 503)) expect(a.body.code).toBe('busy');
  // The slots and their queue admit 14 at once; the rest are refused or come in as places free.
  expect(answers.filter((a) => a.status === 201).length).toBeGreaterThanOrEqual(14);
  expect(answers.some((a) => a.status === 503)).toBe(true);
  // The state: per image, its sha256 matches one record shared by exactly the members answered 201 for it.
  for (const [i, image] of images.entries()) {
    const sharedBy = new Set(answers.filter((a) => a.i === i && a.status === 201).map((a) => a.m));
    const res = await t.request('/v1/match', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ hashes: [{ type: 'sha256', value: createHash('sha256').update(image).digest('hex') }] }),
    });
    const found = (await res.json()).results[0].matches;
    if (sharedBy.size === 0) expect(found).toEqual([]);
    else expect(found.map((f: { contributors: number }) => f.contributors)).toEqual([sharedBy.size]);
  }
  expect(t.rt.deps.images.slots.load()).toEqual({ running: 0, waiting: 0 });
}
