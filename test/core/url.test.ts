import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  canonicalUrl,
  hashUrl,
  hostKey,
  isTrackingParameter,
  pathPrefixKey,
  prefixDigest,
  prefixDigests,
  TRACKING_PARAMETERS,
  URL_MAX_FOLDERS,
  URL_MAX_LENGTH,
  urlDigest,
} from '../../src/core/url';
import { ACCEPTED, REFUSED } from '../support/url-cases';

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

describe('canonicalUrl: accepted', () => {
  it.each(ACCEPTED)('%s: %j', (_what, input, expected) => {
    expect(canonicalUrl(input)).toEqual({ url: expected });
  });

  it.each(ACCEPTED)('idempotent: %s', (_what, input) => {
    const once = canonicalUrl(input) as { url: string };
    expect(canonicalUrl(once.url)).toEqual(once);
  });

  it('has only RFC 3986 characters in every canonical form', () => {
    for (const [, input] of ACCEPTED) expect((canonicalUrl(input) as { url: string }).url).toMatch(/^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+$/);
  });

  it(`accepts exactly ${URL_MAX_LENGTH} characters (after trimming)`, () => {
    const base = 'https://example.org/';
    const longest = base + 'a'.repeat(URL_MAX_LENGTH - base.length);
    expect(canonicalUrl(`  ${longest}  `)).toEqual({ url: longest });
    expect(canonicalUrl(longest + 'a')).toEqual({ problem: `URL longer than ${URL_MAX_LENGTH} characters` });
  });
});

describe('canonicalUrl: refused, naming the problem', () => {
  it.each(REFUSED)('%s', (_what, input, problem) => {
    const r = canonicalUrl(input);
    expect(r).not.toHaveProperty('url');
    if (typeof problem === 'string') expect(r).toEqual({ problem });
    else expect((r as { problem: string }).problem).toMatch(problem);
  });

  it('never quotes the host or path in a problem', () => {
    for (const input of ['https://secret-host..example/', 'https://secret host.example/', 'https://secret.example:99999/', 'https://secret.example:x1/']) {
      expect((canonicalUrl(input) as { problem: string }).problem).not.toMatch(/secret/);
    }
  });
});

describe('tracking parameters', () => {
  it('the list names the required ones and matches by name, case-insensitively, utm_ as a prefix', () => {
    for (const name of ['utm_*', 'fbclid', 'gclid', 'mc_eid', 'igshid']) expect(TRACKING_PARAMETERS).toContain(name);
    for (const name of ['utm_source', 'UTM_CAMPAIGN', 'utm_anything', 'fbclid', 'Gclid', 'mc_eid', 'igshid']) expect(isTrackingParameter(name)).toBe(true);
    for (const name of ['utm', 'utmsource', 'x_utm_source', 'fbclid2', 'id', 'ref', 'v', 'q', 'page']) expect(isTrackingParameter(name)).toBe(false);
  });
});

describe('digests', () => {
  it('urlDigest is the SHA-256 hex of the canonical string', () => {
    expect(urlDigest('https://example.org/')).toBe(sha256('https://example.org/'));
    expect(urlDigest('https://xn--bcher-kva.example/')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('hashUrl canonicalises then hashes, so spellings of one URL share a digest', () => {
    const spellings = ['https://Example.org:443/a/./b?utm_source=x#top', 'HTTPS://example.org./a/b', ' https://u:p@example.org/a/c/../b '];
    const digests = spellings.map((s) => hashUrl(s));
    for (const d of digests) expect(d).toEqual({ url: 'https://example.org/a/b', digest: sha256('https://example.org/a/b') });
    expect(hashUrl('https://example.org/a/B')).not.toEqual(digests[0]);
    expect(hashUrl('ftp://example.org/')).toEqual({ problem: 'scheme ftp is not accepted; only http and https' });
  });

  it('prefixDigest is the SHA-256 of "prefix:" + key, never the exact digest of the same URL', () => {
    expect(prefixDigest('https://example.org/')).toBe(sha256('prefix:https://example.org/'));
    expect(prefixDigest('https://example.org/')).not.toBe(urlDigest('https://example.org/'));
  });
});

describe('host and path-prefix keys', () => {
  it.each([
    ['https://Example.org/a/b?x=1#f', 'https://example.org/'],
    ['https://example.org', 'https://example.org/'],
    ['http://example.org:8080/a', 'http://example.org:8080/'],
    ['https://[2001:db8::1]:8443/x', 'https://[2001:db8::1]:8443/'],
    ['https://bücher.example./katalog', 'https://xn--bcher-kva.example/'],
  ])('hostKey(%j) = %j', (input, key) => {
    expect(hostKey(input)).toEqual({ url: key });
  });

  it.each([
    ['https://t.me/s/channel', 'https://t.me/s/channel/'],
    ['https://t.me/s/channel/', 'https://t.me/s/channel/'],
    ['https://t.me/s/channel?before=123#x', 'https://t.me/s/channel/'],
    ['https://example.org', 'https://example.org/'],
    ['https://example.org/channel/abc/video%2e1', 'https://example.org/channel/abc/video.1/'],
  ])('pathPrefixKey(%j) = %j', (input, key) => {
    expect(pathPrefixKey(input)).toEqual({ url: key });
  });

  it('keys refuse what canonicalUrl refuses', () => {
    expect(hostKey('ftp://example.org/')).toEqual({ problem: 'scheme ftp is not accepted; only http and https' });
    expect(pathPrefixKey('https://')).toEqual({ problem: 'host is empty' });
    expect(prefixDigests('nope')).toHaveProperty('problem');
  });
});

describe('prefixDigests: what a query URL looks up', () => {
  const lookup = (input: string) => {
    const r = prefixDigests(input);
    if ('problem' in r) throw new Error(r.problem);
    return r.candidates;
  };

  it('host, each folder, the path as a folder, then the exact URL, each with its digest', () => {
    expect(lookup('https://Example.org/a/b/c?x=1&utm_source=y#f')).toEqual([
      { scope: 'prefix', key: 'https://example.org/', digest: sha256('prefix:https://example.org/') },
      { scope: 'prefix', key: 'https://example.org/a/', digest: sha256('prefix:https://example.org/a/') },
      { scope: 'prefix', key: 'https://example.org/a/b/', digest: sha256('prefix:https://example.org/a/b/') },
      { scope: 'prefix', key: 'https://example.org/a/b/c/', digest: sha256('prefix:https://example.org/a/b/c/') },
      { scope: 'exact', key: 'https://example.org/a/b/c?x=1', digest: sha256('https://example.org/a/b/c?x=1') },
    ]);
  });

  it('a path ending in / gives no extra folder; the root gives host and exact only', () => {
    expect(lookup('https://example.org/a/').map((c) => c.key)).toEqual(['https://example.org/', 'https://example.org/a/', 'https://example.org/a/']);
    expect(lookup('https://example.org').map((c) => [c.scope, c.key])).toEqual([
      ['prefix', 'https://example.org/'],
      ['exact', 'https://example.org/'],
    ]);
  });

  it(`a URL ${URL_MAX_FOLDERS} folders deep: ${URL_MAX_FOLDERS + 2} candidates, each digest the SHA-256 of its own key; one more folder is refused`, () => {
    const deep = `https://example.org/${'ab/'.repeat(URL_MAX_FOLDERS - 1)}page?x=/y/`;
    const got = lookup(deep);
    expect(got).toHaveLength(URL_MAX_FOLDERS + 2);
    expect(got.map((c) => c.key)).toEqual([
      ...Array.from({ length: URL_MAX_FOLDERS }, (_, i) => `https://example.org/${'ab/'.repeat(i)}`),
      `https://example.org/${'ab/'.repeat(URL_MAX_FOLDERS - 1)}page/`,
      deep,
    ]);
    for (const c of got) expect(c.digest).toBe(sha256(c.scope === 'exact' ? c.key : `prefix:${c.key}`));
    expect(prefixDigests(`https://example.org/${'ab/'.repeat(URL_MAX_FOLDERS)}page`)).toEqual({
      problem: `path has ${URL_MAX_FOLDERS + 1} slashes; at most ${URL_MAX_FOLDERS} folders are accepted`,
    });
  });

  it('digests keys of non-ASCII hosts and escapes as their UTF-8', () => {
    for (const c of lookup('https://bücher.example/%C3%A9t%C3%A9/a%2Fb/c')) expect(c.digest).toBe(sha256(c.scope === 'exact' ? c.key : `prefix:${c.key}`));
  });

  // A tiny store of shared values, matched as the node would: any candidate digest present is a hit.
  const shared = new Set([
    prefixDigest((pathPrefixKey('https://t.me/s/channel') as { url: string }).url), // a whole channel
    prefixDigest((hostKey('https://bad.example/anything') as { url: string }).url), // a whole host
    urlDigest('https://example.org/'), // one page only: the home page
  ]);
  const matches = (input: string) => lookup(input).some((c) => shared.has(c.digest));

  it.each([
    ['https://t.me/s/channel', true],
    ['https://t.me/s/channel/', true],
    ['https://T.ME/s/channel/123?utm_source=x', true],
    ['https://t.me/s/channel/a/b/c', true],
    ['https://t.me/s/channel2', false],
    ['https://t.me/s/', false],
    ['https://t.me/s/other/123', false],
    ['https://bad.example/', true],
    ['https://bad.example/deep/path?q=1', true],
    ['https://sub.bad.example/', false],
    ['http://bad.example/', false],
    ['https://example.org/', true],
    ['https://example.org/?utm_source=x', true],
    ['https://example.org/other', false],
  ])('%s matches: %s', (input, expected) => {
    expect(matches(input)).toBe(expected);
  });
});
