/**
 * The URL canonicalisation table, shared by test/core/url.test.ts (Node) and
 * test/worker/core-text-url.test.ts (workerd): both runtimes' URL parsers must give the same forms.
 */
import { URL_MAX_FOLDERS, URL_MAX_LENGTH } from '../../src/core/url';

// [what, input, canonical form]
export const ACCEPTED: [string, string, string][] = [
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
  [
    'all rules together',
    ' HTTPS://user@BÜCHER.Example.:443/a/./b/../%7Ec%2f?utm_source=n&id=%41&&fbclid=z#frag ',
    'https://xn--bcher-kva.example/a/~c%2F?id=A',
  ],
  // limits: 32 folders (slashes in the path); the query's slashes do not count
  [
    '32 folders',
    'https://example.org/' + 'a/'.repeat(URL_MAX_FOLDERS - 1) + 'b?c=/d/e',
    'https://example.org/' + 'a/'.repeat(URL_MAX_FOLDERS - 1) + 'b?c=/d/e',
  ],
  [
    '32 folders once dot segments are resolved',
    'https://example.org/' + 'a/'.repeat(URL_MAX_FOLDERS) + '../b',
    'https://example.org/' + 'a/'.repeat(URL_MAX_FOLDERS - 1) + 'b',
  ],
];

// [what, input, problem]
export const REFUSED: [string, string, string | RegExp][] = [
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
  ['unclosed IPv6 bracket', 'http://[::1', 'host is malformed (an IPv6 address without its closing ])'],
  ['unclosed IPv6 bracket before a port and path', 'http://[::1:8080/a', 'host is malformed (an IPv6 address without its closing ])'],
  ['port out of range', 'https://example.org:65536/', 'port 65536 is out of range (0 to 65535)'],
  ['port huge', 'https://example.org:99999999999999/', 'port 9999999999… is out of range (0 to 65535)'],
  ['too long', 'https://example.org/' + 'a'.repeat(URL_MAX_LENGTH), `URL longer than ${URL_MAX_LENGTH} characters`],
  [
    '33 folders',
    'https://example.org/' + 'a/'.repeat(URL_MAX_FOLDERS),
    `path has ${URL_MAX_FOLDERS + 1} slashes; at most ${URL_MAX_FOLDERS} folders are accepted`,
  ],
  ['4001 folders', 'https://t1.me/' + 'a/'.repeat(4000), `path has 4001 slashes; at most ${URL_MAX_FOLDERS} folders are accepted`],
  // 1400 characters as sent, 8420 once each é is %C3%A9
  ['too long once percent-encoded', 'https://example.org/' + 'é'.repeat(1400), `URL longer than ${URL_MAX_LENGTH} characters once percent-encoded`],
];
