/**
 * The canonical form of a URL, for the node's `url` hash type (the hash is the SHA-256 of it). The
 * rule, in order:
 *
 * 1. The input is trimmed (Unicode white space and C0 controls at either end) and tabs and line
 *    breaks inside it are removed, as browsers do. Over 8192 characters is refused, before it is
 *    parsed and again once canonical (percent-encoding can make it longer): RFC 9110 §4.1 asks
 *    senders and recipients to support 8000 octets, and common servers stop near 8 KB.
 * 2. It must be absolute, with scheme http or https (any case). Other schemes are refused by name.
 * 3. It is parsed by the WHATWG URL Standard (the global `URL`, the same parser on Node and
 *    workerd), so it means what a browser would fetch: scheme and host lower-cased, an IDN host in
 *    punycode (UTS #46), IPv4 in dotted decimal however written, IPv6 compressed in brackets,
 *    backslashes read as slashes, the default port (80 for http, 443 for https) dropped, dot
 *    segments (`.`, `..`, `%2e`) resolved, an empty path made `/`.
 * 4. User name and password are dropped: they do not change which resource a server serves, and
 *    `https://trusted.example@evil.example/` is a known disguise; the canonical form names the host
 *    actually contacted.
 * 5. A trailing dot of the host (the DNS root: `example.org.`) is dropped; any other empty label is
 *    refused.
 * 6. Fragment dropped (never sent to a server).
 * 7. Percent-encoding: escapes of unreserved characters (A-Z a-z 0-9 - . _ ~) are decoded, the hex
 *    of every other escape is upper-cased (`%7e` -> `~`, `%2f` -> `%2F`), and anything RFC 3986 does
 *    not allow raw in a path or query (`[ ] | ^ \` { }`, a `%` not starting an escape, non-ASCII)
 *    is percent-encoded as UTF-8. Reserved characters are left as given, raw or escaped: `/` and
 *    `%2F` can mean different things to a server.
 * 8. Query: parameters named in TRACKING_PARAMETERS are removed, empty parameters (`&&`) dropped,
 *    the rest kept in their original order (not sorted: order can matter to a server, and a sorted
 *    form could merge two different resources); an empty query (`?`) is dropped.
 *
 * A path of more than 32 `/` (folders) is refused: a query URL is looked up as each folder above it
 * (keys.ts), and real links stop far short of 32 (a Telegram post is 3, an archived copy of one 8).
 *
 * Not changed: the case of path and query, a trailing slash, `www.`, `+` versus `%20`, Unicode
 * normalisation of the path. Each can name a different resource.
 *
 * Problems are in the node's words and name the part that is wrong; they quote the scheme or port
 * but never the host or path (these URLs point at terrorist content: they stay out of logs).
 */
import { nibble } from '../hex';
import { isTrackingParameter } from './tracking';

export type UrlResult = { url: string } | { problem: string };

export const URL_MAX_LENGTH = 8192;

/** Most `/` in a canonical URL's path: each is a folder a query URL is looked up by (keys.ts `prefixDigests`). */
export const URL_MAX_FOLDERS = 32;

// biome-ignore lint/suspicious/noControlCharactersInRegex: the URL standard strips C0 controls and spaces from both ends
const EDGE_SPACE = /^[\s\u0000-\u0020]+|[\s\u0000-\u0020]+$/g;
const TAB_OR_NEWLINE = /[\t\n\r]/g;
const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):/;

export function canonicalUrl(input: string): UrlResult {
  const s = input.replace(EDGE_SPACE, '').replace(TAB_OR_NEWLINE, '');
  if (s.length === 0) return { problem: 'URL is empty' };
  if (s.length > URL_MAX_LENGTH) return { problem: `URL longer than ${URL_MAX_LENGTH} characters` };

  const scheme = SCHEME.exec(s);
  if (!scheme) return { problem: 'not an absolute URL (it has no scheme; write https://…)' };
  // `example.org:8080/x` parses as scheme "example.org"; what it lacks is a scheme.
  if ((scheme[1].includes('.') || /^localhost$/i.test(scheme[1])) && /^\d+([/?#]|$)/.test(s.slice(scheme[0].length))) {
    return { problem: 'not an absolute URL (a host and port without a scheme; write https://…)' };
  }
  const name = scheme[1].toLowerCase();
  if (name !== 'http' && name !== 'https') {
    return { problem: `scheme ${name.length > 20 ? name.slice(0, 20) + '…' : name} is not accepted; only http and https` };
  }

  const authorityProblem = checkAuthority(s.slice(scheme[0].length));
  if (authorityProblem) return { problem: authorityProblem };

  let url: URL;
  try {
    url = new URL(s);
  } catch {
    return { problem: 'host is not a valid domain name or IP address' };
  }

  let host = url.hostname;
  if (!host.startsWith('[')) {
    if (host.endsWith('.')) host = host.slice(0, -1);
    if (host === '') return { problem: 'host is empty' };
    if (host.startsWith('.') || host.endsWith('.') || host.includes('..')) return { problem: 'host has an empty label (two dots in a row)' };
  }

  const path = normaliseEscapes(url.pathname, PATH_RAW);
  const folders = slashesIn(path);
  if (folders > URL_MAX_FOLDERS) return { problem: `path has ${folders} slashes; at most ${URL_MAX_FOLDERS} folders are accepted` };
  const query = url.search
    .slice(1)
    .split('&')
    .map((p) => normaliseEscapes(p, QUERY_RAW))
    .filter((p) => p !== '' && !isTrackingParameter(p.split('=', 1)[0]))
    .join('&');
  const canonical = `${url.protocol}//${host}${url.port ? ':' + url.port : ''}${path}${query ? '?' + query : ''}`;
  if (canonical.length > URL_MAX_LENGTH) return { problem: `URL longer than ${URL_MAX_LENGTH} characters once percent-encoded` };
  return { url: canonical };
}

function slashesIn(path: string): number {
  let n = 0;
  for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) n++;
  return n;
}

/**
 * The host and port as the WHATWG parser will find them (after the scheme, any slashes or
 * backslashes, up to the path, query or fragment; user info removed), checked so the problem can
 * say which part is wrong. Null when they look right; the parser has the last word.
 */
function checkAuthority(rest: string): string | null {
  const authority = /^[/\\]*([^/\\?#]*)/.exec(rest)![1];
  const hostPort = authority.slice(authority.lastIndexOf('@') + 1);
  const bracket = hostPort.startsWith('[') ? hostPort.indexOf(']') : -1;
  // Else its colons would be read as a port's.
  if (hostPort.startsWith('[') && bracket < 0) return 'host is malformed (an IPv6 address without its closing ])';
  const colon = hostPort.indexOf(':', bracket + 1);
  const host = colon < 0 ? hostPort : hostPort.slice(0, colon);
  const port = colon < 0 ? '' : hostPort.slice(colon + 1);
  if (host === '') return 'host is empty';
  if (port !== '' && !/^\d+$/.test(port)) return 'port is not a number';
  if (port !== '' && Number(port) > 65535) return `port ${port.length > 10 ? port.slice(0, 10) + '…' : port} is out of range (0 to 65535)`;
  return null;
}

// Per ASCII code: 1 = unreserved (escapes of it are decoded), 2 = allowed raw as given, 0 = encoded.
const PATH_RAW = asciiClasses("!$&'()*+,;=:@/");
const QUERY_RAW = asciiClasses("!$&'()*+,;=:@/?");

function asciiClasses(reserved: string): Uint8Array {
  const t = new Uint8Array(128);
  for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~') t[c.charCodeAt(0)] = 1;
  for (const c of reserved) t[c.charCodeAt(0)] = 2;
  return t;
}

const utf8 = new TextEncoder();
const HEX = '0123456789ABCDEF';
const percentEncoded = (byte: number) => '%' + HEX[byte >> 4] + HEX[byte & 15];

/** Step 7 on one component. */
function normaliseEscapes(s: string, classes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 37 /* % */) {
      const hi = nibble(s.charCodeAt(i + 1));
      const lo = nibble(s.charCodeAt(i + 2));
      if (hi < 0 || lo < 0) {
        out += '%25';
        continue;
      }
      const byte = (hi << 4) | lo;
      out += byte < 128 && classes[byte] === 1 ? String.fromCharCode(byte) : percentEncoded(byte);
      i += 2;
    } else if (c < 128 && classes[c] !== 0) {
      out += s[i];
    } else {
      const cp = s.codePointAt(i)!;
      if (cp > 0xffff) i++;
      for (const b of utf8.encode(String.fromCodePoint(cp))) out += percentEncoded(b);
    }
  }
  return out;
}
