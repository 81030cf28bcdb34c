/**
 * Digests of URLs, and matching a whole host or a path prefix.
 *
 * - Exact: a URL is stored and matched as `urlDigest(canonical)`, the SHA-256 (lowercase hex) of the
 *   UTF-8 of its canonical form.
 * - Host or prefix ("everything under this folder": a channel, a user's uploads, a whole site): the
 *   sharer asks for it by sharing the digest of a prefix key instead, `prefixDigest(key)` with the
 *   key from `hostKey(url)` (`https://example.org/`) or `pathPrefixKey(url)`
 *   (`https://example.org/channel/abc/`). The digest is the SHA-256 of `prefix:` followed by the key.
 *   The `prefix:` keeps the two kinds apart: without it, sharing the exact URL
 *   `https://example.org/` (one page) would store the same value as asking for the whole host.
 * - A query URL is matched by looking up, as exact values, every digest `prefixDigests` gives: the
 *   host key, each of its folder prefixes, then the URL itself. `https://example.org/a/b/c?x=1`
 *   looks up prefixes `/`, `/a/`, `/a/b/`, `/a/b/c/` and the exact URL. A prefix `/a/b/` thus matches
 *   `/a/b`, `/a/b/` and everything below, but not `/a/bc`.
 *
 * Keys keep the scheme and a non-default port: `http://` and `https://` are different keys, so a
 * sharer who wants both shares both. Subdomains are separate hosts.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '../hex';
import { canonicalUrl, type UrlResult } from './canonical';

const utf8 = new TextEncoder();

/** SHA-256, lowercase hex, of a canonical URL (`canonicalUrl`'s output; the string is hashed as given). */
export function urlDigest(canonical: string): string {
  return bytesToHex(sha256(utf8.encode(canonical)));
}

/** The stored value asking for host or prefix matching: SHA-256 of `prefix:` + the key. */
export function prefixDigest(key: string): string {
  return bytesToHex(sha256(utf8.encode(`prefix:${key}`)));
}

/** Canonical form and exact digest of a URL, or the problem with it. */
export function hashUrl(input: string): { url: string; digest: string } | { problem: string } {
  const c = canonicalUrl(input);
  return 'problem' in c ? c : { url: c.url, digest: urlDigest(c.url) };
}

/** `scheme://host[:port]/` of a URL: the key for matching everything on that host. */
export function hostKey(input: string): UrlResult {
  const c = canonicalUrl(input);
  if ('problem' in c) return c;
  return { url: origin(c.url) + '/' };
}

/**
 * The folder a URL names, as a prefix key: its canonical form without the query, with `/` appended
 * when the path does not end in one (`https://t.me/s/channel` -> `https://t.me/s/channel/`).
 */
export function pathPrefixKey(input: string): UrlResult {
  const c = canonicalUrl(input);
  if ('problem' in c) return c;
  const path = pathOf(c.url);
  return { url: origin(c.url) + (path.endsWith('/') ? path : path + '/') };
}

export interface UrlCandidate {
  /** `prefix`: a host or folder key (look up `prefixDigest(key)`); `exact`: the URL itself. */
  scope: 'prefix' | 'exact';
  key: string;
  digest: string;
}

/**
 * What to look up for a query URL: the host key, each folder prefix, the exact URL, in that order.
 * Linear in the URL's length: the prefix digests share one running SHA-256 (each folder's digest is
 * a copy of it finished), and each key is a slice of the canonical form, not a copy of it.
 * canonicalUrl holds a URL to URL_MAX_FOLDERS folders, so a query URL makes at most that many + 2.
 */
export function prefixDigests(input: string): { candidates: UrlCandidate[] } | { problem: string } {
  const c = canonicalUrl(input);
  if ('problem' in c) return c;
  const url = c.url;
  const start = url.indexOf('/', url.indexOf('//') + 2);
  const q = url.indexOf('?', start);
  const end = q < 0 ? url.length : q;
  const running = sha256.create().update(utf8.encode(`prefix:${url.slice(0, start)}`));
  const candidates: UrlCandidate[] = [];
  let hashed = start;
  for (let i = start; i >= 0 && i < end; i = url.indexOf('/', i + 1)) {
    running.update(utf8.encode(url.slice(hashed, i + 1)));
    hashed = i + 1;
    candidates.push({ scope: 'prefix', key: url.slice(0, i + 1), digest: bytesToHex(running.clone().digest()) });
  }
  if (url[end - 1] !== '/') {
    running.update(utf8.encode(`${url.slice(hashed, end)}/`));
    candidates.push({ scope: 'prefix', key: `${url.slice(0, end)}/`, digest: bytesToHex(running.digest()) });
  }
  candidates.push({ scope: 'exact', key: url, digest: urlDigest(url) });
  return { candidates };
}

/** `scheme://host[:port]` of a canonical URL (it has no user info, so the first `/` after `//` ends it). */
function origin(canonical: string): string {
  return canonical.slice(0, canonical.indexOf('/', canonical.indexOf('//') + 2));
}

/** The path of a canonical URL (from the first `/` after the host up to `?`). */
function pathOf(canonical: string): string {
  const start = canonical.indexOf('/', canonical.indexOf('//') + 2);
  const q = canonical.indexOf('?', start);
  return q < 0 ? canonical.slice(start) : canonical.slice(start, q);
}
