import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conformancePath } from '../support/conformance';
import { makeTestApp, type TestApp } from '../support/app';
import { noiseImage } from '../support/images';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(() => t.close());

const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('POST /v1/hash', () => {
  it("hashes a conformance JPEG: blockhash equals the reference, md5/sha256 equal the bytes' digests", async () => {
    const bytes = readFileSync(conformancePath('blockhash', '00002701.jpg'));
    const want = readFileSync(conformancePath('blockhash', '00002701_16_2.txt'), 'utf8').split(/\s+/)[0];
    const res = await t.request('/v1/hash', { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: bytes });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.hashes.blockhash.value).toBe(want);
    expect(body.hashes.md5.value).toBe(md5(bytes));
    expect(body.hashes.sha256.value).toBe(sha256(bytes));
    const meta = await sharp(bytes).metadata();
    expect(body.media).toEqual({ width: meta.width, height: meta.height, format: 'jpeg' });
  });

  it('takes a multipart upload in field "file" and gives the same answer as the raw body', async () => {
    const bytes = readFileSync(conformancePath('blockhash', 'emptyBasket.png'));
    const raw = await (await t.request('/v1/hash', { method: 'POST', headers: { 'content-type': 'image/png' }, body: bytes })).json();
    const form = new FormData();
    form.set('file', new Blob([bytes], { type: 'image/png' }), 'basket.png');
    const res = await t.request('/v1/hash', { method: 'POST', body: form });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(raw);
  });

  it.each(['jpeg', 'png', 'webp', 'gif', 'avif', 'tiff'] as const)('reads %s', async (format) => {
    const bytes = await noiseImage(format, 40, 30, 7);
    const res = await t.request('/v1/hash', { method: 'POST', headers: { 'content-type': `image/${format}` }, body: new Uint8Array(bytes) });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.media).toEqual({ width: 40, height: 30, format });
    expect(body.hashes.blockhash.value).toMatch(/^[0-9a-f]{64}$/);
    expect(body.hashes.sha256.value).toBe(sha256(bytes));
  });

  it('hashes the first frame of an animated GIF', async () => {
    const frame = (seed: number) => noiseImage('png', 32, 32, seed);
    const [a, b] = await Promise.all([frame(1), frame(2)]);
    const animated = await sharp([a, b], { join: { animated: true } })
      .gif()
      .toBuffer();
    const first = await sharp(a).gif().toBuffer();
    const hash = async (bytes: Buffer) =>
      (await (await t.request('/v1/hash', { method: 'POST', headers: { 'content-type': 'image/gif' }, body: new Uint8Array(bytes) })).json()).hashes.blockhash
        .value;
    expect((await sharp(animated).metadata()).pages).toBe(2);
    expect(await hash(animated)).toBe(await hash(first));
  });
});
