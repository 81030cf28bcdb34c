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
  URL_MAX_LENGTH,
  urlDigest,
} from '../../src/core/url';

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

// [what, input, canonical form]
const ACCEPTED: [string, string, string][] = [
  // scheme and host case
  ['scheme and host lower-cased', 'HTTPS://Example.ORG/Path', 'https://example.org/Path'],
  ['path and query case kept', 'https://example.org/A/b?Q=V', 'https://example.org/A/b?Q=V'],
  ['http stays http', 'http://example.org/', 'http://example.org/'],
  // ports
  ['default https port dropped', 'https://example.org:443/a', 'https://example.org/a'],
  ['default http port dropped', 'http://example.org:80/a', 'http://example.org/a'],
  ['default port with leading zeros dropped', 'http://example.org:0080/', 'http://example.org/'],
  ["http's port on https kept", 'https://example.org:80/', 'https://example.org:80/'],
  ['other port kept', 'https://example.org:8443/x', 'https://example.org:8443/x'],
  ['empty port ignored', 'https://example.org:/x', 'https://example.org/x'],
  // IDN
  ['IDN host to punycode', 'https://bücher.example/', 'https://xn--bcher-kva.example/'],
  ['IDN host upper case', 'https://BÜCHER.example/', 'https://xn--bcher-kva.example/'],
  ['punycode host unchanged', 'https://xn--bcher-kva.example/', 'https://xn--bcher-kva.example/'],
  ['full-width host folded', 'https://ｅｘａｍｐｌｅ.org/', 'https://example.org/'],
  ['percent-encoded host decoded', 'https://ex%61mple.org/', 'https://example.org/'],
  // trailing dot
  ['trailing dot of host dropped', 'https://example.org./a', 'https://example.org/a'],
  ['trailing dot with port', 'https://example.org.:8080/', 'https://example.org:8080/'],
  ['IPv4 trailing dot', 'http://192.0.2.1./', 'http://192.0.2.1/'],
  // IP hosts
  ['IPv4 in hex and short form', 'http://0xC0.0.2.1/', 'http://192.0.2.1/'],
  ['IPv4 as one number', 'http://3221225985/', 'http://192.0.2.1/'],
  ['IPv6 compressed and lower-cased', 'http://[2001:DB8:0:0:0:0:0:1]/', 'http://[2001:db8::1]/'],
  ['IPv6 with port', 'https://[2001:db8::1]:8443/a', 'https://[2001:db8::1]:8443/a'],
  ['IPv6 with default port', 'https://[2001:db8::1]:443/', 'https://[2001:db8::1]/'],
  ['IPv4-mapped IPv6', 'http://[::ffff:192.0.2.1]/', 'http://[::ffff:c000:201]/'],
  // user info
  ['user and password dropped', 'https://user:secret@example.org/a', 'https://example.org/a'],
  ['disguised host: the host contacted is kept', 'https://www.trusted.example@evil.example/x', 'https://evil.example/x'],
  // fragment
  ['fragment dropped', 'https://example.org/a#section-2', 'https://example.org/a'],
  ['empty fragment dropped', 'https://example.org/a#', 'https://example.org/a'],
  ['hash-bang route dropped too', 'https://example.org/#!/user/1', 'https://example.org/'],
  ['fragment after query', 'https://example.org/a?x=1#y', 'https://example.org/a?x=1'],
  // path
  ['empty path becomes /', 'https://example.org', 'https://example.org/'],
  ['empty path before query', 'https://example.org?x=1', 'https://example.org/?x=1'],
  ['dot segments resolved', 'https://example.org/a/./b/../c', 'https://example.org/a/c'],
  ['.. above the root', 'https://example.org/../../a', 'https://example.org/a'],
  ['encoded dot segments resolved', 'https://example.org/a/%2e%2E/b/.%2e/c/%2E', 'https://example.org/c/'],
  ['trailing slash kept', 'https://example.org/a/', 'https://example.org/a/'],
  ['no trailing slash kept', 'https://example.org/a', 'https://example.org/a'],
  ['backslashes read as slashes', 'https:\\\\example.org\\a\\b', 'https://example.org/a/b'],
  ['missing slashes, as browsers read them', 'https:example.org/a', 'https://example.org/a'],
  ['double slash in path kept', 'https://example.org//a//b', 'https://example.org//a//b'],
  // percent-encoding
  ['%7e decoded to ~', 'https://example.org/%7euser', 'https://example.org/~user'],
  ['unreserved escapes decoded', 'https://example.org/%41%62%2D%2e%5F%30', 'https://example.org/Ab-._0'],
  ['%2f stays, upper-cased', 'https://example.org/a%2fb', 'https://example.org/a%2Fb'],
  ['reserved escapes stay escaped', 'https://example.org/a%3bb%3D', 'https://example.org/a%3Bb%3D'],
  ['reserved characters stay raw', "https://example.org/a;b=c,d!$'()*+:@", "https://example.org/a;b=c,d!$'()*+:@"],
  ['space encoded', 'https://example.org/a b', 'https://example.org/a%20b'],
  ['non-ASCII path as UTF-8 escapes', 'https://example.org/café', 'https://example.org/caf%C3%A9'],
  ['lower-case UTF-8 escapes upper-cased', 'https://example.org/caf%c3%a9', 'https://example.org/caf%C3%A9'],
  ['stray % encoded', 'https://example.org/100%/x%zz', 'https://example.org/100%25/x%25zz'],
  ['characters RFC 3986 forbids raw are encoded', 'https://example.org/a|b^c[d]{e}`f', 'https://example.org/a%7Cb%5Ec%5Bd%5D%7Be%7D%60f'],
  ['their escaped form is the same', 'https://example.org/a%7cb%5ec%5bd%5d%7be%7d%60f', 'https://example.org/a%7Cb%5Ec%5Bd%5D%7Be%7D%60f'],
  ['query escapes normalised', 'https://example.org/?q=%7e%2f%c3%a9|x', 'https://example.org/?q=~%2F%C3%A9%7Cx'],
  ['+ and %20 in a query are not merged', 'https://example.org/?q=a+b&r=a%20b', 'https://example.org/?q=a+b&r=a%20b'],
  // query and tracking parameters
  ['utm_* removed', 'https://example.org/a?utm_source=x&utm_medium=y&utm_campaign=z&utm_content=w&utm_term=v&utm_id=1', 'https://example.org/a'],
  ['fbclid, gclid, mc_eid, igshid removed', 'https://example.org/a?fbclid=1&gclid=2&mc_eid=3&igshid=4', 'https://example.org/a'],
  ['other click ids removed', 'https://example.org/?msclkid=1&dclid=2&twclid=3&ttclid=4&yclid=5&mc_cid=6&_ga=7&_gl=8', 'https://example.org/'],
  ['tracking names in any case', 'https://example.org/?UTM_Source=x&FBCLID=y&id=3', 'https://example.org/?id=3'],
  ['tracking name percent-encoded', 'https://example.org/?utm%5fsource=x&%66bclid=y&id=3', 'https://example.org/?id=3'],
  ['tracking parameter without a value', 'https://example.org/?fbclid&id=3', 'https://example.org/?id=3'],
  ['other parameters kept in their order', 'https://example.org/v?z=1&utm_source=x&a=2&m=3', 'https://example.org/v?z=1&a=2&m=3'],
  ['repeated parameters kept', 'https://example.org/?a=1&a=2&a=1', 'https://example.org/?a=1&a=2&a=1'],
  ['a name merely containing utm_ kept', 'https://example.org/?x_utm_source=1&utmsource=2', 'https://example.org/?x_utm_source=1&utmsource=2'],
  ['generic names kept', 'https://example.org/?ref=a&source=b&s=c&si=d', 'https://example.org/?ref=a&source=b&s=c&si=d'],
  ['empty query dropped', 'https://example.org/a?', 'https://example.org/a'],
  ['query of only tracking dropped', 'https://example.org/a?utm_source=x#f', 'https://example.org/a'],
  ['empty parameters dropped', 'https://example.org/?&a=1&&b=2&', 'https://example.org/?a=1&b=2'],
  ['parameter with empty value kept', 'https://example.org/?a=&b', 'https://example.org/?a=&b'],
  ['? inside the query kept', 'https://example.org/?next=/a?b=c', 'https://example.org/?next=/a?b=c'],
  ['quote in query encoded', "https://example.org/?q=it's", 'https://example.org/?q=it%27s'],
  // whitespace
  ['surrounding whitespace trimmed', ' \t\n https://example.org/a \r\n', 'https://example.org/a'],
  ['Unicode spaces and controls at the ends trimmed', '\u00a0\u3000\u0001https://example.org/\u2003', 'https://example.org/'],
  ['tabs and newlines inside removed', 'https://exam\nple.org/a\tb\r', 'https://example.org/ab'],
  ['inner space in path encoded, not removed', 'https://example.org/a b', 'https://example.org/a%20b'],
  // everything at once
  ['all rules together', ' HTTPS://user@BÜCHER.Example.:443/a/./b/../%7Ec%2f?utm_source=n&id=%41&&fbclid=z#frag ', 'https://xn--bcher-kva.example/a/~c%2F?id=A'],
];

// [what, input, problem]
const REFUSED: [string, string, string | RegExp][] = [
  ['empty', '', 'URL is empty'],
  ['only whitespace', ' \n\t ', 'URL is empty'],
  ['no scheme', 'example.org/path', /^not an absolute URL/],
  ['scheme-relative', '//example.org/', /^not an absolute URL/],
  ['relative path', '/a/b', /^not an absolute URL/],
  ['host and port without scheme', 'example.org:8080/x', /^not an absolute URL/],
  ['localhost and port without scheme', 'localhost:3000', /^not an absolute URL/],
  ['ftp', 'ftp://example.org/file', 'scheme ftp is not accepted; only http and https'],
  ['FTP upper case named lower case', 'FTP://example.org/', 'scheme ftp is not accepted; only http and https'],
  ['javascript', 'javascript:alert(1)', 'scheme javascript is not accepted; only http and https'],
  ['data', 'data:text/plain,hi', 'scheme data is not accepted; only http and https'],
  ['mailto', 'mailto:someone@example.org', 'scheme mailto is not accepted; only http and https'],
  ['ws', 'wss://example.org/socket', 'scheme wss is not accepted; only http and https'],
  ['file', 'file:///etc/passwd', 'scheme file is not accepted; only http and https'],
  ['tel with digits', 'tel:12345', 'scheme tel is not accepted; only http and https'],
  ['long scheme shortened', 'abcdefghijklmnopqrstuvwxyz://x', 'scheme abcdefghijklmnopqrst… is not accepted; only http and https'],
  ['no host', 'https://', 'host is empty'],
  ['no host, only a path', 'https:///', 'host is empty'],
  ['port without host', 'https://:443/', 'host is empty'],
  ['user info without host', 'https://user@/', 'host is empty'],
  ['host is the root dot', 'https://./', 'host is empty'],
  ['empty label', 'https://a..example.org/', 'host has an empty label (two dots in a row)'],
  ['two trailing dots', 'https://example.org../', 'host has an empty label (two dots in a row)'],
  ['leading dot', 'https://.example.org/', 'host has an empty label (two dots in a row)'],
  ['space in host', 'https://exa mple.org/', 'host is not a valid domain name or IP address'],
  ['bad IPv4', 'http://192.0.2.300/', 'host is not a valid domain name or IP address'],
  ['bad IPv6', 'http://[2001:db8::1::2]/', 'host is not a valid domain name or IP address'],
  ['IPv6 zone id', 'http://[fe80::1%25eth0]/', 'host is not a valid domain name or IP address'],
  ['invalid punycode', 'http://xn--zz.example/', 'host is not a valid domain name or IP address'],
  ['forbidden host character', 'http://exa<mple.org/', 'host is not a valid domain name or IP address'],
  ['bad percent escape in host', 'http://%zz.example/', 'host is not a valid domain name or IP address'],
  ['port not a number', 'https://example.org:8o/', 'port is not a number'],
  ['port out of range', 'https://example.org:65536/', 'port 65536 is out of range (0 to 65535)'],
  ['port huge', 'https://example.org:99999999999999/', 'port 9999999999… is out of range (0 to 65535)'],
  ['too long', 'https://example.org/' + 'a'.repeat(URL_MAX_LENGTH), `URL longer than ${URL_MAX_LENGTH} characters`],
];

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
