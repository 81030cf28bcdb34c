/**
 * Signing in with the member's own key (RFC 7523 private_key_jwt). The page signs a one-minute
 * client assertion in the browser (iss = sub = client id, aud = the node's issuer from its RFC 8414
 * metadata, a fresh jti) and trades it at the token endpoint for a 10-minute access token, which it
 * renews a minute before expiry with a new assertion. Only the assertion leaves the browser.
 *
 * The access token lives in this module's memory only: not in localStorage or a cookie, so no other
 * page, tab or cross-site request can send it, and a reload simply signs in again (silently, when
 * the key is remembered in IndexedDB).
 */
import { count, member, text } from '../../../client/json';
import { errorOf, useTokenSource } from './api';
import { jwtClaims, signJws, type ClientAlg } from './jws';

const ROLES = ['admin', 'auditor', 'partner', 'peer'] as const;
export type Role = (typeof ROLES)[number];

export interface Signer {
  clientId: string;
  key: CryptoKey;
  alg: ClientAlg;
  kid?: string;
}

export interface Session {
  issuer: string;
  clientId: string;
  role: Role;
  scopes: string[];
  expiresAt: number;
}

export interface NodeMetadata {
  issuer: string;
  token_endpoint: string;
  jwks_uri: string;
}

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** Renew this long before the token expires. */
const RENEW_BEFORE_MS = 60_000;

let metadata: Promise<NodeMetadata> | undefined;

export function nodeMetadata(): Promise<NodeMetadata> {
  metadata ??= fetch('/.well-known/oauth-authorization-server', { credentials: 'omit' }).then(async (r) => {
    if (!r.ok) {
      metadata = undefined;
      throw await errorOf(r);
    }
    const body: unknown = await r.json();
    const [issuer, token_endpoint, jwks_uri] = ['issuer', 'token_endpoint', 'jwks_uri'].map((k) => text(member(body, k)));
    if (issuer === undefined || token_endpoint === undefined) throw new Error("the node's OAuth metadata names no issuer or token endpoint");
    return { issuer, token_endpoint, jwks_uri: jwks_uri ?? `${issuer}/.well-known/jwks.json` };
  });
  return metadata;
}

/** The token endpoint's path on this origin (the metadata names it under the issuer URL, which may be another name of this node). */
const tokenPath = (meta: NodeMetadata) => new URL(meta.token_endpoint, location.href).pathname;

type Listener = (s: Session | undefined) => void;

let current: { signer: Signer; session: Session; token: string; timer?: ReturnType<typeof setTimeout> } | undefined;
let pending: Promise<string> | undefined;
const listeners = new Set<Listener>();

export function onSession(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

export const currentSession = (): Session | undefined => current?.session;

function emit(): void {
  for (const l of listeners) l(current?.session);
}

async function requestToken(signer: Signer): Promise<{ token: string; session: Session }> {
  const meta = await nodeMetadata();
  const now = Math.floor(Date.now() / 1000);
  const assertion = await signJws(
    signer.key,
    signer.alg,
    { typ: 'JWT', ...(signer.kid ? { kid: signer.kid } : {}) },
    {
      iss: signer.clientId,
      sub: signer.clientId,
      aud: meta.issuer,
      iat: now,
      exp: now + 60,
      jti: crypto.randomUUID(),
    },
  );
  const res = await fetch(tokenPath(meta), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: assertion,
      client_id: signer.clientId,
    }),
    credentials: 'omit',
    cache: 'no-store',
  });
  if (!res.ok) throw await errorOf(res);
  const body: unknown = await res.json();
  const token = text(member(body, 'access_token'));
  if (token === undefined) throw new Error('the token endpoint answered without an access token');
  const claims = jwtClaims(token);
  const scopes = (text(member(body, 'scope')) ?? '').split(' ').filter(Boolean);
  const role = ROLES.find((r) => r === claims.role) ?? (scopes.includes('admin') ? 'admin' : scopes.includes('audit:read') ? 'auditor' : 'partner');
  const expiresIn = count(member(body, 'expires_in')) ?? 600;
  return { token, session: { issuer: meta.issuer, clientId: signer.clientId, role, scopes, expiresAt: Date.now() + expiresIn * 1000 } };
}

function schedule(): void {
  if (!current) return;
  clearTimeout(current.timer);
  const wait = Math.max(5_000, current.session.expiresAt - Date.now() - RENEW_BEFORE_MS);
  current.timer = setTimeout(() => void renew().catch(() => undefined), wait);
}

/** A new token with the same key; on refusal (suspended, key revoked) the session ends, saying why. */
async function renew(): Promise<string> {
  if (!current) throw new Error('signed out');
  const { signer } = current;
  pending ??= (async () => {
    try {
      const t = await requestToken(signer);
      if (current?.signer !== signer) throw new Error('signed out');
      current.token = t.token;
      current.session = t.session;
      schedule();
      emit();
      return t.token;
    } catch (e) {
      if (current?.signer === signer) signOut(e instanceof Error ? e.message : String(e));
      throw e;
    } finally {
      pending = undefined;
    }
  })();
  return pending;
}

/** Why the last session ended, when the node ended it. */
export let endedBecause: string | undefined;

export async function signIn(signer: Signer): Promise<Session> {
  const t = await requestToken(signer);
  signOut();
  endedBecause = undefined;
  current = { signer, token: t.token, session: t.session };
  useTokenSource({ token: async () => (current && current.session.expiresAt - Date.now() > 10_000 ? current.token : renew()), refresh: renew });
  schedule();
  emit();
  return t.session;
}

export function signOut(reason?: string): void {
  if (current) clearTimeout(current.timer);
  current = undefined;
  useTokenSource(undefined);
  if (reason) endedBecause = reason;
  emit();
}
