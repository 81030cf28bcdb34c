/**
 * Everything a client can get wrong gets a 4xx problem+json naming what is wrong, never a 500.
 * Assert the status, then the body, then the code.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, makeTestApp, type TestApp } from '../support/app';
import { pngBomb } from '../support/bomb';
import { noiseImage } from '../support/images';
import { cursorAfter, encodeCursor } from '../../src/services/feed';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp({ MAX_BODY_BYTES: String(256 * 1024) });
});
afterAll(() => t.close());

const PDQ = 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22';

/** libvips' and sharp's own words, which must not reach a client. */
const SHARP_TEXT = /vips|libpng|premature|Input buffer|Bogus|corrupt header|sharp/i;

async function problem(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = await res.json();
  expect(body).toMatchObject({ status, code, title: expect.any(String), detail: expect.any(String), type: expect.stringContaining(code.replace(/_/g, '-')) });
  expect(JSON.stringify(body)).not.toMatch(/at .*\.ts:\d+/); // no stack traces
  expect(JSON.stringify(body)).not.toMatch(SHARP_TEXT); // nor a library's words
  return body;
}

describe('malformed requests', () => {
  it("malformed JSON -> 400 invalid_json, in the node's own words", async () => {
    const res = await t.request('/v1/match', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"hashes": [' });
    const body = await problem(res, 400, 'invalid_json');
    expect(body).toMatchObject({ detail: 'the request body is not valid JSON', errors: [{ path: 'body', message: 'not valid JSON' }] });
  });

  it('an empty JSON body -> 400 invalid_json saying it is empty, not that it is malformed (every JSON route: match, share, an item relabelled)', async () => {
    for (const [method, path] of [
      ['POST', '/v1/match'],
      ['POST', '/v1/hashes'],
      ['PUT', '/v1/items/0190a1b2-c3d4-8e5f-8a6b-7c8d9e0f1a2b/labels'],
    ]) {
      const res = await t.request(path, { method, headers: { 'content-type': 'application/json' }, body: '' });
      const body = await problem(res, 400, 'invalid_json');
      expect(body, path).toMatchObject({
        detail: 'the request body is empty; send a JSON object (Content-Type: application/json)',
        errors: [{ path: 'body', message: 'empty' }],
      });
    }
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
      json('POST', {
        items: [
          { type: 'pdq', value: PDQ, labels: ['attack-footage'] },
          { type: 'pdq', value: 'a'.repeat(64), labels: ['cats'] },
        ],
      }),
    );
    const body = await problem(res, 400, 'invalid_request');
    expect(body.errors).toContainEqual({ path: 'items/1/labels/0', message: expect.stringContaining('cats') });
    const feed = await (await t.request('/v1/hashes')).json();
    expect(feed.entries).toEqual([]);
  });

  it('control characters in free text (a reference, a reason, a name) -> 400 naming the field, nothing written', async () => {
    const before = await t.rt.deps.log.auditSize();
    const share = await t.request('/v1/hashes', json('POST', { items: [{ type: 'pdq', value: PDQ, labels: ['recruitment'], externalId: 'case\u00001' }] }));
    expect((await problem(share, 400, 'invalid_request')).detail).toMatch(/externalId must not contain control characters/);
    const form = new FormData();
    form.set('file', new Blob([new Uint8Array(await noiseImage('png', 64, 64))], { type: 'image/png' }), 'x.png');
    form.set('labels', 'recruitment');
    form.set('externalId', 'line\nbreak');
    expect((await problem(await t.request('/v1/hashes/media', { method: 'POST', body: form }), 400, 'invalid_request')).detail).toMatch(/externalId/);
    const shared = await (await t.request('/v1/hashes', json('POST', { items: [{ type: 'pdq', value: PDQ, labels: ['recruitment'] }] }))).json();
    const fb = await t.request(`/v1/hashes/${shared.items[0].id}/feedback`, json('POST', { verdict: 'dispute', reason: 'a\u0007b' }));
    expect((await problem(fb, 400, 'invalid_request')).detail).toMatch(/reason must not contain control characters/);
    // Half a surrogate pair cannot be written as UTF-8 or canonical JSON: refused, not a 500.
    const lone = await t.request('/v1/hashes', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"items":[{"type":"pdq","value":"' + PDQ + '","labels":["recruitment"],"externalId":"x\\ud800y"}]}',
    });
    expect((await problem(lone, 400, 'invalid_request')).detail).toMatch(/externalId must be well-formed Unicode/);
    const loneReason = await t.request(`/v1/hashes/${shared.items[0].id}/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"verdict":"dispute","reason":"a\\udc00"}',
    });
    expect((await problem(loneReason, 400, 'invalid_request')).detail).toMatch(/reason must be well-formed Unicode/);
    const admin = await t.as('admin', 'admin-ctl');
    const client = await t.request('/v1/admin/clients', json('POST', { role: 'partner', name: 'tab\there' }, admin));
    expect((await problem(client, 400, 'invalid_request')).detail).toMatch(/name must not contain control characters/);
    // The one share that went through, and no client with that name: nothing else was written.
    const actions = (await t.rt.deps.log.auditEntries(before, await t.rt.deps.log.auditSize())).map((e) => e.action);
    expect(actions.filter((a) => a.startsWith('hash.'))).toEqual(['hash.share']);
    expect((await t.rt.deps.auth.listClients()).some((c) => c.name.startsWith('tab'))).toBe(false);
  });

  it('a JSON body whose bytes are not UTF-8 -> 400 invalid_json naming the byte, nothing written (not U+FFFD stored)', async () => {
    await t.as('partner', 'default-partner'); // registered (an audit entry) before counting
    const before = await t.rt.deps.log.auditSize();
    const value = 'c'.repeat(64);
    const head = new TextEncoder().encode(`{"items":[{"type":"sha256","value":"${value}","labels":["recruitment"],"externalId":"`);
    const raw = (tail: number[]) => new Uint8Array([...head, ...tail, ...new TextEncoder().encode('"}]}')]);
    for (const bytes of [
      [0xc3, 0x28, 0xff], // a lead byte without its continuation, then a byte never in UTF-8
      [0xed, 0xa0, 0x80], // a surrogate written as UTF-8
      [0xe2, 0x82], // cut short
    ]) {
      const res = await t.request('/v1/hashes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw(bytes) });
      const body = await problem(res, 400, 'invalid_json');
      expect(body).toMatchObject({
        detail: `the request body is not valid JSON: it is not UTF-8 (byte ${head.length} starts no UTF-8 character)`,
        errors: [{ path: 'body', message: `not UTF-8 at byte ${head.length}` }],
      });
    }
    const matched = await (await t.request('/v1/match', json('POST', { hashes: [{ type: 'sha256', value }] }))).json();
    expect(matched.results[0].matches).toEqual([]);
    expect(await t.rt.deps.log.auditSize()).toBe(before);
    // The same share in well-formed UTF-8 (é, and a character outside the BMP) goes through as sent.
    const ok = await t.request('/v1/hashes', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: raw([0xc3, 0xa9, 0xf0, 0x9f, 0x98, 0x80]),
    });
    expect(ok.status).toBe(201);
    const written = await t.rt.deps.log.auditEntries(before, await t.rt.deps.log.auditSize());
    expect(written.map((e) => JSON.parse(e.entry).content)).toEqual([{ type: 'sha256', value, labels: ['recruitment'], externalId: 'é😀' }]);
  });

  it('a batch over 1000 -> 400 batch_too_large', async () => {
    const hashes = Array.from({ length: 1001 }, (_, i) => ({ type: 'md5', value: i.toString(16).padStart(32, '0') }));
    await problem(await t.request('/v1/match', json('POST', { hashes })), 400, 'batch_too_large');
  });

  it('an empty batch -> 400', async () => {
    await problem(await t.request('/v1/match', json('POST', { hashes: [] })), 400, 'invalid_request');
  });

  it('maxDistance above the cap -> 400 naming the type', async () => {
    const body = await problem(
      await t.request('/v1/match', json('POST', { hashes: [{ type: 'pdq', value: PDQ }], maxDistance: { pdq: 200 } })),
      400,
      'invalid_request',
    );
    expect(body.errors[0].path).toBe('maxDistance/pdq');
  });

  it('a JSON route sent another content type -> 415', async () => {
    await problem(await t.request('/v1/match', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' }), 415, 'unsupported_media_type');
  });

  it('a bad feed cursor -> 400', async () => {
    await problem(await t.request('/v1/hashes?cursor=not-a-cursor'), 400, 'invalid_request');
  });

  it("a feed cursor ahead of this node's change log (another node's, or from before a restore) -> 409, not an empty page for ever", async () => {
    const end = await t.rt.deps.hashes.lastChange();
    const page = await (await t.request(`/v1/hashes?cursor=${encodeCursor(end)}`)).json();
    // The end itself: nothing newer yet (the cursor given back is bound to the change it points after).
    expect(page).toMatchObject({ entries: [], nextCursor: await cursorAfter(t.rt.deps, end), hasMore: false });
    // Ahead, in the form issued before cursors were bound to a change and in the form issued now.
    for (const cursor of [encodeCursor(end + 5), encodeCursor(end + 5, '0123456789abcdef')]) {
      const ahead = await problem(await t.request(`/v1/hashes?cursor=${cursor}`), 409, 'conflict');
      expect(ahead.detail).toBe(
        `cursor is ahead of this node's change log (it points after change ${end + 5}, the log ends at ${end}): it was issued by another node, or by this one before its database was restored from an older copy (a backup, D1 Time Travel); start over: read the feed again without a cursor and rebuild or replace what you keep from this node with what it serves (what you keep from before and it does not serve again is no longer held here, and stays with you if you only read on)`,
      );
    }
  });

  it('an id that names nothing is quoted in the 404 with its control characters escaped, cut at 40 characters', async () => {
    const id = `a\u0000b\u001b[2J${'c'.repeat(90)}`;
    const path = encodeURIComponent(id);
    const said = `no hash with id "a\\u0000b\\u001b[2J${'c'.repeat(33)}…"`;
    expect((await problem(await t.request(`/v1/hashes/${path}`, { method: 'DELETE' }), 404, 'not_found')).detail).toBe(said);
    expect((await problem(await t.request(`/v1/hashes/${path}/feedback`, json('POST', { verdict: 'confirm' })), 404, 'not_found')).detail).toBe(said);
    const admin = await t.as('admin', 'ids-admin');
    expect((await problem(await t.request(`/v1/admin/clients/${path}`, { headers: admin }), 404, 'not_found')).detail).toBe(
      `no client with id "a\\u0000b\\u001b[2J${'c'.repeat(33)}…"`,
    );
  });

  it('an unknown route -> 404 problem', async () => {
    await problem(await t.request('/v1/nothing-here'), 404, 'not_found');
  });
});

describe('bad media', () => {
  const post = (bytes: BodyInit | Uint8Array, type: string, path = '/v1/hash', headers: Record<string, string> = {}) =>
    t.request(path, { method: 'POST', headers: { 'content-type': type, ...headers }, body: bytes instanceof Uint8Array ? new Uint8Array(bytes) : bytes });

  it('an empty body -> 400', async () => {
    await problem(await post(new Uint8Array(0), 'image/png'), 400, 'invalid_request');
  });

  it('a BigTIFF (II+, which the node recognises before decoding) is hashed, not refused as unknown bytes', async () => {
    const big = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#a33' } })
      .tiff({ bigtiff: true })
      .toBuffer();
    expect(big.subarray(0, 4)).toEqual(Buffer.from('II+\0', 'latin1'));
    const res = await post(new Uint8Array(big), 'image/tiff');
    expect(res.status).toBe(200);
    expect((await res.json()).hashes.sha256.value).toMatch(/^[0-9a-f]{64}$/);
  });

  it('labels may repeat (each is kept once): the nine labels and a repeat are taken', async () => {
    const all = ['attack-footage', 'recruitment', 'manifesto', 'attack-footage'];
    const res = await t.request('/v1/hashes', json('POST', { items: [{ type: 'md5', value: 'd'.repeat(32), labels: [...all, ...all, ...all] }] }));
    expect(res.status).toBe(201);
  });

  it("not an image or video at all -> 415, in the node's own words", async () => {
    const body = await problem(
      await post(new TextEncoder().encode('<html>definitely not an image</html>'.repeat(10)), 'image/png'),
      415,
      'unsupported_media_type',
    );
    expect(body.detail).toBe(
      'the body is none of the media this node reads; send an image (JPEG, PNG, WebP, GIF, AVIF or TIFF), a video (MP4, MOV, 3GP, WebM, Matroska, AVI, FLV, ASF, MPEG-TS/PS or Ogg), a PDF, or a text declared text/plain',
    );
    expect(body.detail).not.toMatch(SHARP_TEXT);
  });

  it('unknown bytes get the same 415 on every media route, naming the PDFs and texts each also takes', async () => {
    const junk = new Uint8Array(4000).fill(0x5a);
    const form = new FormData();
    form.set('file', new Blob([junk], { type: 'application/octet-stream' }), 'x.bin');
    form.set('labels', 'recruitment');
    for (const res of [
      await post(junk, 'image/png'),
      await post(junk, 'video/mp4', '/v1/match/media'),
      await t.request('/v1/hashes/media', { method: 'POST', body: form }),
    ]) {
      const body = await problem(res, 415, 'unsupported_media_type');
      expect(body.detail).toMatch(
        /^the body is none of the media this node reads; send an image \(JPEG.*\), a video \(MP4.*\), a PDF, or a text declared text\/plain$/,
      );
    }
  });

  it('sharing from a raw body (no form, so no labels) -> 415 saying the route takes multipart/form-data with file and labels; nothing shared', async () => {
    const before = (await (await t.request('/v1/hashes')).json()).entries.length;
    const body = await problem(await post(await noiseImage('png'), 'image/png', '/v1/hashes/media'), 415, 'unsupported_media_type');
    expect(body).toMatchObject({
      detail:
        'POST /v1/hashes/media takes multipart/form-data with "file" (the image, video, PDF or text) and "labels" (one field per label, or comma-separated); this request has Content-Type "image/png" (a raw body carries no labels; to hash media without sharing it, send it to POST /v1/hash)',
      accepts: ['multipart/form-data'],
    });
    const json = await problem(await post('{}', 'application/json', '/v1/hashes/media'), 415, 'unsupported_media_type');
    expect(json.detail).toMatch(
      /^POST \/v1\/hashes\/media takes multipart\/form-data with "file" .*; this request has Content-Type "application\/json"; hashes sent as JSON go to POST \/v1\/hashes$/,
    );
    expect((await (await t.request('/v1/hashes')).json()).entries).toHaveLength(before);
  });

  it('a non-image content type -> 415', async () => {
    await problem(await post(await noiseImage('png'), 'application/octet-stream'), 415, 'unsupported_media_type');
  });

  it.each([
    ['a truncated JPEG', async () => (await noiseImage('jpeg', 200, 200)).subarray(0, 6000), 'JPEG', /premature end/i],
    [
      'a JPEG header and then garbage',
      async () => Buffer.concat([(await noiseImage('jpeg', 200, 200)).subarray(0, 4), Buffer.alloc(5000, 0x5a)]),
      'JPEG',
      /VipsJpeg/,
    ],
    [
      'a PNG header and then garbage',
      async () => Buffer.concat([(await noiseImage('png', 200, 200)).subarray(0, 8), Buffer.alloc(5000, 0x5a)]),
      'PNG',
      /corrupt header/,
    ],
    ['a truncated PNG', async () => (await noiseImage('png', 200, 200)).subarray(0, 20_000), 'PNG', /libpng|vipspng/],
    ['a GIF header and then garbage', async () => Buffer.concat([Buffer.from('GIF89a'), Buffer.alloc(5000, 0x5a)]), 'GIF', /./],
  ])("%s -> 422 corrupt_media (its bytes say image, it does not decode); sharp's words go to the log only", async (_what, make, format, logged) => {
    const before = t.errorCauses.length;
    for (const path of ['/v1/hash', '/v1/match/media']) {
      const body = await problem(await post(await make(), 'image/jpeg', path), 422, 'corrupt_media');
      expect(body.detail).toBe(`the ${format} image does not decode: it is corrupt or truncated`);
    }
    const logs = t.errorCauses.slice(before);
    expect(logs).toHaveLength(2);
    expect(logs[0]).toMatchObject({ code: 'corrupt_media', cause: expect.stringMatching(logged) });
  });

  it('an image too small to hash -> 422 image_too_small', async () => {
    const tiny = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } })
      .png()
      .toBuffer();
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
    form.set('file', new Blob([new Uint8Array(await noiseImage('png'))], { type: 'image/png' }), 'x.png');
    const before = (await (await t.request('/v1/hashes')).json()).entries.length;
    await problem(await t.request('/v1/hashes/media', { method: 'POST', body: form }), 400, 'invalid_request');
    expect((await (await t.request('/v1/hashes')).json()).entries).toHaveLength(before);
  });
});

describe('library words stay in the log', () => {
  it("/health reports a failing check in the node's words; the driver's error goes to onInternalError", async () => {
    const broken = await makeTestApp();
    const logged: unknown[] = [];
    const { buildApp } = await import('../../src/http/app');
    const app = buildApp(broken.rt.deps, { onInternalError: (e) => logged.push(e) });
    try {
      broken.rt.database.close();
      const res = await app.request('/health');
      expect(res.status).toBe(503);
      const body = await res.json();
      expect(body.checks.database).toEqual({ ok: false, error: "the database check failed; see the node's log" });
      expect(String(logged[0])).toMatch(/Failed query: select 1/); // drizzle's words, with the SQL
    } finally {
      broken.close();
    }
  });
});

describe('JSON bodies have their own limit (MAX_JSON_BYTES, default 2 MiB)', () => {
  const PDQ_HASH = 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22';
  /** An hour of video sampled once a second at 29.97 fps (3,600 frames), as the client CLI writes it. */
  const hourOfFrames = (video: number) =>
    Array.from({ length: 3600 }, (_, i) => ({
      index: i * 29,
      timestamp: Math.round(((i * 29) / 29.97) * 1000) / 1000,
      hash: PDQ_HASH.slice(0, 52) + video.toString(16).padStart(4, '0') + i.toString(16).padStart(8, '0'),
      quality: 100,
    }));
  const videoShare = (videos: number) =>
    JSON.stringify({ items: Array.from({ length: videos }, (_, v) => ({ type: 'vpdq', frames: hourOfFrames(v), labels: ['attack-footage'] })) });

  it('a JSON body over MAX_JSON_BYTES -> 413 saying so in terms of JSON, declared or chunked; media routes keep their own limit', async () => {
    const small = await makeTestApp({ MAX_JSON_BYTES: '4096' });
    try {
      const hashes = Array.from({ length: 80 }, (_, i) => ({ type: 'md5', value: i.toString(16).padStart(32, '0') }));
      const body = JSON.stringify({ hashes });
      expect(body.length).toBeGreaterThan(4096);
      const declared = await small.request('/v1/match', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(body.length) },
        body,
      });
      const p = await problem(declared, 413, 'payload_too_large');
      expect(p).toMatchObject({ maxBytes: 4096, detail: expect.stringMatching(/^the JSON body is larger than 4096 bytes/) });
      expect(p.detail).not.toMatch(/video/);
      const chunked = new ReadableStream<Uint8Array>({
        start(ctrl) {
          ctrl.enqueue(new TextEncoder().encode(body));
          ctrl.close();
        },
      });
      await problem(
        await small.request('/v1/match', { method: 'POST', headers: { 'content-type': 'application/json' }, body: chunked, duplex: 'half' } as RequestInit),
        413,
        'payload_too_large',
      );
      expect((await small.request('/v1/match', json('POST', { hashes: hashes.slice(0, 10) }))).status).toBe(200);
      // An image far over the JSON limit is still taken by a media route.
      const image = await noiseImage('png', 200, 200);
      expect(image.length).toBeGreaterThan(100_000);
      expect((await small.request('/v1/hash', { method: 'POST', headers: { 'content-type': 'image/png' }, body: new Uint8Array(image) })).status).toBe(200);
    } finally {
      small.close();
    }
  });

  it('MAX_BODY_BYTES no longer holds JSON: with a 256 KiB body limit a 300 KB JSON share still goes through', async () => {
    const items = Array.from({ length: 1000 }, (_, i) => ({
      type: 'sha256',
      value: i.toString(16).padStart(64, '0'),
      labels: ['attack-footage'],
      externalId: 'x'.repeat(200),
    }));
    const body = JSON.stringify({ items });
    expect(body.length).toBeGreaterThan(256 * 1024);
    expect((await t.request('/v1/hashes', { method: 'POST', headers: { 'content-type': 'application/json' }, body })).status).toBe(201);
  });

  it("the README's arithmetic: a vPDQ frame is about 125 bytes of JSON; 2 MiB holds a share of four hour-long videos, not five", async () => {
    const four = videoShare(4);
    const five = videoShare(5);
    expect(four.length / (4 * 3600)).toBeGreaterThan(120);
    expect(four.length / (4 * 3600)).toBeLessThan(130);
    expect((await t.request('/v1/hashes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: four })).status).toBe(201);
    const p = await problem(
      await t.request('/v1/hashes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: five }),
      413,
      'payload_too_large',
    );
    expect(p.maxBytes).toBe(2 * 1024 * 1024);
  });
});
