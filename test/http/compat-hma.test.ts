/**
 * HMA-compatible lookups through the real app and database: the answers have the shapes of HMA's
 * matcher API, written out below from its source (github.com/facebook/ThreatExchange, commit
 * baefb4ed67b6cdc1d4c82dbaef858d50866ac424):
 *
 * - hasher-matcher-actioner/src/OpenMediaMatch/schemas/matching.py: `RawLookupResponse` is
 *   `{ matches: list[int | MatchWithDistance] }`, `MatchWithDistance` is
 *   `{ bank_content_id: int, distance: str }`; `LookupResponse` is a free dict;
 * - hasher-matcher-actioner/src/OpenMediaMatch/blueprints/matching.py: `raw_lookup` answers ints
 *   unless `include_distance`; `lookup_get` with signal_type answers `{ BANK: [{ bank_content_id,
 *   distance }] }` (its docstring's "Example output (with signal type set)"); `distance` is
 *   `similarity_info.pretty_str()`: `str(distance)` for PDQ, `"-"` (NO_DISTANCE_STR,
 *   python-threatexchange signal_type/index.py) for exact types such as video_md5; errors are
 *   `abort(400, …)` rendered by utils/flask_utils.py `api_error_handler` as `{ message }`.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashMedia } from '../../src/services/hashing';
import { json, makeTestApp, type TestApp } from '../support/app';
import { conformancePath } from '../support/conformance';

let t: TestApp;
let A: Record<string, string>;
let ADMIN: Record<string, string>;
beforeAll(async () => {
  t = await makeTestApp();
  A = await t.as('partner', 'partner-a');
  ADMIN = await t.as('admin', 'admin-1');
});
afterAll(() => t.close());

const P1 = 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22';
const NEAR = 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b2d'; // 4 bits from P1 (2 -> d)
const MD5 = '0123456789abcdef0123456789abcdef';

/** The shapes HMA documents, as checks (see the header). */
const isInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v);
const isMatchWithDistance = (v: unknown) =>
  typeof v === 'object' &&
  v !== null &&
  Object.keys(v).sort().join(',') === 'bank_content_id,distance' &&
  isInt(Reflect.get(v, 'bank_content_id')) &&
  typeof Reflect.get(v, 'distance') === 'string';
const isRawLookupResponse = (v: unknown) =>
  typeof v === 'object' && v !== null && Object.keys(v).join(',') === 'matches' && Array.isArray(Reflect.get(v, 'matches'));
const isLookupResponse = (v: unknown) =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((list) => Array.isArray(list) && list.every(isMatchWithDistance));

const get = (path: string, headers: Record<string, string> = A) => t.request(path, { headers });
const seqOf = async (id: string) => (await t.rt.deps.hashes.getById(id))?.seq;

let pdqId: string;
let md5Id: string;
beforeAll(async () => {
  const res = await t.request(
    '/v1/hashes',
    json(
      'POST',
      {
        items: [
          { type: 'pdq', value: P1, labels: ['recruitment', 'glorification'] },
          { type: 'md5', value: MD5, labels: ['attack-footage'] },
        ],
      },
      A,
    ),
  );
  expect(res.status).toBe(201);
  [pdqId, md5Id] = (await res.json()).items.map((i: { id: string }) => i.id);
});

describe('GET /compat/hma/m/raw_lookup', () => {
  it("answers HMA's RawLookupResponse: the bank content ids (integers), or with include_distance each with its distance as a string", async () => {
    const plain = await (await get(`/compat/hma/m/raw_lookup?signal_type=pdq&signal=${NEAR}`)).json();
    expect(isRawLookupResponse(plain)).toBe(true);
    expect(plain).toEqual({ matches: [await seqOf(pdqId)] });
    expect(plain.matches.every(isInt)).toBe(true);

    const withDistance = await (await get(`/compat/hma/m/raw_lookup?signal_type=pdq&signal=${NEAR}&include_distance=true`)).json();
    expect(isRawLookupResponse(withDistance)).toBe(true);
    expect(withDistance.matches.every(isMatchWithDistance)).toBe(true);
    expect(withDistance).toEqual({ matches: [{ bank_content_id: await seqOf(pdqId), distance: '4' }] });

    // An exact type: HMA's "-" for no distance; python-threatexchange's name video_md5 for the node's md5.
    expect(await (await get(`/compat/hma/m/raw_lookup?signal_type=video_md5&signal=${MD5.toUpperCase()}&include_distance=1`)).json()).toEqual({
      matches: [{ bank_content_id: await seqOf(md5Id), distance: '-' }],
    });
    expect(await (await get(`/compat/hma/m/raw_lookup?signal_type=pdq&signal=${'0'.repeat(64)}`)).json()).toEqual({ matches: [] });
    // banks keeps the hashes under those labels only.
    expect(await (await get(`/compat/hma/m/raw_lookup?signal_type=pdq&signal=${P1}&banks=instruction`)).json()).toEqual({ matches: [] });
    expect((await (await get(`/compat/hma/m/raw_lookup?signal_type=pdq&signal=${P1}&banks=instruction,recruitment`)).json()).matches).toHaveLength(1);
  });
});

describe('GET /compat/hma/m/lookup', () => {
  it("answers HMA's LookupResponse with signal_type set: bank (here a label) to its matches", async () => {
    const body = await (await get(`/compat/hma/m/lookup?signal_type=pdq&signal=${NEAR}&seed=x&bypass_coinflip=true`)).json();
    expect(isLookupResponse(body)).toBe(true);
    const m = { bank_content_id: await seqOf(pdqId), distance: '4' };
    expect(body).toEqual({ glorification: [m], recruitment: [m] });
    expect(await (await get(`/compat/hma/m/lookup?signal_type=pdq&signal=${NEAR}&banks=recruitment`)).json()).toEqual({ recruitment: [m] });
    expect(await (await get(`/compat/hma/m/lookup?signal_type=video_md5&signal=${MD5}`)).json()).toEqual({
      'attack-footage': [{ bank_content_id: await seqOf(md5Id), distance: '-' }],
    });
    expect(await (await get(`/compat/hma/m/lookup?signal_type=pdq&signal=${'0'.repeat(64)}`)).json()).toEqual({});
  });

  it('a retracted hash no longer matches', async () => {
    const res = await t.request('/v1/hashes', json('POST', { items: [{ type: 'sha256', value: 'ab'.repeat(32), labels: ['manifesto'] }] }, A));
    const [{ id }] = (await res.json()).items;
    expect(Object.keys(await (await get(`/compat/hma/m/lookup?signal_type=video_sha256&signal=${'ab'.repeat(32)}`)).json())).toEqual(['manifesto']);
    expect((await t.request(`/v1/hashes/${id}`, { method: 'DELETE', headers: A })).status).toBe(200);
    expect(await (await get(`/compat/hma/m/lookup?signal_type=video_sha256&signal=${'ab'.repeat(32)}`)).json()).toEqual({});
  });
});

describe('POST /compat/hma/m/lookup (a file, its field named after its content type)', () => {
  it("hashes the upload in memory and answers per signal type, as HMA's lookup_post", async () => {
    const bytes = readFileSync(conformancePath('blockhash', '00002701.jpg'));
    const h = await hashMedia(t.rt.deps, new Uint8Array(bytes));
    if (h.kind !== 'image') throw new Error('not an image');
    const res = await t.request('/v1/hashes', json('POST', { items: [{ type: 'pdq', value: h.hashes.pdq.value, labels: ['instruction'] }] }, A));
    const [{ id }] = (await res.json()).items;
    const form = new FormData();
    form.set('photo', new Blob([new Uint8Array(bytes)], { type: 'image/jpeg' }), 'upload.jpg');
    const answer = await t.request('/compat/hma/m/lookup', { method: 'POST', headers: A, body: form });
    expect(answer.status).toBe(200);
    const body = await answer.json();
    expect(Object.values(body).every(isLookupResponse)).toBe(true);
    expect(body).toEqual({ pdq: { instruction: [{ bank_content_id: await seqOf(id), distance: '0' }] }, video_md5: {}, video_sha256: {} });
  });

  it('refuses a body without a photo, video or file field, or with two, naming the field', async () => {
    const none = new FormData();
    none.set('image', new Blob([new Uint8Array([1, 2, 3])]), 'x.jpg');
    const two = new FormData();
    two.set('photo', new Blob([new Uint8Array([1, 2, 3])]), 'x.jpg');
    two.set('video', new Blob([new Uint8Array([1, 2, 3])]), 'x.mp4');
    for (const [form, message] of [
      [none, 'missing'],
      [two, 'more than one file'],
    ] as const) {
      const res = await t.request('/compat/hma/m/lookup', { method: 'POST', headers: A, body: form });
      expect(res.status).toBe(400);
      const p = await res.json();
      expect(p.detail).toBe('the multipart body needs one file field named "photo" or "video" or "file"');
      expect(p.errors[0].message).toBe(message);
    }
  });
});

describe("refusals: 4xx problem+json in the node's words, with HMA's message member", () => {
  it.each([
    ['/compat/hma/m/raw_lookup?signal_type=photodna&signal=abc', 'signal_type', /No such SignalType 'photodna': this node takes pdq, video_md5/],
    ['/compat/hma/m/raw_lookup?signal_type=pdq&signal=xyz', 'signal', /invalid signal: pdq: pdq value must be hexadecimal/],
    ['/compat/hma/m/lookup?signal_type=pdq', 'signal', /both signal and signal_type are required/],
    ['/compat/hma/m/lookup?url=https://example.org/a.jpg', 'url', /never fetches media/],
    [`/compat/hma/m/raw_lookup?signal_type=pdq&signal=${P1}&include_distance=maybe`, 'include_distance', /include_distance must be true or false/],
  ])('%s', async (path, field, words) => {
    const res = await get(path);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const p = await res.json();
    expect(p.detail).toMatch(words);
    expect(p.errors.map((e: { path: string }) => e.path)).toContain(field);
    if (field !== 'include_distance') expect(p.message).toBe(p.detail);
  });

  it('raw_lookup without signal_type names it', async () => {
    const res = await get(`/compat/hma/m/raw_lookup?signal=${P1}`);
    expect(res.status).toBe(400);
    expect((await res.json()).errors.map((e: { path: string }) => e.path)).toContain('signal_type');
  });

  it('needs a bearer token with the match scope', async () => {
    expect((await t.request(`/compat/hma/m/lookup?signal_type=pdq&signal=${P1}`, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
    expect((await get(`/compat/hma/m/lookup?signal_type=pdq&signal=${P1}`, ADMIN)).status).toBe(403);
  });

  it('is in /openapi.json with bearer security and the match scope', async () => {
    const doc = await (await t.request('/openapi.json')).json();
    for (const p of ['/compat/hma/m/raw_lookup', '/compat/hma/m/lookup']) {
      expect(doc.paths[p].get.security).toEqual([{ bearer: ['match'] }]);
      expect(Object.keys(doc.paths[p].get.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403']));
    }
  });
});
