/**
 * private_key_jwt (RFC 7523) on the client side: a short client assertion signed with the member's
 * own key buys a 10-minute access token at `<node>/v1/oauth/token`; the token is kept and a new one
 * bought before it expires. The assertion's audience is the node's issuer identifier from its RFC 8414
 * metadata (`/.well-known/oauth-authorization-server`), so a node reached at another URL than the one
 * it names itself by still accepts it; a node without the metadata gets its token URL.
 */
import { importJWK, SignJWT, type CryptoKey, type JWK } from 'jose';
import { NodeApiError, problemBodyOf } from './errors';
import { count, isRecord, member, text } from './json';

export const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** A private key: a JWK (as `client keygen` writes it), or a CryptoKey (e.g. non-extractable, in a browser) with its alg. */
export type ClientKey = JWK | KeyObject;
type KeyObject = { key: CryptoKey; alg: 'EdDSA' | 'ES256'; kid?: string };

export interface TokenResponse {
  access_token: string;
  token_type?: string;
  expires_in?: number;
  scope?: string;
}

export interface AuthorizationServerMetadata {
  issuer: string;
  token_endpoint: string;
  [field: string]: unknown;
}

export interface SigningKey {
  key: CryptoKey | Uint8Array;
  alg: string;
  kid?: string;
}

const isKeyObject = (k: ClientKey): k is KeyObject => 'key' in k && typeof k.key === 'object' && k.key !== null && 'algorithm' in k.key;

export async function signingKey(k: ClientKey): Promise<SigningKey> {
  if (isKeyObject(k)) return { key: k.key, alg: k.alg, kid: k.kid };
  const jwk = k;
  if (typeof jwk.d !== 'string') throw new Error('the key is not a private key (a JWK with "d"); give the private JWK, not the public one');
  const alg = jwk.alg ?? (jwk.kty === 'EC' ? 'ES256' : 'EdDSA');
  return { key: await importJWK(jwk, alg), alg, kid: jwk.kid };
}

/** A client assertion: iss = sub = client id, a fresh jti, 60 seconds of life. */
export async function clientAssertion(audience: string, clientId: string, key: SigningKey, now: number, jti: string): Promise<string> {
  const t = Math.floor(now / 1000);
  return new SignJWT({ jti })
    .setProtectedHeader({ alg: key.alg, ...(key.kid ? { kid: key.kid } : {}) })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(audience)
    .setIssuedAt(t)
    .setExpirationTime(t + 60)
    .sign(key.key);
}

export interface TokenSourceOptions {
  base: string;
  clientId: string;
  key: ClientKey;
  scope?: string;
  /** Buy a new token this long before the current one expires (default 60 s). */
  refreshMarginS?: number;
  /** Sends what `make` builds (again on 429/503: each attempt builds a fresh request, so a retried token request carries a fresh assertion). */
  send: (make: () => Request | Promise<Request>) => Promise<Response>;
  /** The node's RFC 8414 metadata, or null when it publishes none. */
  metadata: () => Promise<AuthorizationServerMetadata | null>;
  now: () => number;
  randomId: () => string;
}

/** Keeps one access token, buys the next before expiry; concurrent callers share one request. */
export class TokenSource {
  private current: { token: string; expiresAt: number } | null = null;
  private pending: Promise<string> | null = null;
  private key: Promise<SigningKey> | null = null;

  constructor(private readonly o: TokenSourceOptions) {}

  /** A token valid for at least the refresh margin. */
  async token(): Promise<string> {
    const margin = (this.o.refreshMarginS ?? 60) * 1000;
    if (this.current && this.o.now() < this.current.expiresAt - margin) return this.current.token;
    this.pending ??= this.buy().finally(() => (this.pending = null));
    return this.pending;
  }

  /** Forgets the token (the node refused it: revoked key, restarted with other keys). */
  invalidate(token?: string): void {
    if (!token || this.current?.token === token) this.current = null;
  }

  /** One token request; the answer as the node gave it. */
  async request(): Promise<TokenResponse> {
    const meta = await this.o.metadata();
    const tokenUrl = `${this.o.base}/v1/oauth/token`;
    this.key ??= signingKey(this.o.key);
    const key = await this.key.catch((e) => {
      this.key = null;
      throw e;
    });
    const res = await this.o.send(async () => {
      // A fresh jti each attempt: the node refuses an assertion it has seen.
      const assertion = await clientAssertion(meta?.issuer ?? tokenUrl, this.o.clientId, key, this.o.now(), this.o.randomId());
      const form = new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: assertion });
      if (this.o.scope) form.set('scope', this.o.scope);
      return new Request(tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
    });
    const body: unknown = await res.json().catch(() => ({}));
    const token = text(member(body, 'access_token'));
    if (!res.ok || token === undefined) throw new NodeApiError({ method: 'POST', url: tokenUrl, status: res.status, problem: problemBodyOf(body) });
    return {
      access_token: token,
      token_type: text(member(body, 'token_type')),
      expires_in: count(member(body, 'expires_in')),
      scope: text(member(body, 'scope')),
    };
  }

  private async buy(): Promise<string> {
    const started = this.o.now();
    const body = await this.request();
    // Lifetime counted from when we asked, so a slow answer cannot make us keep it too long.
    this.current = { token: body.access_token, expiresAt: started + (body.expires_in ?? 600) * 1000 };
    return body.access_token;
  }
}

/** GET /.well-known/oauth-authorization-server: the metadata, or null from a node that has none (404). */
export async function fetchServerMetadata(base: string, send: TokenSourceOptions['send']): Promise<AuthorizationServerMetadata | null> {
  const url = `${base}/.well-known/oauth-authorization-server`;
  const r = await send(() => new Request(url));
  if (r.status === 404) return null;
  const body: unknown = await r.json().catch(() => null);
  if (!r.ok) throw new NodeApiError({ method: 'GET', url, status: r.status, problem: problemBodyOf(body) });
  const issuer = text(member(body, 'issuer'));
  const tokenEndpoint = text(member(body, 'token_endpoint'));
  return isRecord(body) && issuer !== undefined ? { ...body, issuer, token_endpoint: tokenEndpoint ?? `${base}/v1/oauth/token` } : null;
}
