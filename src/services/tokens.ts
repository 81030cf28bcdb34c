/**
 * OAuth 2.0 client credentials with private_key_jwt (RFC 7523, RFC 7521): a client signs a short
 * assertion with its own key and trades it for a 10-minute access token signed by the node (RFC 9068
 * `at+jwt`). Every request re-reads the client and its key, so a suspension or a key revocation takes
 * effect on the client's next request, not when its token expires.
 *
 * Over 300 lines on purpose: issuing a token and verifying one share the same keys, audiences and
 * error vocabulary; each check of an assertion (RFC 7523 §3) sits next to the refusal it gives.
 */
import { decodeJwt, decodeProtectedHeader, errors as joseErrors, jwtVerify, SignJWT, importJWK, type JWTPayload } from 'jose';
import { ROLE_SCOPES, type Principal } from '../core/auth';
import { DomainError, messageOf } from '../core/errors';
import { shown } from '../core/text';
import type { AuthStore, ClientKeyRow, ClientRow, Ledger } from '../storage/types';
import type { RemoteJwks } from './federation';
import type { Keyring } from './keyring';
import { jwkOf, NODE_ALG } from './keyring';

export const ACCESS_TOKEN_TTL_S = 600;
const ASSERTION_MAX_LIFETIME_S = 300;
export const CLOCK_SKEW_S = 60;
/** Longest `jti` an assertion may carry: a UUID is 36 characters; the id is kept until the assertion expires. */
export const JTI_MAX_LENGTH = 256;
/** Longest client text (a kid, a scope, a grant type) a token error quotes; longer is cut with an ellipsis. */
const ECHO_MAX = 64;
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
export const TOKEN_PATH = '/v1/oauth/token';

export interface TokenDeps {
  auth: AuthStore;
  /** Records assertion ids (replay protection, shared by every instance through the database). */
  ledger: Ledger;
  keyring: Keyring;
  /** Keys of peer clients registered by JWKS URL; without it such clients cannot sign in. */
  remoteJwks?: RemoteJwks;
  now: () => number;
  newId: () => string;
  /** The node's issuer URL: `iss` and `aud` of access tokens. */
  issuer: string;
  /** Other URLs the node is reached at, accepted as assertion audiences like the issuer. */
  tokenAudiences?: string[];
}

/** An OAuth error response (RFC 6749 §5.2): not problem+json, as OAuth clients expect this shape. */
export class OAuthError extends Error {
  constructor(
    readonly error: 'invalid_request' | 'invalid_client' | 'unsupported_grant_type' | 'invalid_scope' | 'invalid_grant',
    readonly description: string,
  ) {
    super(description);
  }
  get status(): 400 | 401 {
    return this.error === 'invalid_client' ? 401 : 400;
  }
}

export interface TokenRequest {
  grant_type?: string;
  client_assertion_type?: string;
  client_assertion?: string;
  /** Optional (RFC 7521 §4.2); when sent, it must name the client the assertion names. */
  client_id?: string;
  scope?: string;
}

/** The parameters this endpoint reads: each must be sent at most once (RFC 6749 §3.2); others are ignored (RFC 6749 §3.2, RFC 8707 `resource` may repeat). */
const READ_PARAMETERS = ['grant_type', 'client_assertion_type', 'client_assertion', 'client_id', 'scope'] as const satisfies readonly (keyof TokenRequest)[];

/** The parameters of a token request (RFC 6749 §3.2): each at most once, a value sent empty as if left out. */
export function tokenRequestOf(form: Record<string, unknown>): TokenRequest {
  const req: TokenRequest = {};
  for (const name of READ_PARAMETERS) {
    const v = form[name];
    if (Array.isArray(v))
      throw new OAuthError('invalid_request', `parameter ${shown(name, ECHO_MAX)} is sent ${v.length} times; send each parameter once (RFC 6749 §3.2)`);
    if (typeof v === 'string' && v !== '') req[name] = v;
  }
  return req;
}

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

/** Algorithms a client may sign its assertion with (Ed25519 under either name, and P-256). */
export const CLIENT_ALGS = ['EdDSA', 'Ed25519', 'ES256'] as const;

/**
 * What a client assertion may name as its audience: the node's issuer identifier (what standard
 * OAuth clients send, RFC 7523 §3 and RFC 8414) or its token URL, and the same under each other
 * configured name of the node. Never anything taken from the request (its Host header): an
 * assertion made for another node must not be accepted here because it was sent with that node's Host.
 */
function assertionAudiences(issuer: string, others: readonly string[] = []): string[] {
  const out = new Set<string>();
  for (const name of [issuer, ...others]) {
    const base = name.replace(/\/+$/, '');
    out.add(base);
    out.add(`${base}/`);
    if (!base.endsWith(TOKEN_PATH)) out.add(`${base}${TOKEN_PATH}`);
  }
  return [...out];
}

/**
 * TOKEN_AUDIENCES as configured: comma-separated absolute http(s) URLs, each another name of the
 * node (or a token URL under one). Returns them without trailing slashes, or what is wrong.
 */
export function parseAudienceList(text: string): string[] | { problem: string } {
  const out: string[] = [];
  for (const item of text
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)) {
    let url: URL;
    try {
      url = new URL(item);
    } catch {
      return { problem: `${JSON.stringify(item)} is not an absolute URL (give URLs like https://hashes.example.org, comma-separated)` };
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return { problem: `${JSON.stringify(item)} is not an http(s) URL` };
    if (url.search || url.hash || url.username || url.password)
      return { problem: `${JSON.stringify(item)} must be a plain URL, without credentials, query or fragment` };
    out.push(item.replace(/\/+$/, ''));
  }
  return out;
}

export async function issueAccessToken(deps: TokenDeps, req: TokenRequest): Promise<TokenResponse> {
  if (!req.grant_type) throw new OAuthError('invalid_request', 'grant_type is missing; use client_credentials');
  if (req.grant_type !== 'client_credentials')
    throw new OAuthError('unsupported_grant_type', `grant_type ${shown(req.grant_type, ECHO_MAX)} is not supported; use client_credentials`);
  if (req.client_assertion_type !== ASSERTION_TYPE) throw new OAuthError('invalid_request', `client_assertion_type must be ${ASSERTION_TYPE}`);
  const assertion = req.client_assertion;
  if (!assertion) throw new OAuthError('invalid_request', 'client_assertion is missing');

  let header: ReturnType<typeof decodeProtectedHeader>;
  let claims: JWTPayload;
  try {
    header = decodeProtectedHeader(assertion);
    claims = decodeJwt(assertion);
  } catch {
    throw new OAuthError('invalid_client', 'client_assertion is not a JWT');
  }
  if (typeof header.alg !== 'string' || !CLIENT_ALGS.some((a) => a === header.alg)) {
    throw new OAuthError('invalid_client', `assertion alg ${shown(header.alg, ECHO_MAX)} is not accepted; sign with EdDSA (Ed25519) or ES256`);
  }
  if (header.kid !== undefined && typeof header.kid !== 'string')
    throw new OAuthError('invalid_client', `the assertion's kid must be a string (the id of one of your keys), got ${shown(header.kid)}`);
  // A number 5 and a string "5" are two ids to the sender; kept as text they would be one.
  if (typeof claims.jti !== 'string' || claims.jti.length === 0 || claims.jti.length > JTI_MAX_LENGTH)
    throw new OAuthError(
      'invalid_client',
      claims.jti === undefined
        ? 'the assertion has no jti; give each assertion a fresh unique id (a UUID)'
        : `the assertion's jti must be a string of 1 to ${JTI_MAX_LENGTH} characters (a UUID), got ${typeof claims.jti === 'string' ? `${claims.jti.length} characters` : shown(claims.jti)}`,
    );
  const clientId = claims.iss;
  if (typeof clientId !== 'string' || claims.sub !== clientId) throw new OAuthError('invalid_client', 'assertion iss and sub must both be your client id');
  if (req.client_id !== undefined && req.client_id !== clientId) {
    throw new OAuthError(
      'invalid_client',
      `client_id ${shown(req.client_id, ECHO_MAX)} does not match the client assertion's iss ${shown(clientId, ECHO_MAX)}; send your own client id in both, or leave client_id out`,
    );
  }
  const client = await deps.auth.getClient(clientId);
  if (!client) throw new OAuthError('invalid_client', 'unknown client');
  const keys = client.jwksUrl
    ? await remoteKeys(deps, client, client.jwksUrl, header.kid)
    : (await deps.auth.clientKeys(clientId)).filter((k) => k.status === 'active' && (header.kid === undefined || k.kid === header.kid));
  if (keys.length === 0)
    throw new OAuthError(
      'invalid_client',
      header.kid
        ? `key ${shown(header.kid, ECHO_MAX)} is not an active key of client ${shown(clientId, ECHO_MAX)}: unknown to it or revoked (is the client id the one this key was admitted under?)`
        : 'the client has no active key',
    );

  const audiences = assertionAudiences(deps.issuer, deps.tokenAudiences);
  const now = deps.now();
  const nowS = Math.floor(now / 1000);
  let verified: { payload: JWTPayload; key: ClientKeyRow } | undefined;
  let lastError: unknown;
  for (const key of keys) {
    try {
      const { payload } = await jwtVerify(assertion, await importJWK(jwkOf(key.jwk), key.alg), {
        algorithms: key.alg === 'EdDSA' ? ['EdDSA', 'Ed25519'] : [key.alg],
        audience: audiences,
        issuer: clientId,
        subject: clientId,
        clockTolerance: CLOCK_SKEW_S,
        currentDate: new Date(now),
        requiredClaims: ['exp', 'jti'],
      });
      verified = { payload, key };
      break;
    } catch (e) {
      lastError = e;
    }
  }
  if (!verified) {
    if (lastError instanceof joseErrors.JWTClaimValidationFailed && lastError.claim === 'aud') {
      throw new OAuthError(
        'invalid_client',
        `client assertion rejected: its "aud" claim is not acceptable; it must be this node's issuer identifier ${deps.issuer} or its token URL ${deps.issuer}${TOKEN_PATH}`,
      );
    }
    throw new OAuthError('invalid_client', `client assertion rejected: ${describeJoseError(lastError, 'assertion')}`);
  }
  const { payload, key } = verified;
  const exp = payload.exp ?? nowS; // required above: jwtVerify refused an assertion without exp
  // jwtVerify checks iat's type only; an iat ahead of the clock would also stretch the lifetime check below.
  if (payload.iat !== undefined && payload.iat > nowS + CLOCK_SKEW_S)
    throw new OAuthError(
      'invalid_client',
      `client assertion issued in the future: its iat is ${payload.iat - nowS} s ahead of this node's clock (at most ${CLOCK_SKEW_S} s of skew)`,
    );
  if (exp - (payload.iat ?? nowS) > ASSERTION_MAX_LIFETIME_S || exp - nowS > ASSERTION_MAX_LIFETIME_S + CLOCK_SKEW_S) {
    throw new OAuthError('invalid_client', `client assertion lives too long: exp must be at most ${ASSERTION_MAX_LIFETIME_S} s after iat and now`);
  }
  if (client.status !== 'active') throw new OAuthError('invalid_client', 'the client is suspended');
  if (!(await deps.ledger.useJti(clientId, claims.jti, (exp + CLOCK_SKEW_S) * 1000, now))) {
    throw new OAuthError('invalid_client', 'client assertion already used (replayed jti); sign a new one with a fresh jti for every request');
  }

  const allowed = ROLE_SCOPES[client.role];
  // A scope of spaces only names no scope: taken as left out, as an empty one is (RFC 6749 §3.2).
  const named = [...new Set((req.scope ?? '').split(/\s+/).filter(Boolean))];
  const requested = named.length ? named : allowed;
  const extra = requested.filter((s) => !allowed.some((a) => a === s));
  if (extra.length) throw new OAuthError('invalid_scope', `scope ${shown(extra.join(' '), ECHO_MAX)} is not granted to role ${client.role}`);

  const signing = await deps.keyring.signingKey();
  const scope = requested.join(' ');
  const token = await new SignJWT({ scope, role: client.role, ckid: key.kid })
    .setProtectedHeader({ alg: NODE_ALG, kid: signing.kid, typ: 'at+jwt' })
    .setIssuer(deps.issuer)
    .setAudience(deps.issuer)
    .setSubject(clientId)
    .setIssuedAt(nowS)
    .setExpirationTime(nowS + ACCESS_TOKEN_TTL_S)
    .setJti(deps.newId())
    .sign(signing.key);
  return { access_token: token, token_type: 'Bearer', expires_in: ACCESS_TOKEN_TTL_S, scope };
}

/**
 * A peer client's key: the one its JWKS URL publishes under the assertion's kid (fetched again for a
 * kid not seen before, so the peer's rotations need no admin here).
 */
async function remoteKeys(deps: TokenDeps, client: ClientRow, jwksUrl: string, kid: string | undefined): Promise<ClientKeyRow[]> {
  if (!kid) throw new OAuthError('invalid_client', 'a peer client signs its assertion with a key named by kid, as published at its JWKS URL');
  if (!deps.remoteJwks) throw new OAuthError('invalid_client', 'this node cannot fetch JWKS URLs');
  let k: Awaited<ReturnType<RemoteJwks['find']>>;
  try {
    k = await deps.remoteJwks.find(jwksUrl, kid);
  } catch (e) {
    throw new OAuthError('invalid_client', `the client's keys could not be read: ${messageOf(e)}`);
  }
  return k ? [{ kid: k.kid, clientId: client.id, jwk: k.jwk, alg: k.alg, status: 'active', createdAt: 0, revokedAt: null }] : [];
}

/**
 * Tokens whose signature and claims have been checked, until they expire: a signature stays valid,
 * so only the expiry is re-checked on a hit. The client and key are re-read on every request all
 * the same. Bounded; cleared when full. One per authenticator, so two apps in one process (two
 * nodes, or a test's) never take each other's tokens as verified.
 */
class VerifiedTokens {
  private readonly payloads = new Map<string, JWTPayload>();

  constructor(private readonly max = 10_000) {}

  get(key: string): JWTPayload | undefined {
    return this.payloads.get(key);
  }

  set(key: string, payload: JWTPayload): void {
    if (this.payloads.size >= this.max) this.payloads.clear();
    this.payloads.set(key, payload);
  }
}

async function verifyAccessToken(deps: TokenDeps, verified: VerifiedTokens, authorization: string | undefined): Promise<Principal> {
  if (!authorization) throw new DomainError('unauthenticated', 'send Authorization: Bearer <access token>; get one from POST /v1/oauth/token');
  const m = /^Bearer\s+([A-Za-z0-9_\-.=]+)$/i.exec(authorization.trim());
  if (!m) throw new DomainError('invalid_token', 'the Authorization header must be "Bearer <access token>"');
  const cacheKey = `${deps.issuer} ${m[1]}`;
  let payload: JWTPayload | undefined = verified.get(cacheKey);
  const nowS = deps.now() / 1000;
  if (payload && ((payload.exp ?? 0) + CLOCK_SKEW_S <= nowS || (payload.nbf !== undefined && payload.nbf - CLOCK_SKEW_S > nowS))) payload = undefined;
  if (!payload) {
    payload = await verifyJwt(deps, m[1]);
    // Only tokens signed by a key still published may be remembered; a retired key's tokens expire with it.
    verified.set(cacheKey, payload);
  }
  return principalOf(deps, payload);
}

async function verifyJwt(deps: TokenDeps, token: string): Promise<JWTPayload> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(
      token,
      async (h) => {
        const key = h.kid ? await deps.keyring.publicKey(h.kid) : undefined;
        if (!key) throw new joseErrors.JWKSNoMatchingKey();
        return key;
      },
      {
        algorithms: [NODE_ALG],
        issuer: deps.issuer,
        audience: deps.issuer,
        typ: 'at+jwt',
        clockTolerance: CLOCK_SKEW_S,
        currentDate: new Date(deps.now()),
        requiredClaims: ['exp', 'sub', 'scope'],
      },
    ));
  } catch (e) {
    throw new DomainError('invalid_token', describeJoseError(e, 'access token'));
  }
  return payload;
}

async function principalOf(deps: TokenDeps, payload: JWTPayload): Promise<Principal> {
  const clientId = String(payload.sub);
  const client = await deps.auth.getClient(clientId);
  if (!client) throw new DomainError('invalid_token', 'the client of this token no longer exists');
  if (client.status !== 'active') throw new DomainError('client_suspended', 'this client is suspended; ask a consortium admin');
  if (client.jwksUrl) {
    // A peer's key stays good while its JWKS publishes it (the cached set, fetched again when it expires).
    if (!(await publishedByPeer(deps, client.jwksUrl, String(payload.ckid))))
      throw new DomainError('invalid_token', "the key this token was obtained with is no longer published at the client's JWKS URL");
  } else {
    const keys = await deps.auth.clientKeys(clientId);
    if (!keys.some((k) => k.kid === payload.ckid && k.status === 'active'))
      throw new DomainError('invalid_token', 'the key this token was obtained with has been revoked');
  }
  const carried = String(payload.scope).split(' ');
  const scopes = ROLE_SCOPES[client.role].filter((s) => carried.includes(s));
  return { clientId, role: client.role, scopes };
}

async function publishedByPeer(deps: TokenDeps, url: string, kid: string): Promise<boolean> {
  try {
    return (await deps.remoteJwks?.publishes(url, kid)) ?? false;
  } catch {
    return false;
  }
}

function describeJoseError(e: unknown, what: string): string {
  if (e instanceof joseErrors.JWTExpired) return `the ${what} has expired`;
  if (e instanceof joseErrors.JWTClaimValidationFailed)
    return `the ${what}'s "${e.claim}" claim is not acceptable (${e.reason === 'check_failed' ? 'wrong value or not yet valid' : e.reason})`;
  if (e instanceof joseErrors.JOSEAlgNotAllowed) return `the ${what}'s signing algorithm is not accepted`;
  if (e instanceof joseErrors.JWSSignatureVerificationFailed) return `the ${what}'s signature does not verify`;
  if (e instanceof joseErrors.JWKSNoMatchingKey) return `the ${what} is signed by an unknown key`;
  if (e instanceof joseErrors.JWTInvalid || e instanceof joseErrors.JWSInvalid) return `the ${what} is malformed`;
  return `the ${what} is not valid`;
}

/** The Authenticator of every protected route: access tokens signed by this node. */
export class TokenAuthenticator {
  private readonly verified = new VerifiedTokens();

  constructor(private readonly deps: TokenDeps) {}

  authenticate(authorization: string | undefined): Promise<Principal> {
    return verifyAccessToken(this.deps, this.verified, authorization);
  }
}
