/**
 * The client side of private_key_jwt (RFC 7523), for scripts and tests that want one assertion or
 * one token without a NodeClient: both are the typed client's own (src/client/auth.ts).
 */
import { randomUUID } from 'node:crypto';
import type { JWK } from 'jose';
import { clientAssertion as sign, NodeClient, signingKey, type TokenResponse } from '../client';

export type { TokenResponse };

/** A client assertion for `audience` (the node's issuer or token URL), 60 s of life, a fresh jti. */
export async function clientAssertion(audience: string, clientId: string, jwk: JWK): Promise<string> {
  return sign(audience, clientId, await signingKey(jwk), Date.now(), randomUUID());
}

/**
 * A fresh access token from `<node>/v1/oauth/token`, the assertion's audience being the issuer the
 * node publishes in its RFC 8414 metadata (its token URL if it publishes none). Throws NodeApiError
 * with the node's OAuth error when refused, NodeUnreachableError when the node cannot be reached.
 */
export async function requestToken(node: string, clientId: string, jwk: JWK, scope?: string): Promise<TokenResponse> {
  return new NodeClient({ node, clientId, key: jwk, scope }).requestToken();
}
