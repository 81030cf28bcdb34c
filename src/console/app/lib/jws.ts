/**
 * Compact JWS with WebCrypto only: the client assertion the console signs (EdDSA with Ed25519 or
 * ES256 with P-256; WebCrypto's ECDSA signature is already JWS's r || s), and the check of the
 * node's signatures (tree heads) against its JWKS.
 */
import { b64urlToBytes, bytesToB64url, fromUtf8, utf8 } from './b64';

export type ClientAlg = 'EdDSA' | 'ES256';

const signParams = (alg: ClientAlg): AlgorithmIdentifier | EcdsaParams => (alg === 'EdDSA' ? { name: 'Ed25519' } : { name: 'ECDSA', hash: 'SHA-256' });

export async function signJws(key: CryptoKey, alg: ClientAlg, header: Record<string, unknown>, payload: Record<string, unknown>): Promise<string> {
  const input = `${bytesToB64url(utf8(JSON.stringify({ ...header, alg })))}.${bytesToB64url(utf8(JSON.stringify(payload)))}`;
  const sig = new Uint8Array(await crypto.subtle.sign(signParams(alg), key, utf8(input)));
  return `${input}.${bytesToB64url(sig)}`;
}

export interface Jwk {
  kty?: string;
  crv?: string;
  x?: string;
  y?: string;
  d?: string;
  kid?: string;
  alg?: string;
  [k: string]: unknown;
}

export interface VerifiedJws {
  header: { alg: string; kid?: string; [k: string]: unknown };
  payload: unknown;
  key: Jwk;
}

/** Checks a compact JWS against a JWKS (by `kid`); throws with the reason when it does not hold. */
export async function verifyJws(jws: string, jwks: { keys: Jwk[] }): Promise<VerifiedJws> {
  const parts = jws.split('.');
  if (parts.length !== 3) throw new Error('the signature is not a compact JWS (three dot-separated parts)');
  let header: VerifiedJws['header'];
  let payload: unknown;
  try {
    header = JSON.parse(fromUtf8(b64urlToBytes(parts[0])));
    payload = JSON.parse(fromUtf8(b64urlToBytes(parts[1])));
  } catch {
    throw new Error("the signature's header or payload is not base64url JSON");
  }
  const key = jwks.keys.find((k) => k.kid === header.kid);
  if (!key) throw new Error(`the signing key ${JSON.stringify(header.kid)} is not in the node's JWKS`);
  let params: AlgorithmIdentifier | EcKeyImportParams;
  let verify: AlgorithmIdentifier | EcdsaParams;
  if ((header.alg === 'EdDSA' || header.alg === 'Ed25519') && key.kty === 'OKP' && key.crv === 'Ed25519') {
    params = verify = { name: 'Ed25519' };
  } else if (header.alg === 'ES256' && key.kty === 'EC' && key.crv === 'P-256') {
    params = { name: 'ECDSA', namedCurve: 'P-256' };
    verify = { name: 'ECDSA', hash: 'SHA-256' };
  } else {
    throw new Error(`algorithm ${JSON.stringify(header.alg)} does not fit key ${key.kid} (${key.kty} ${key.crv})`);
  }
  const { kty, crv, x, y } = key;
  const pub = await crypto.subtle.importKey('jwk', { kty, crv, x, ...(y ? { y } : {}) }, params, false, ['verify']);
  const ok = await crypto.subtle.verify(verify, pub, b64urlToBytes(parts[2]), utf8(`${parts[0]}.${parts[1]}`));
  if (!ok) throw new Error(`the signature does not verify with the node's key ${key.kid}`);
  return { header, payload, key };
}

/** The claims of a JWT, unverified: for showing what a token of our own node says, never for trust. */
export function jwtClaims(jwt: string): Record<string, unknown> {
  try {
    return JSON.parse(fromUtf8(b64urlToBytes(jwt.split('.')[1] ?? '')));
  } catch {
    return {};
  }
}
