/**
 * Image admission through the real app (http/route.ts, services/hashing.ts): a body declared image/*
 * takes its place among the image slots before it is read; with every place taken it is refused
 * with 503 busy and Retry-After, in the node's words; a place is given back however the request
 * ends (hashed, refused as corrupt, or not an image at all); many concurrent uploads through few
 * slots all get the same hashes.
 */
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
    const answers = await Promise.all(Array.from({ length: 32 }, async () => {
      const r = await post(jpeg);
      return { status: r.status, body: await r.json() };
    }));
    expect(answers.filter((a) => a.status !== 200 && a.status !== 503)).toEqual([]);
    const ok = answers.filter((a) => a.status === 200);
    expect(ok.length).toBeGreaterThanOrEqual(2);
    expect(new Set(ok.map((a) => JSON.stringify(a.body.hashes))).size).toBe(1);
    for (const a of answers.filter((x) => x.status === 503)) expect(a.body.code).toBe('busy');
    expect(t.rt.deps.images.slots.load()).toEqual({ running: 0, waiting: 0 });
  });
});
