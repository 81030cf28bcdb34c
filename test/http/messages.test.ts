/**
 * The messages and shapes of issue 17 item 6 and issue 11 item 3, through the real app: schema
 * failures in the node's own words with each field's path, media posted to a JSON route pointed to
 * its /media counterpart, every hash type named, 413s in terms of what the route takes, 405 with
 * Allow, ISO 8601 times, `matched` on every result, the limits /openapi.json states enforced.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lintOpenApi } from '../../src/cli/lint-openapi';
import { HASH_TYPES } from '../../src/core/hashes';
import { json, makeTestApp, type TestApp } from '../support/app';
import { noiseImage } from '../support/images';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp({ MAX_BATCH: '5', VIDEO_MAX_FRAMES: '4' });
});
afterAll(() => t.close());

const PDQ = 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22';
const ZOD_WORDS = /Invalid input|Invalid option|Too small|Too big|expected .*, received|Unrecognized key|Invalid discriminator/;

async function problem(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = await res.json();
  expect(body).toMatchObject({ status, code, detail: expect.any(String) });
  expect(JSON.stringify(body)).not.toMatch(ZOD_WORDS);
  return body;
}

const match = (body: unknown) => t.request('/v1/match', json('POST', body));
const share = (body: unknown) => t.request('/v1/hashes', json('POST', body));

describe("schema failures in the node's words, naming each field", () => {
  it('a hash value of the wrong length or characters', async () => {
    const short = await problem(await match({ hashes: [{ type: 'pdq', value: PDQ.slice(1) }] }), 400, 'invalid_request');
    expect(short).toMatchObject({
      detail: 'pdq value must be 64 hex characters (256 bits), got 63',
      errors: [{ path: 'hashes/0/value', message: 'pdq value must be 64 hex characters (256 bits), got 63' }],
    });
    const both = await problem(await match({ hashes: [{ type: 'md5', value: 'xyz' }] }), 400, 'invalid_request');
    expect(both.errors).toEqual([
      { path: 'hashes/0/value', message: 'md5 value must be hexadecimal (0-9, a-f)' },
      { path: 'hashes/0/value', message: 'md5 value must be 32 hex characters (128 bits), got 3' },
    ]);
    const number = await problem(await match({ hashes: [{ type: 'sha256', value: 12 }] }), 400, 'invalid_request');
    expect(number.errors).toEqual([{ path: 'hashes/0/value', message: 'hashes/0/value must be a string, got 12' }]);
  });

  it('an unknown hash type lists every type, vpdq included; a missing one says so', async () => {
    const body = await problem(
      await match({
        hashes: [
          { type: 'pdq', value: PDQ },
          { type: 'photodna', value: PDQ },
        ],
      }),
      400,
      'invalid_request',
    );
    expect(body.errors).toEqual([
      { path: 'hashes/1/type', message: 'unknown hash type "photodna"; expected one of pdq, blockhash, md5, sha256, vpdq, pdf, tlsh, url' },
    ]);
    for (const type of HASH_TYPES) expect(body.detail).toContain(type);
    const none = await problem(await match({ hashes: [{ value: PDQ }] }), 400, 'invalid_request');
    expect(none.errors).toEqual([{ path: 'hashes/0/type', message: 'a hash needs a type: expected one of pdq, blockhash, md5, sha256, vpdq, pdf, tlsh, url' }]);
  });

  it('missing and mistyped members, numbers out of range, unknown distances', async () => {
    expect((await problem(await match({}), 400, 'invalid_request')).errors).toEqual([{ path: 'hashes', message: 'hashes is missing' }]);
    expect((await problem(await match({ hashes: 'all of them' }), 400, 'invalid_request')).errors).toEqual([
      { path: 'hashes', message: 'hashes must be an array, got "all of them"' },
    ]);
    expect((await problem(await match({ hashes: [] }), 400, 'invalid_request')).detail).toBe('hashes must hold at least one item');
    const quality = await problem(await match({ hashes: [{ type: 'pdq', value: PDQ, quality: 1.5 }] }), 400, 'invalid_request');
    expect(quality.errors).toEqual([{ path: 'hashes/0/quality', message: 'quality must be a whole number from 0 to 100' }]);
    const dist = await problem(await match({ hashes: [{ type: 'pdq', value: PDQ }], maxDistance: { pdq: 65, md5: 1, pdx: 3 } }), 400, 'invalid_request');
    expect(dist.errors).toEqual(
      expect.arrayContaining([
        { path: 'maxDistance/pdq', message: 'pdq maxDistance must be a whole number from 0 to 64' },
        { path: 'maxDistance/md5', message: 'md5 maxDistance must be a whole number from 0 to 0' },
        { path: 'maxDistance/pdx', message: 'maxDistance/pdx: unknown member; maxDistance takes pdq, blockhash, md5, sha256, vpdq, pdf, tlsh, url' },
      ]),
    );
    expect((await problem(await match({ hashes: [{ type: 'pdq', value: PDQ }], dihedral: 'yes' }), 400, 'invalid_request')).errors).toEqual([
      { path: 'dihedral', message: 'dihedral must be true or false, got "yes"' },
    ]);
  });

  it('vPDQ frames: each field, their order, their digest', async () => {
    const frame = (index: number, hash = PDQ) => ({ index, timestamp: index / 10, hash, quality: 90 });
    const bad = await problem(
      await match({ hashes: [{ type: 'vpdq', frames: [frame(0), { ...frame(5), hash: 'nope', quality: 101 }, frame(3)] }] }),
      400,
      'invalid_request',
    );
    expect(bad.errors).toEqual(
      expect.arrayContaining([
        { path: 'hashes/0/frames/1/hash', message: 'a frame hash (PDQ) must be hexadecimal (0-9, a-f)' },
        { path: 'hashes/0/frames/1/quality', message: 'a frame quality must be a whole number from 0 to 100' },
      ]),
    );
    const order = await problem(await match({ hashes: [{ type: 'vpdq', frames: [frame(0), frame(5), frame(3)] }] }), 400, 'invalid_request');
    expect(order.errors).toEqual(expect.arrayContaining([{ path: 'hashes/0/frames/2/index', message: 'frame numbers must increase (frame 2 is 3, after 5)' }]));
    const digest = await problem(await match({ hashes: [{ type: 'vpdq', value: 'ab'.repeat(32), frames: [frame(0)] }] }), 400, 'invalid_request');
    expect(digest.errors[0]).toMatchObject({
      path: 'hashes/0/value',
      message: expect.stringMatching(/^a vpdq value is the SHA-256 of its frame list \([0-9a-f]{64} for these frames\)/),
    });
  });

  it('labels, free text, verdicts, roles and query parameters', async () => {
    const labels = await problem(await share({ items: [{ type: 'pdq', value: PDQ, labels: [] }] }), 400, 'invalid_request');
    expect(labels.errors).toEqual([{ path: 'items/0/labels', message: 'give at least one label (GET /v1/labels lists them)' }]);
    const unknown = await problem(await share({ items: [{ type: 'md5', value: 'a'.repeat(32), labels: ['recruitment', 'cats'] }] }), 400, 'invalid_request');
    expect(unknown.errors).toEqual([{ path: 'items/0/labels/1', message: 'unknown label "cats"; see GET /v1/labels' }]);
    const { items } = await (await share({ items: [{ type: 'md5', value: 'b'.repeat(32), labels: ['recruitment'] }] })).json();
    const verdict = await problem(await t.request(`/v1/hashes/${items[0].id}/feedback`, json('POST', { verdict: 'maybe' })), 400, 'invalid_request');
    expect(verdict.errors).toEqual([{ path: 'verdict', message: 'verdict must be confirm or dispute, got "maybe"' }]);
    const admin = await t.as('admin', 'messages-admin');
    const role = await problem(await t.request('/v1/admin/clients', json('POST', { role: 'superuser', name: 'x' }, admin)), 400, 'invalid_request');
    expect(role.errors).toEqual([{ path: 'role', message: 'role must be one of partner, admin, auditor, peer, got "superuser"' }]);
    const blank = await problem(await t.request('/v1/admin/clients', json('POST', { role: 'partner', name: '   ' }, admin)), 400, 'invalid_request');
    expect(blank.errors).toEqual([{ path: 'name', message: 'name must not be empty' }]);
    expect((await problem(await t.request('/v1/hashes?limit=lots'), 400, 'invalid_request')).errors).toEqual([
      { path: 'limit', message: 'limit must be a whole number from 1 to 1000' },
    ]);
    // Decimal digits only: Number() would read these as 1000, 16, 7 and (empty) 0.
    for (const limit of ['1e3', '0x10', '%207%20', '', '7.0', '-0']) {
      expect((await problem(await t.request(`/v1/hashes?limit=${limit}`), 400, 'invalid_request')).errors, `limit=${limit}`).toEqual([
        { path: 'limit', message: 'limit must be a whole number from 1 to 1000' },
      ]);
    }
    expect((await t.request('/v1/hashes?limit=0007')).status).toBe(200);
    const auditor = await t.as('auditor', 'messages-auditor');
    expect((await problem(await t.request('/v1/audit/entries?start=9&end=2', { headers: auditor }), 400, 'invalid_request')).errors).toEqual([
      { path: 'end', message: 'end must not be below start (2 < 9)' },
    ]);
    expect((await problem(await t.request('/v1/audit/proof/inclusion?index=&treeSize=1', { headers: auditor }), 400, 'invalid_request')).errors).toEqual([
      { path: 'index', message: `index must be a whole number from 0 to ${Number.MAX_SAFE_INTEGER}` },
    ]);
  });

  it('a value echoed back (label, type, kind, verdict, role, dihedral, Content-Type) is cut at 40 characters, its control characters escaped', async () => {
    const long = `${'x'.repeat(39)}\u0000${'y'.repeat(1_500_000)}`;
    const cut = '"' + 'x'.repeat(39) + '\\u0000…"';
    const sent = async (res: Response, path: string, message: string) => {
      const text = await res.clone().text();
      expect(text.length).toBeLessThan(1500);
      const body = await problem(res, res.status, (await res.clone().json()).code);
      expect(body.errors ?? [{ path, message: body.detail }]).toEqual([{ path, message }]);
      expect(body.detail).toBe(message);
    };
    await sent(
      await share({ items: [{ type: 'md5', value: 'c'.repeat(32), labels: [long] }] }),
      'items/0/labels/0',
      `unknown label ${cut}; see GET /v1/labels`,
    );
    await sent(await match({ hashes: [{ type: long, value: PDQ }] }), 'hashes/0/type', `unknown hash type ${cut}; expected one of ${HASH_TYPES.join(', ')}`);
    await sent(
      await share({ items: [{ type: 'md5', value: 'c'.repeat(32), labels: ['recruitment'], item: { sha256: 'c'.repeat(64), kind: long } }] }),
      'items/0/item/kind',
      `item.kind must be one of image, video, pdf, text, got ${cut}`,
    );
    const { items } = await (await share({ items: [{ type: 'md5', value: '5'.repeat(32), labels: ['recruitment'] }] })).json();
    await sent(
      await t.request(`/v1/hashes/${items[0].id}/feedback`, json('POST', { verdict: long })),
      'verdict',
      `verdict must be confirm or dispute, got ${cut}`,
    );
    const admin = await t.as('admin', 'messages-admin');
    await sent(
      await t.request('/v1/admin/clients', json('POST', { role: long, name: 'x' }, admin)),
      'role',
      `role must be one of partner, admin, auditor, peer, got ${cut}`,
    );
    await sent(
      await t.request(`/v1/match/media?dihedral=${encodeURIComponent(long.slice(0, 5000))}`, {
        method: 'POST',
        headers: { 'content-type': 'image/png' },
        body: 'x',
      }),
      'dihedral',
      `dihedral must be true or false, got ${cut}`,
    );
    const type = await problem(
      await t.request('/v1/match', { method: 'POST', headers: { 'content-type': `text/${'z'.repeat(5000)}` }, body: '{}' }),
      415,
      'unsupported_media_type',
    );
    expect(type.detail).toBe(
      `POST /v1/match takes a JSON body (Content-Type: application/json), and this request has Content-Type "text/${'z'.repeat(35)}…"; an image, video, PDF or text goes to POST /v1/match/media`,
    );
    // Nor does a list of labels come back one problem each: at most the vocabulary's count is taken.
    await sent(
      await share({ items: [{ type: 'md5', value: 'c'.repeat(32), labels: Array.from({ length: 100_000 }, () => 'cats') }] }),
      'items/0/labels',
      'give at most 90 labels (the vocabulary has 9; GET /v1/labels lists them)',
    );
  });
});

describe('what /openapi.json states is what the node takes', () => {
  it('the configured batch and frame limits appear in the document and are enforced', async () => {
    const doc = await (await t.app.request('/openapi.json')).json();
    const hashes = doc.components.schemas.MatchRequest.properties.hashes;
    expect(hashes).toMatchObject({ minItems: 1, maxItems: 5 });
    expect(doc.components.schemas.ShareRequest.properties.items).toMatchObject({ minItems: 1, maxItems: 5 });
    expect(hashes.items.oneOf.map((o: { properties: { type: { enum: string[] } } }) => o.properties.type.enum[0])).toEqual([...HASH_TYPES]);
    const md5 = hashes.items.oneOf.find((o: { properties: { type: { enum: string[] } } }) => o.properties.type.enum[0] === 'md5');
    expect(md5.properties.value).toMatchObject({ minLength: 32, maxLength: 32, pattern: '^[0-9a-fA-F]*$' });
    const six = Array.from({ length: 6 }, (_, i) => ({ type: 'md5', value: i.toString(16).padStart(32, '0') }));
    expect((await problem(await match({ hashes: six }), 400, 'batch_too_large')).detail).toBe('hashes holds 6 items; at most 5 are accepted in one request');
    expect((await match({ hashes: six.slice(0, 5) })).status).toBe(200);
    const frames = (n: number, at: number) => Array.from({ length: n }, (_, i) => ({ index: at + i, timestamp: at + i, hash: PDQ, quality: 90 }));
    const tooMany = await problem(
      await match({
        hashes: [
          { type: 'vpdq', frames: frames(3, 0) },
          { type: 'vpdq', frames: frames(3, 10) },
        ],
      }),
      400,
      'batch_too_large',
    );
    expect(tooMany.detail).toBe('the vpdq items of this request hold 6 frames; at most 4 are taken in one request (split it)');
    const oneTooLong = await problem(await match({ hashes: [{ type: 'vpdq', frames: frames(5, 0) }] }), 400, 'invalid_request');
    expect(oneTooLong.errors).toEqual([{ path: 'hashes/0/frames', message: '5 frames; at most 4 are accepted in one vpdq hash' }]);
  });

  it('every operation has an operationId; public ones declare security: []; the server is PUBLIC_URL', async () => {
    const doc = await (await t.app.request('/openapi.json')).json();
    expect(doc.servers).toEqual([{ url: 'http://node.test', description: expect.any(String) }]);
    const ops = Object.entries(doc.paths as Record<string, Record<string, { operationId?: string; security?: unknown[] }>>).flatMap(([path, o]) =>
      Object.entries(o).map(([method, op]) => ({ path, method, ...op })),
    );
    expect(ops.length).toBeGreaterThanOrEqual(27);
    expect(ops.filter((o) => !o.operationId)).toEqual([]);
    expect(new Set(ops.map((o) => o.operationId)).size).toBe(ops.length);
    expect(ops.filter((o) => !Array.isArray(o.security))).toEqual([]);
    const open = ops.filter((o) => o.security?.length === 0).map((o) => `${o.method.toUpperCase()} ${o.path}`);
    expect(open.sort()).toEqual([
      'GET /.well-known/jwks.json',
      'GET /.well-known/oauth-authorization-server',
      'GET /console',
      'GET /health',
      'POST /v1/oauth/token',
    ]);
  });

  it("the document is clean under Redocly's recommended rules (npm run lint:openapi)", async () => {
    const report = await lintOpenApi(await (await t.app.request('/openapi.json')).json());
    expect(report.rules).toEqual([]);
  }, 120_000);
});

describe('media sent where JSON is taken, and the other way round', () => {
  it('an image posted to /v1/match names what it got and points to /v1/match/media', async () => {
    const png = new Uint8Array(await noiseImage('png', 64, 64));
    const image = await problem(
      await t.request('/v1/match', { method: 'POST', headers: { 'content-type': 'image/png' }, body: png }),
      415,
      'unsupported_media_type',
    );
    expect(image.detail).toBe(
      'POST /v1/match takes a JSON body (Content-Type: application/json), and this request has Content-Type "image/png"; an image, video, PDF or text goes to POST /v1/match/media',
    );
    const form = new FormData();
    form.set('file', new Blob([png], { type: 'image/png' }), 'x.png');
    const multipart = await problem(await t.request('/v1/match', { method: 'POST', body: form }), 415, 'unsupported_media_type');
    expect(multipart.detail).toMatch(
      /^POST \/v1\/match takes a JSON body \(Content-Type: application\/json\), and this request has Content-Type "multipart\/form-data; boundary=.{10}…"; an image, video, PDF or text goes to POST \/v1\/match\/media$/,
    );
    const none = await problem(await t.request('/v1/match', { method: 'POST', body: png }), 415, 'unsupported_media_type');
    expect(none.detail).toBe(
      'POST /v1/match takes a JSON body (Content-Type: application/json), and this request has no Content-Type; an image, video, PDF or text goes to POST /v1/match/media',
    );
    const shared = await problem(
      await t.request('/v1/hashes', { method: 'POST', headers: { 'content-type': 'image/png' }, body: png }),
      415,
      'unsupported_media_type',
    );
    expect(shared.detail).toMatch(/an image, video, PDF or text goes to POST \/v1\/hashes\/media$/);
    expect((await t.request('/v1/match/media', { method: 'POST', headers: { 'content-type': 'image/png' }, body: png })).status).toBe(200);
  });

  it('JSON posted to a media route points to the JSON route', async () => {
    const body = await problem(await t.request('/v1/match/media', json('POST', { hashes: [{ type: 'pdq', value: PDQ }] })), 415, 'unsupported_media_type');
    expect(body.detail).toBe(
      'send the media as Content-Type image/*, video/*, application/pdf, text/plain or multipart/form-data with a "file" field (got "application/json"); hashes sent as JSON go to POST /v1/match',
    );
  });
});

describe('413s speak of what the route takes', () => {
  it('JSON routes in terms of JSON, the token endpoint of its form, images of images', async () => {
    const small = await makeTestApp({ MAX_JSON_BYTES: '2048', MAX_BODY_BYTES: '4096' });
    try {
      const big = JSON.stringify({
        items: Array.from({ length: 40 }, (_, i) => ({ type: 'md5', value: i.toString(16).padStart(32, '0'), labels: ['recruitment'] })),
      });
      for (const path of ['/v1/match', '/v1/hashes', '/v1/admin/clients']) {
        const p = await problem(
          await small.request(path, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(big.length) }, body: big }),
          413,
          'payload_too_large',
        );
        expect(p).toMatchObject({
          maxBytes: 2048,
          detail: 'the JSON body is larger than 2048 bytes, the most this node takes in one JSON request; send fewer items per request',
        });
      }
      const form = 'client_assertion=' + 'x'.repeat(3000);
      const token = await problem(
        await small.app.request('http://node.test/v1/oauth/token', {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: form,
        }),
        413,
        'payload_too_large',
      );
      expect(token.detail).toBe('the form body is larger than 2048 bytes, the most this node takes in a form');
      const image = new Uint8Array(await noiseImage('png', 200, 200));
      const img = await problem(
        await small.request('/v1/hash', { method: 'POST', headers: { 'content-type': 'image/png' }, body: image }),
        413,
        'payload_too_large',
      );
      expect(img).toMatchObject({
        maxBytes: 4096,
        detail: expect.stringMatching(/^the image is larger than 4096 bytes, the most this node takes for an image/),
      });
      // An image inside a multipart body (which may be video-sized) is held to the image limit once read.
      const fd = new FormData();
      fd.set('file', new Blob([image], { type: 'image/png' }), 'x.png');
      const inForm = await problem(await small.request('/v1/hash', { method: 'POST', body: fd }), 413, 'payload_too_large');
      expect(inForm).toMatchObject({ maxBytes: 4096, detail: expect.stringMatching(/^images are accepted up to 4096 bytes; this one is \d+/) });
    } finally {
      await small.close();
    }
  });
});

describe("413s state each kind's limit from the configuration", () => {
  /** A body that declares `bytes` and would send them slowly: the node refuses it from its Content-Length. */
  const declaring = (type: string, bytes: number): RequestInit =>
    ({
      method: 'POST',
      headers: { 'content-type': type, 'content-length': String(bytes) },
      body: new ReadableStream<Uint8Array>({ pull: (ctrl) => ctrl.enqueue(new Uint8Array(64 * 1024)) }),
      duplex: 'half',
    }) as RequestInit;
  const MiB = 1024 * 1024;

  it('the defaults: an image over 20 MiB is told videos go to 256 MiB and PDFs to 64 MiB; a 70 MB PDF and a 300 MB video are told their own limits', async () => {
    const each = 'a video up to 268435456 bytes (video/* or multipart), a PDF up to 67108864 (application/pdf or multipart), an image or a text up to 20971520';
    const image = await problem(await t.request('/v1/hash', declaring('image/jpeg', 30 * MiB)), 413, 'payload_too_large');
    expect(image).toMatchObject({
      maxBytes: 20 * MiB,
      detail: `the image is larger than 20971520 bytes, the most this node takes for an image or a text (it takes ${each})`,
    });
    const pdf = await problem(await t.request('/v1/hash', declaring('application/pdf', 70 * MiB)), 413, 'payload_too_large');
    expect(pdf).toMatchObject({ maxBytes: 64 * MiB, detail: `the PDF is larger than 67108864 bytes, the most this node takes for a PDF (it takes ${each})` });
    const video = await problem(await t.request('/v1/match/media', declaring('video/mp4', 300 * MiB)), 413, 'payload_too_large');
    expect(video).toMatchObject({
      maxBytes: 256 * MiB,
      detail: `the request body is larger than 268435456 bytes, the most this node takes in one upload (it takes ${each})`,
    });
  });

  it('limits set otherwise are stated as set: PDFs larger than videos', async () => {
    const other = await makeTestApp({ MAX_BODY_BYTES: '4096', VIDEO_MAX_BYTES: '8192', PDF_MAX_BYTES: '16384' });
    try {
      const each = 'a video up to 8192 bytes (video/* or multipart), a PDF up to 16384 (application/pdf or multipart), an image or a text up to 4096';
      const text = await problem(await other.request('/v1/hash', declaring('text/plain', 5000)), 413, 'payload_too_large');
      expect(text.detail).toBe(`the text is larger than 4096 bytes, the most this node takes for an image or a text (it takes ${each})`);
      const form = await problem(await other.request('/v1/hash', declaring('multipart/form-data; boundary=x', 20_000)), 413, 'payload_too_large');
      expect(form).toMatchObject({
        maxBytes: 16384,
        detail: `the request body is larger than 16384 bytes, the most this node takes in one upload (it takes ${each})`,
      });
    } finally {
      await other.close();
    }
  });
});

describe('405 for a known path asked with another method', () => {
  it.each([
    ['GET', '/v1/match', 'POST'],
    ['PUT', '/v1/hashes', 'GET, HEAD, POST'],
    ['GET', '/v1/hashes/some-id', 'DELETE'],
    ['DELETE', '/v1/hashes/some-id/feedback', 'POST'],
    ['POST', '/health', 'GET, HEAD'],
    ['DELETE', '/v1/admin/clients', 'GET, HEAD, POST'],
  ])('%s %s -> 405, Allow: %s', async (method, path, allow) => {
    const body = await problem(await t.request(path, { method }), 405, 'method_not_allowed');
    expect(body).toMatchObject({ title: 'Method Not Allowed', detail: `${path} does not take ${method}; it takes ${allow}`, allow: allow.split(', ') });
    expect((await t.request(path, { method })).headers.get('allow')).toBe(allow);
  });

  it('an unknown path stays 404', async () => {
    await problem(await t.request('/v1/matches', { method: 'GET' }), 404, 'not_found');
    await problem(await t.request('/v1/hashes/a/b/c', { method: 'GET' }), 404, 'not_found');
  });
});

describe('one time convention and plain answers', () => {
  it('the admin API gives times in ISO 8601, as the feed does', async () => {
    const admin = await t.as('admin', 'messages-admin');
    const made = await (await t.request('/v1/admin/clients', json('POST', { role: 'auditor', name: 'times' }, admin))).json();
    const now = new Date(t.clock.now()).toISOString();
    expect(made).toMatchObject({ createdAt: now, updatedAt: now, keys: [] });
    t.clock.advance(1500);
    const suspended = await (await t.request(`/v1/admin/clients/${made.id}/suspend`, { method: 'POST', headers: admin })).json();
    expect(suspended).toMatchObject({ createdAt: now, updatedAt: new Date(t.clock.now()).toISOString() });
    const listed = await (await t.request('/v1/admin/clients', { headers: admin })).json();
    for (const c of listed.clients) {
      expect(c.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      for (const k of c.keys) expect(k.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
    const feed = await (await t.request('/v1/hashes')).json();
    expect(feed.entries[0].at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('each match result says matched: true or false', async () => {
    const value = 'c'.repeat(32);
    await share({ items: [{ type: 'md5', value, labels: ['manifesto'] }] });
    const { results } = await (
      await match({
        hashes: [
          { type: 'md5', value },
          { type: 'md5', value: 'd'.repeat(32) },
        ],
      })
    ).json();
    expect(results.map((r: { matched: boolean; matches: unknown[] }) => [r.matched, r.matches.length])).toEqual([
      [true, 1],
      [false, 0],
    ]);
    const media = await (
      await t.request('/v1/match/media', { method: 'POST', headers: { 'content-type': 'image/png' }, body: new Uint8Array(await noiseImage('png', 64, 64)) })
    ).json();
    expect(media.results.map((r: { matched: boolean }) => r.matched)).toEqual([false, false, false, false]);
  });
});
