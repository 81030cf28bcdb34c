/**
 * Everything a client can get wrong gets a 4xx problem+json naming what is wrong, never a 500.
 * Assert the status, then the body, then the code.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, makeTestApp, type TestApp } from '../support/app';
import { pngBomb } from '../support/bomb';
import { noiseImage } from '../support/images';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp({ MAX_BODY_BYTES: String(256 * 1024) });
});
afterAll(() => t.close());

const PDQ = 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22';

async function problem(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = await res.json();
  expect(body).toMatchObject({ status, code, title: expect.any(String), detail: expect.any(String), type: expect.stringContaining(code.replace(/_/g, '-')) });
  expect(JSON.stringify(body)).not.toMatch(/at .*\.ts:\d+/); // no stack traces
  return body;
}

describe('malformed requests', () => {
  it('malformed JSON -> 400 invalid_json', async () => {
    const res = await t.request('/v1/match', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"hashes": [' });
    await problem(res, 400, 'invalid_json');
  });

  it('wrong hash length -> 400 naming the field and the expected length', async () => {
    const body = await problem(await t.request('/v1/match', json('POST', { hashes: [{ type: 'pdq', value: PDQ.slice(1) }] })), 400, 'invalid_request');
    expect(body.errors).toContainEqual({ path: 'hashes/0/value', message: expect.stringContaining('64 hex characters') });
  });

  it('non-hex characters -> 400', async () => {
    const body = await problem(await t.request('/v1/match', json('POST', { hashes: [{ type: 'md5', value: 'g'.repeat(32) }] })), 400, 'invalid_request');
    expect(body.errors[0]).toMatchObject({ path: 'hashes/0/value', message: expect.stringContaining('hexadecimal') });
  });

  it('unknown hash type -> 400 naming it', async () => {
    const body = await problem(await t.request('/v1/match', json('POST', { hashes: [{ type: 'photodna', value: PDQ }] })), 400, 'invalid_request');
    expect(body.errors[0]).toMatchObject({ path: 'hashes/0/type', message: expect.stringContaining('photodna') });
  });

  it('unknown label -> 400 naming it, and nothing is written', async () => {
    const res = await t.request(
      '/v1/hashes',
      json('POST', { items: [{ type: 'pdq', value: PDQ, labels: ['attack-footage'] }, { type: 'pdq', value: 'a'.repeat(64), labels: ['cats'] }] }),
    );
    const body = await problem(res, 400, 'invalid_request');
    expect(body.errors).toContainEqual({ path: 'items/1/labels', message: expect.stringContaining('cats') });
    const feed = await (await t.request('/v1/hashes')).json();
    expect(feed.entries).toEqual([]);
  });

  it('a batch over 1000 -> 400 batch_too_large', async () => {
    const hashes = Array.from({ length: 1001 }, (_, i) => ({ type: 'md5', value: i.toString(16).padStart(32, '0') }));
    await problem(await t.request('/v1/match', json('POST', { hashes })), 400, 'batch_too_large');
  });

  it('an empty batch -> 400', async () => {
    await problem(await t.request('/v1/match', json('POST', { hashes: [] })), 400, 'invalid_request');
  });

  it('maxDistance above the cap -> 400 naming the type', async () => {
    const body = await problem(await t.request('/v1/match', json('POST', { hashes: [{ type: 'pdq', value: PDQ }], maxDistance: { pdq: 200 } })), 400, 'invalid_request');
    expect(body.errors[0].path).toBe('maxDistance/pdq');
  });

  it('a JSON route sent another content type -> 415', async () => {
    await problem(await t.request('/v1/match', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' }), 415, 'unsupported_media_type');
  });

  it('a bad feed cursor -> 400', async () => {
    await problem(await t.request('/v1/hashes?cursor=not-a-cursor'), 400, 'invalid_request');
  });

  it('an unknown route -> 404 problem', async () => {
    await problem(await t.request('/v1/nothing-here'), 404, 'not_found');
  });
});

describe('bad media', () => {
  const post = (body: BodyInit, type: string, path = '/v1/hash', headers: Record<string, string> = {}) =>
    t.request(path, { method: 'POST', headers: { 'content-type': type, ...headers }, body });

  it('an empty body -> 400', async () => {
    await problem(await post(new Uint8Array(0), 'image/png'), 400, 'invalid_request');
  });

  it('not an image -> 415', async () => {
    await problem(await post(new TextEncoder().encode('<html>definitely not an image</html>'.repeat(10)), 'image/png'), 415, 'unsupported_media_type');
  });

  it('a non-image content type -> 415', async () => {
    await problem(await post(await noiseImage('png'), 'application/octet-stream'), 415, 'unsupported_media_type');
  });

  it('a corrupt (truncated) JPEG -> 422 undecodable_media', async () => {
    const jpeg = await noiseImage('jpeg', 200, 200);
    await problem(await post(jpeg.subarray(0, Math.floor(jpeg.length / 2)), 'image/jpeg'), 422, 'undecodable_media');
  });

  it('an image too small to hash -> 422 image_too_small', async () => {
    const tiny = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } }).png().toBuffer();
    const body = await problem(await post(tiny, 'image/png'), 422, 'image_too_small');
    expect(body).toMatchObject({ width: 8, height: 8 });
  });

  it('a decompression bomb (few-KB PNG declaring 30000x30000) -> 422 without decoding, memory stays low', async () => {
    const bomb = pngBomb();
    expect(bomb.length).toBeLessThan(16 * 1024);
    for (const path of ['/v1/hash', '/v1/match/media']) {
      const body = await problem(await post(bomb, 'image/png', path), 422, 'image_too_large');
      expect(body).toMatchObject({ width: 30000, height: 30000 });
    }
    expect(process.memoryUsage().rss).toBeLessThan(300 * 1024 * 1024);
  });

  it('a body over the limit -> 413, refused from Content-Length before it is read', async () => {
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(ctrl) {
        pulled++;
        if (pulled > 64) return ctrl.close();
        ctrl.enqueue(new Uint8Array(64 * 1024));
      },
    });
    const res = await t.request('/v1/hash', {
      method: 'POST',
      headers: { 'content-type': 'image/png', 'content-length': String(4 * 1024 * 1024) },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    const body = await problem(res, 413, 'payload_too_large');
    expect(body.maxBytes).toBe(256 * 1024);
    expect(pulled).toBeLessThanOrEqual(2);
  });

  it('a chunked body over the limit -> 413', async () => {
    const stream = new ReadableStream<Uint8Array>({
      start(ctrl) {
        for (let i = 0; i < 8; i++) ctrl.enqueue(new Uint8Array(64 * 1024));
        ctrl.close();
      },
    });
    const res = await t.request('/v1/hash', { method: 'POST', headers: { 'content-type': 'image/png' }, body: stream, duplex: 'half' } as RequestInit);
    await problem(res, 413, 'payload_too_large');
  });

  it('a multipart body without a file field -> 400', async () => {
    const form = new FormData();
    form.set('image', 'nope');
    const res = await t.request('/v1/hash', { method: 'POST', body: form });
    const body = await problem(res, 400, 'invalid_request');
    expect(body.errors[0].path).toBe('file');
  });

  it('sharing from media without labels -> 400, nothing shared', async () => {
    const form = new FormData();
    form.set('file', new Blob([await noiseImage('png')], { type: 'image/png' }), 'x.png');
    await problem(await t.request('/v1/hashes/media', { method: 'POST', body: form }), 400, 'invalid_request');
    expect((await (await t.request('/v1/hashes')).json()).entries).toEqual([]);
  });
});
