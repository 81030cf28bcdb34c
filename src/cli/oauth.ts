/**
 * The client side of private_key_jwt (RFC 7523): a short-lived assertion signed with the member's
 * own private key buys an access token from the node. Shared by the client and verifier CLIs.
 */
import { randomUUID } from 'node:crypto';
import { importJWK, SignJWT, type JWK } from 'jose';
import { ASSERTION_TYPE } from '../services/tokens';

export async function clientAssertion(audience: string, clientId: string, jwk: JWK): Promise<string> {
  const alg = jwk.alg ?? (jwk.kty === 'EC' ? 'ES256' : 'EdDSA');
  const key = await importJWK(jwk, alg);
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ jti: randomUUID() })
    .setProtectedHeader({ alg, ...(jwk.kid ? { kid: jwk.kid } : {}) })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(audience)
    .setIssuedAt(now)
    .setExpirationTime(now + 60)
    .sign(key);
}

export interface TokenResponse {
  access_token: string;
  token_type?: string;
  expires_in?: number;
  scope?: string;
}

/**
 * POSTs a fresh assertion to `<node>/v1/oauth/token`; throws with the node's error when refused.
 * The assertion's audience is the node's issuer identifier, read from its RFC 8414 metadata (a node
 * may be reached at another URL than the one it names itself by); a node without the metadata gets
 * its token URL.
 */
export async function requestToken(node: string, clientId: string, jwk: JWK, scope?: string): Promise<TokenResponse> {
  const base = node.replace(/\/+$/, '');
  const tokenUrl = `${base}/v1/oauth/token`;
  const meta = (await fetch(`${base}/.well-known/oauth-authorization-server`)
    .then((r) => (r.ok ? r.json() : null))
    .catch(() => null)) as { issuer?: unknown } | null;
  const audience = typeof meta?.issuer === 'string' ? meta.issuer : tokenUrl;
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: await clientAssertion(audience, clientId, jwk) });
  if (scope) form.set('scope', scope);
  const res = await fetch(tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
  const body = (await res.json().catch(() => ({}))) as Partial<TokenResponse> & { error?: string; error_description?: string };
  if (!res.ok || !body.access_token) throw new Error(`the node refused: ${res.status} ${body.error ?? ''} ${body.error_description ?? ''}`.trim());
  return body as TokenResponse;
}
