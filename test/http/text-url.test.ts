/**
 * Text and links through the real app: text/plain bodies hashed (TLSH of the normalised text, md5
 * and sha256 of the bytes), shared and matched with their edits; tlsh values shared and matched as
 * JSON; url shares by URL or digest, with host and folder scopes, and matches naming the scope.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textTlsh, tlshDistance } from '../../src/core/tlsh';
import { hashUrl, hostKey, prefixDigest } from '../../src/core/url';
import { prose } from '../support/pdf';
import { json, makeTestApp, type TestApp } from '../support/app';

let t: TestApp;
let A: Record<string, string>;
let B: Record<string, string>;
beforeAll(async () => {
  t = await makeTestApp();
  A = await t.as('partner', 'text-a');
  B = await t.as('partner', 'text-b');
});
afterAll(() => t.close());

const TEXT = prose(42, 1500);
const text = (body: string | Uint8Array<ArrayBuffer>, type = 'text/plain; charset=utf-8', headers = A) =>
  t.request('/v1/hash', { method: 'POST', headers: { ...headers, 'content-type': type }, body });
const share = (items: unknown[], headers = A) => t.request('/v1/hashes', json('POST', { items }, headers));
async function match(hashes: unknown[], headers = B) {
  const res = await t.request('/v1/match', json('POST', { hashes }, headers));
  return { status: res.status, body: await res.json() };
}

describe('text/plain', () => {
  it('hashes a text: tlsh of the normalised text, md5 and sha256 of the bytes; nothing stored', async () => {
    const res = await text(TEXT);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.kind).toBe('text');
    expect(body.hashes.tlsh.value).toBe(textTlsh(TEXT));
    expect(body.hashes.tlsh.value).toMatch(/^T1[0-9A-F]{70}$/);
    expect(body.hashes.sha256.value).toMatch(/^[0-9a-f]{64}$/);
    expect(body.media).toMatchObject({ format: 'text', encoding: 'utf-8' });
  });

  it('reads the declared charset and byte-order marks: the same text in four encodings has one tlsh', async () => {
    const latin = 'Ça brûle déjà à Noël; über Straße. ' + TEXT.slice(0, 2000);
    const want = textTlsh(latin);
    const utf16le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(latin, 'utf16le')]);
    const utf16be = Buffer.from(utf16le.subarray(2)).swap16();
    const bodies: [Uint8Array, string][] = [
      [Buffer.from(latin, 'utf8'), 'text/plain'],
      [Buffer.from(latin, 'latin1'), 'text/plain; charset=ISO-8859-1'],
      [utf16le, 'text/plain'],
      [Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be]), 'text/plain; charset=windows-1252'], // the mark wins
    ];
    for (const [body, type] of bodies) {
      const res = await text(new Uint8Array(body), type);
      expect(res.status, type).toBe(200);
      expect((await res.json()).hashes.tlsh.value).toBe(want);
    }
  });

  it('refuses what it cannot read, naming the problem (415 unknown charset, 422 bad bytes or UTF-16 without a mark)', async () => {
    const cases: [Uint8Array<ArrayBuffer> | string, string, number, string, RegExp][] = [
      [TEXT, 'text/plain; charset=x-klingon', 415, 'unsupported_media_type', /charset "x-klingon"/],
      [new Uint8Array([0x41, 0xc3, 0x28, 0x41, ...Buffer.from(TEXT)]), 'text/plain', 422, 'corrupt_media', /not valid utf-8/],
      [new Uint8Array(Buffer.from(TEXT, 'utf16le')), 'text/plain', 422, 'corrupt_media', /NUL character.*charset/],
      [new Uint8Array([0x81, 0x20]), 'text/plain; charset=shift_jis', 422, 'corrupt_media', /not valid shift_jis/],
    ];
    for (const [body, type, status, code, detail] of cases) {
      const res = await text(body, type);
      expect(res.status, type).toBe(status);
      const p = await res.json();
      expect(p.code).toBe(code);
      expect(p.detail).toMatch(detail);
    }
  });

  it('a text over MAX_BODY_BYTES is refused from its Content-Length, before it is read (413)', async () => {
    const small = await makeTestApp({ MAX_BODY_BYTES: '4096' });
    try {
      const res = await small.request('/v1/hash', {
        method: 'POST',
        headers: { 'content-type': 'text/plain', 'content-length': '5000' },
        body: 'x'.repeat(5000),
      });
      expect(res.status).toBe(413);
      expect((await res.json()).detail).toMatch(/larger than 4096 bytes, the most this node takes for an image or a text/);
    } finally {
      await small.close();
    }
  });

  it('a short or empty text gets its exact hashes and a note, no tlsh', async () => {
    for (const body of ['too short', '   \n\t ']) {
      const res = await text(body);
      expect(res.status).toBe(200);
      const h = await res.json();
      expect(h.hashes.tlsh).toBeUndefined();
      expect(h.hashes.md5.value).toMatch(/^[0-9a-f]{32}$/);
      expect(h.notes[0]).toMatch(/^no tlsh/);
    }
  });

  it('shares a text through /v1/hashes/media and finds it again from an edited copy (other case, spacing, a typo)', async () => {
    const form = new FormData();
    form.set('file', new Blob([TEXT], { type: 'text/plain' }), 'manifesto.txt');
    form.set('labels', 'manifesto');
    const res = await t.request('/v1/hashes/media', { method: 'POST', headers: A, body: form });
    expect(res.status).toBe(201);
    const shared = await res.json();
    expect(shared.items.map((i: { type: string }) => i.type)).toEqual(['tlsh', 'md5', 'sha256']);
    const edited = TEXT.toUpperCase().replace(/ /g, '\n  ').replace('ka', 'kq');
    const m = await t.request('/v1/match/media', { method: 'POST', headers: { ...B, 'content-type': 'text/plain' }, body: edited });
    expect(m.status).toBe(200);
    const results = (await m.json()).results;
    const tl = results.find((r: { query: { type: string } }) => r.query.type === 'tlsh');
    expect(tl.matches).toHaveLength(1);
    expect(tl.matches[0]).toMatchObject({ id: shared.items[0].id, type: 'tlsh', labels: ['manifesto'] });
    expect(tl.matches[0].distance).toBe(tlshDistance(textTlsh(edited)!, textTlsh(TEXT)!));
    // the exact hashes of the edited bytes differ
    expect(results.find((r: { query: { type: string } }) => r.query.type === 'sha256').matches).toEqual([]);
  });

  it('tlsh values as JSON: shared in either case (stored as T1 + upper case), matched within the threshold, refused malformed', async () => {
    const other = textTlsh(prose(77, 1500))!;
    const s = await share([{ type: 'tlsh', value: other.toLowerCase(), labels: ['recruitment'] }]);
    expect(s.status).toBe(201);
    expect((await s.json()).items[0].value).toBe(other);
    let n = 0;
    const near = textTlsh(prose(77, 1500).replace(/ka/g, (x) => (n++ % 10 === 0 ? 'ko' : x)))!;
    const { body } = await match([{ type: 'tlsh', value: near }]);
    expect(body.results[0].matches.find((m: { value: string }) => m.value === other)).toMatchObject({ distance: tlshDistance(near, other) });
    const tight = await t.request('/v1/match', json('POST', { hashes: [{ type: 'tlsh', value: near }], maxDistance: { tlsh: 0 } }, B));
    expect((await tight.json()).results[0].matches.map((m: { value: string }) => m.value)).not.toContain(other);
    const bad = await share([{ type: 'tlsh', value: 'T1ABC', labels: ['recruitment'] }]);
    expect(bad.status).toBe(400);
    expect((await bad.json()).errors[0]).toEqual({
      path: 'items/0/value',
      message: 'tlsh value must be a TLSH digest: T1 and 70 hex digits (the standard 128-bucket build), got 3 hex digits',
    });
    // The right length, but not hex: said so, not counted.
    for (const value of [`T1${'G'.repeat(70)}`, `${'A'.repeat(69)}Z`]) {
      const notHex = await share([{ type: 'tlsh', value, labels: ['recruitment'] }]);
      expect(notHex.status).toBe(400);
      expect((await notHex.json()).errors[0]).toEqual({
        path: 'items/0/value',
        message: 'tlsh value must be a TLSH digest: T1 and 70 hex digits (0-9, A-F); it holds a character that is not hex',
      });
    }
  });
});

describe('url', () => {
  const PAGE = 'https://Files.Example.ORG:443/share/abc/issue7.pdf?utm_source=x&id=9#top';
  const CHANNEL = 'https://t.me/s/somechannel';

  it('shares a URL (canonicalised; only its SHA-256 is stored) and matches it however it is written', async () => {
    const s = await share([{ type: 'url', url: PAGE, labels: ['branded-publication'] }]);
    expect(s.status).toBe(201);
    const item = (await s.json()).items[0];
    const want = hashUrl(PAGE) as { url: string; digest: string };
    expect(want.url).toBe('https://files.example.org/share/abc/issue7.pdf?id=9');
    expect(item).toMatchObject({ type: 'url', value: want.digest, outcome: 'created' });
    const { body } = await match([
      { type: 'url', url: 'https://files.example.org/share/abc/issue7.pdf?id=9&utm_campaign=y' },
      { type: 'url', value: want.digest },
    ]);
    expect(body.results[0].query).toMatchObject({ type: 'url', value: want.digest, canonicalUrl: want.url });
    expect(body.results[0].matches).toHaveLength(1);
    expect(body.results[0].matches[0]).toMatchObject({ id: item.id, url: { scope: 'exact' }, labels: ['branded-publication'] });
    expect(body.results[1].matches.map((m: { id: string }) => m.id)).toEqual([item.id]);
    // The URL itself is nowhere in the database.
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(t.dbFile).includes(Buffer.from('issue7.pdf'))).toBe(false);
  });

  it('host and folder shares match every URL under them, and say so; the folder does not cover its neighbours', async () => {
    const s = await share(
      [
        { type: 'url', url: CHANNEL, scope: 'prefix', labels: ['recruitment'] },
        { type: 'url', url: 'http://mirror.example.net/anything', scope: 'host', labels: ['recruitment'] },
      ],
      A,
    );
    expect(s.status).toBe(201);
    const [channel, host] = (await s.json()).items;
    expect(channel.value).toBe(prefixDigest('https://t.me/s/somechannel/'));
    expect(host.value).toBe(prefixDigest((hostKey('http://mirror.example.net/x') as { url: string }).url));
    const { body } = await match([
      { type: 'url', url: 'https://t.me/s/somechannel/1234' },
      { type: 'url', url: 'https://t.me/s/somechannel' },
      { type: 'url', url: 'https://t.me/s/somechannel2/1' },
      { type: 'url', url: 'http://MIRROR.example.net:80/a/b/c.pdf' },
      { type: 'url', url: 'https://mirror.example.net/a' },
    ]);
    const scopes = body.results.map((r: { matches: { id: string; url: { scope: string } }[] }) => r.matches.map((m) => [m.id, m.url.scope]));
    expect(scopes).toEqual([[[channel.id, 'prefix']], [[channel.id, 'prefix']], [], [[host.id, 'host']], []]);
  });

  it('refuses URLs that do not parse, naming the problem, and mixes of url and value, or neither (400)', async () => {
    const cases: [unknown, string, RegExp][] = [
      [{ type: 'url', url: 'not a url', labels: ['recruitment'] }, 'items/0/url', /not an absolute URL/],
      [{ type: 'url', url: 'ftp://example.org/x', labels: ['recruitment'] }, 'items/0/url', /scheme ftp is not accepted/],
      [{ type: 'url', url: 'https://a..b/', labels: ['recruitment'] }, 'items/0/url', /empty label/],
      [{ type: 'url', url: 'https://example.org:99999/', labels: ['recruitment'] }, 'items/0/url', /port 99999 is out of range/],
      [
        { type: 'url', url: 'http://[::1', labels: ['recruitment'] },
        'items/0/url',
        /^the URL cannot be used: host is malformed \(an IPv6 address without its closing \]\)$/,
      ],
      [{ type: 'url', url: 'https://example.org/', value: 'ab'.repeat(32), labels: ['recruitment'] }, 'items/0/value', /not both/],
      [{ type: 'url', value: 'ab'.repeat(32), scope: 'host', labels: ['recruitment'] }, 'items/0/scope', /needs the url itself/],
      // A member another type does not take is ignored (decisions.md): a pdq item needs its value.
      [{ type: 'pdq', url: 'https://example.org/', labels: ['recruitment'] }, 'items/0/value', /items\/0\/value is missing/],
      [{ type: 'url', labels: ['recruitment'] }, 'items/0/url', /needs the URL itself/],
      [{ type: 'url', value: 'xyz', labels: ['recruitment'] }, 'items/0/value', /hexadecimal/],
    ];
    for (const [item, path, message] of cases) {
      const res = await share([item]);
      expect(res.status, JSON.stringify(item)).toBe(400);
      const p = await res.json();
      expect(p.code).toBe('invalid_request');
      expect(p.errors[0].path).toBe(path);
      expect(p.errors[0].message).toMatch(message);
    }
    const m = await match([{ type: 'url', url: 'javascript:alert(1)' }]);
    expect(m.status).toBe(400);
    expect(m.body.errors[0]).toMatchObject({ path: 'hashes/0/url', message: expect.stringMatching(/scheme javascript is not accepted/) });
  });

  it('a URL is at most 32 folders deep: 240 URLs of 4000 folders (1.9 MB) are one 400 naming the limit; 32 folders still share and match', async () => {
    const hashes = Array.from({ length: 240 }, (_, n) => ({ type: 'url', url: `https://t${n}.me/${'a/'.repeat(4000)}` }));
    const big = await match(hashes);
    expect(big.status).toBe(400);
    expect(big.body.code).toBe('invalid_request');
    expect(big.body.detail).toBe('the URL cannot be used: path has 4001 slashes; at most 32 folders are accepted');
    expect(big.body.errors).toHaveLength(240);
    expect(big.body.errors[239]).toEqual({ path: 'hashes/239/url', message: big.body.detail });

    const folder = `https://deep.example/${'f/'.repeat(31)}`; // 32 slashes: the most a URL may have
    const s = await share([{ type: 'url', url: folder, scope: 'prefix', labels: ['recruitment'] }]);
    expect(s.status).toBe(201);
    const shared = (await s.json()).items[0];
    const atLimit = await match([{ type: 'url', url: `${folder}post-1?x=/y` }]);
    expect(atLimit.status).toBe(200);
    expect(atLimit.body.results[0].matches).toMatchObject([{ id: shared.id, url: { scope: 'prefix' } }]);

    const tooDeep = await share([{ type: 'url', url: `${folder}g/`, labels: ['recruitment'] }]);
    expect(tooDeep.status).toBe(400);
    expect((await tooDeep.json()).errors[0]).toEqual({
      path: 'items/0/url',
      message: 'the URL cannot be used: path has 33 slashes; at most 32 folders are accepted',
    });
  });

  it('the feed and the audit log carry url and tlsh hashes by value, never the URL', async () => {
    const res = await t.request('/v1/hashes?limit=1000', { headers: A });
    const entries = (await res.json()).entries as { hash: { type: string; value: string } }[];
    expect(entries.some((e) => e.hash.type === 'url')).toBe(true);
    expect(entries.some((e) => e.hash.type === 'tlsh')).toBe(true);
    const auditor = await t.as('auditor', 'text-auditor');
    const lines = (await (await t.request('/v1/audit/export', { headers: auditor })).text()).trim().split('\n');
    const audit = lines.map((l) => JSON.parse(l).entry as string).join('\n');
    expect(audit).toContain('"type":"url"');
    expect(audit).toContain('"scope":"prefix"');
    expect(audit).not.toContain('somechannel');
    expect(audit).not.toContain('issue7');
  });

  it('/v1/labels describes every hash type with its metric and default distance', async () => {
    const res = await t.request('/v1/labels', { headers: A });
    const body = await res.json();
    const byType = Object.fromEntries(body.hashTypes.map((h: { type: string }) => [h.type, h]));
    expect(Object.keys(byType)).toEqual(['pdq', 'blockhash', 'md5', 'sha256', 'vpdq', 'pdf', 'tlsh', 'url']);
    expect(byType.tlsh).toMatchObject({ metric: 'tlsh', defaultMaxDistance: expect.any(Number) });
    expect(byType.url).toMatchObject({ metric: 'equal', defaultMaxDistance: 0 });
    expect(byType.pdf).toMatchObject({ metric: 'hamming', defaultMaxDistance: 31 });
  });
});
