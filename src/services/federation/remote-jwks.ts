/**
 * Public keys published by other nodes at their JWKS URLs: a peer client's keys at the serving node
 * (its access-token requests are signed by its node key), and a peer's keys at the pulling node (its
 * batches are signed by its node key). Fetched when first needed, kept `ttlMs`, fetched again at
 * once for a kid not in the cached set (a key rotation needs no admin), but never more often than
 * `minRefetchMs` per URL (an unknown kid in every request must not make this node hammer a URL).
 *
 * SSRF-minded: the URLs are those an admin registered, never one a request names; only http(s),
 * no redirects followed, a time limit and a size cap on the answer, at most `maxEntries` URLs
 * remembered. A fetch that fails keeps the last good set for `staleMs` more (the peer's keys do not
 * vanish because its JWKS endpoint blinked).
 */
import { importJWK, type CryptoKey as JoseKey } from 'jose';
import { errorNameOf } from '../../core/errors';
import { isRecord, member } from '../../core/json';
import { checkPublicJwk } from '../clients';
import { jwkOf } from '../keyring';

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface RemoteJwksOptions {
  fetch: FetchLike;
  now: () => number;
  ttlMs?: number;
  minRefetchMs?: number;
  staleMs?: number;
  timeoutMs?: number;
  maxBytes?: number;
  maxEntries?: number;
}

export interface RemoteKey {
  kid: string;
  alg: string;
  jwk: Record<string, unknown>;
}

/** A JWKS that could not be had: the reason in the node's own words. */
export class RemoteJwksError extends Error {}

interface Entry {
  fetchedAt: number;
  attemptedAt: number;
  keys: Map<string, RemoteKey>;
}

const DEFAULTS = { ttlMs: 10 * 60_000, minRefetchMs: 10_000, staleMs: 60 * 60_000, timeoutMs: 5000, maxBytes: 64 * 1024, maxEntries: 256 };

export class RemoteJwks {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<Entry>>();
  private readonly imported = new Map<string, Promise<JoseKey | Uint8Array>>();
  private readonly o: Required<Omit<RemoteJwksOptions, 'fetch' | 'now'>>;

  constructor(private readonly opts: RemoteJwksOptions) {
    this.o = {
      ttlMs: opts.ttlMs ?? DEFAULTS.ttlMs,
      minRefetchMs: opts.minRefetchMs ?? DEFAULTS.minRefetchMs,
      staleMs: opts.staleMs ?? DEFAULTS.staleMs,
      timeoutMs: opts.timeoutMs ?? DEFAULTS.timeoutMs,
      maxBytes: opts.maxBytes ?? DEFAULTS.maxBytes,
      maxEntries: opts.maxEntries ?? DEFAULTS.maxEntries,
    };
  }

  /** The key `kid` published at `url`, fetching again once if it is not in the cached set; undefined when the URL does not publish it. */
  async find(url: string, kid: string): Promise<RemoteKey | undefined> {
    let e = await this.entry(url, false);
    if (!e.keys.has(kid) && this.opts.now() - e.attemptedAt >= this.o.minRefetchMs) e = await this.entry(url, true);
    return e.keys.get(kid);
  }

  /** Whether `url` still publishes `kid`, from the cached set (fetched again only when it has expired). */
  async publishes(url: string, kid: string): Promise<boolean> {
    return (await this.entry(url, false)).keys.has(kid);
  }

  /** `find`, imported for verification. */
  async key(url: string, kid: string): Promise<{ key: JoseKey | Uint8Array; alg: string } | undefined> {
    const k = await this.find(url, kid);
    if (!k) return undefined;
    const id = `${url} ${kid} ${JSON.stringify(k.jwk)}`;
    let p = this.imported.get(id);
    if (!p) {
      if (this.imported.size >= this.o.maxEntries * 4) this.imported.clear();
      p = importJWK(jwkOf(k.jwk), k.alg);
      this.imported.set(id, p);
    }
    return { key: await p, alg: k.alg };
  }

  private async entry(url: string, refetch: boolean): Promise<Entry> {
    const now = this.opts.now();
    const cached = this.entries.get(url);
    // Fresh, or stale after a failed attempt that is too recent to try again.
    if (cached && !refetch && (now - cached.fetchedAt < this.o.ttlMs || now - cached.attemptedAt < this.o.minRefetchMs)) return cached;
    let p = this.inFlight.get(url);
    if (!p) {
      p = this.fetchKeys(url).then(
        (keys) => this.remember(url, { fetchedAt: this.opts.now(), attemptedAt: this.opts.now(), keys }),
        (e) => {
          // The last good set serves a while longer; a failed attempt still counts against refetching.
          if (cached && this.opts.now() - cached.fetchedAt < this.o.ttlMs + this.o.staleMs)
            return this.remember(url, { ...cached, attemptedAt: this.opts.now() });
          throw e;
        },
      );
      this.inFlight.set(url, p);
      void p.finally(() => this.inFlight.delete(url)).catch(() => {});
    }
    return p;
  }

  private remember(url: string, e: Entry): Entry {
    this.entries.delete(url);
    const oldest = this.entries.keys().next();
    if (this.entries.size >= this.o.maxEntries && !oldest.done) this.entries.delete(oldest.value);
    this.entries.set(url, e);
    return e;
  }

  private async fetchKeys(url: string): Promise<Map<string, RemoteKey>> {
    if (!/^https?:\/\//i.test(url)) throw new RemoteJwksError(`the JWKS URL ${url} is not http(s)`);
    let res: Response;
    try {
      res = await this.opts.fetch(url, { redirect: 'error', signal: AbortSignal.timeout(this.o.timeoutMs), headers: { accept: 'application/json' } });
    } catch (e) {
      const why =
        errorNameOf(e) === 'TimeoutError' ? `no answer within ${this.o.timeoutMs} ms` : 'it could not be reached (or it redirected, which is not followed)';
      throw new RemoteJwksError(`the JWKS at ${url} could not be fetched: ${why}`);
    }
    if (res.status !== 200) {
      await res.body?.cancel().catch(() => {});
      throw new RemoteJwksError(`the JWKS at ${url} answered HTTP ${res.status}`);
    }
    const text = await readCapped(res, this.o.maxBytes);
    if (text === null) throw new RemoteJwksError(`the JWKS at ${url} is larger than ${this.o.maxBytes} bytes`);
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      throw new RemoteJwksError(`the JWKS at ${url} is not JSON`);
    }
    const list = member(doc, 'keys');
    if (!Array.isArray(list)) throw new RemoteJwksError(`the JWKS at ${url} has no "keys" array`);
    const keys = new Map<string, RemoteKey>();
    for (const raw of list) {
      // Only public signing keys of the kinds clients may hold; anything else is passed over.
      if (!isRecord(raw) || raw.use === 'enc') continue;
      try {
        const k = await checkPublicJwk(raw);
        keys.set(k.kid, k);
      } catch {
        // not a key this node takes (other type, private material, malformed)
      }
    }
    return keys;
  }
}

/** The body as text, or null when it passes `max` bytes (read no further). */
export async function readCapped(res: Response, max: number): Promise<string | null> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > max) {
    await res.body?.cancel().catch(() => {});
    return null;
  }
  if (!res.body) return '';
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    n += value.byteLength;
    if (n > max) {
      await reader.cancel().catch(() => {});
      return null;
    }
    parts.push(value);
  }
  const all = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.byteLength;
  }
  return new TextDecoder().decode(all);
}
