/**
 * A member's key pair, made where it will be used: the private JWK stays with the member, the public
 * JWK goes to the consortium admin, who registers it (POST /v1/admin/clients with `jwk`). The kid is
 * the RFC 7638 thumbprint of the public key, which is also what the node names a key by when it is
 * registered without one; both halves carry it, so assertions name the key they were signed with.
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';

export type KeyAlg = 'EdDSA' | 'ES256';

export interface ClientKeyPair {
  kid: string;
  alg: KeyAlg;
  /** Keep secret: `d` is the private key. */
  privateJwk: JWK;
  /** Hand this to the admin. */
  publicJwk: JWK;
}

export async function generateClientKey(alg: KeyAlg = 'EdDSA'): Promise<ClientKeyPair> {
  if (alg !== 'EdDSA' && alg !== 'ES256') throw new TypeError(`alg must be EdDSA (Ed25519) or ES256 (P-256), not ${JSON.stringify(alg)}`);
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const pub = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(pub);
  return { kid, alg, privateJwk: { ...(await exportJWK(privateKey)), kid, alg }, publicJwk: { ...pub, kid, alg, use: 'sig' } };
}

/** The public half of a private JWK (Ed25519 or P-256), with its kid and alg. */
export function publicJwkOf(jwk: JWK): JWK {
  const { kty, crv, x, y, kid, alg } = jwk;
  if (kty === 'OKP') return { kty, crv, x, ...(kid ? { kid } : {}), alg: alg ?? 'EdDSA', use: 'sig' };
  if (kty === 'EC') return { kty, crv, x, y, ...(kid ? { kid } : {}), alg: alg ?? 'ES256', use: 'sig' };
  throw new TypeError(`a ${String(kty)} key is not an Ed25519 or P-256 key`);
}
