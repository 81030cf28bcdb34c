/**
 * Members' keys in the browser. A private key is imported from the member's own file straight into
 * WebCrypto as non-extractable (the page can sign with it, nothing can read it back out, and it
 * never leaves the browser); key pairs for new members are made here and the private half is
 * handed to the admin as a download.
 */
import { isRecord, member, text as textOf } from '../../../client/json';
import type { ClientAlg, Jwk } from './jws';

/** A JWK's members the console uses, from parsed JSON (members of other types are left out). */
function jwkOf(v: Record<string, unknown>): Jwk {
  const out: Jwk = {};
  for (const k of ['kty', 'crv', 'x', 'y', 'd', 'kid'] as const) {
    const s = textOf(v[k]);
    if (s !== undefined) out[k] = s;
  }
  return out;
}

export interface KeyFile {
  jwk: Jwk;
  /** From a file in the shape `npm run admin -- ... --json` prints ({ clientId, privateJwk }), or none. */
  clientId?: string;
}

/** Reads a key file: the CLI's JSON output ({ clientId, privateJwk }) or a bare private JWK. */
export function parseKeyFile(text: string): KeyFile {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new Error('the file is not JSON; choose the private key file (a JWK, or the JSON the admin command printed)');
  }
  const inner = member(v, 'privateJwk');
  const found = isRecord(inner) ? inner : v;
  const jwk = isRecord(found) ? jwkOf(found) : {};
  if (typeof jwk.d !== 'string') throw new Error('the file holds no private key (a JWK with "d"); a public key cannot sign in');
  algOf(jwk);
  return { jwk, clientId: textOf(member(v, 'clientId')) };
}

function algOf(jwk: Jwk): ClientAlg {
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA';
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ES256';
  throw new Error(`unsupported key type ${jwk.kty ?? '?'} ${jwk.crv ?? ''}: the node takes Ed25519 (OKP) and P-256 (EC) keys`.trim());
}

/** The private JWK as a non-extractable signing key. */
export async function importSigningKey(jwk: Jwk): Promise<{ key: CryptoKey; alg: ClientAlg; kid?: string }> {
  const alg = algOf(jwk);
  const { kty, crv, x, y, d } = jwk;
  const params = alg === 'EdDSA' ? { name: 'Ed25519' } : { name: 'ECDSA', namedCurve: 'P-256' };
  try {
    const key = await crypto.subtle.importKey('jwk', { kty, crv, x, d, ...(y ? { y } : {}) }, params, false, ['sign']);
    return { key, alg, kid: typeof jwk.kid === 'string' ? jwk.kid : undefined };
  } catch (e) {
    throw new Error(`this browser cannot use the key (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** A public JWK pasted or uploaded by an admin: refused if it is a private key (it must not reach the node). */
export function parsePublicJwk(text: string): Jwk {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new Error('the public key is not JSON; paste a JWK such as {"kty":"OKP","crv":"Ed25519","x":"…"}');
  }
  const found = isRecord(v) && 'jwk' in v ? v.jwk : v;
  if (!isRecord(found)) throw new Error('the public key must be a JSON object (a JWK)');
  if ('d' in found) throw new Error('this is a private key (it has "d"); paste only the public half. Nothing was sent.');
  const jwk = jwkOf(found);
  algOf(jwk);
  return jwk;
}

export interface GeneratedPair {
  publicJwk: Jwk;
  privateJwk: Jwk;
}

/** A new Ed25519 key pair for a member; the private half only ever goes into a download. */
export async function generatePair(): Promise<GeneratedPair> {
  const pair = await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
  if (!('privateKey' in pair)) throw new Error('this browser made a single key, not a key pair');
  const privateJwk = await crypto.subtle.exportKey('jwk', pair.privateKey);
  const publicJwk = await crypto.subtle.exportKey('jwk', pair.publicKey);
  const clean = (j: JsonWebKey): Jwk => ({ kty: j.kty, crv: j.crv, x: j.x, ...(j.d ? { d: j.d } : {}) });
  return { publicJwk: clean(publicJwk), privateJwk: clean(privateJwk) };
}

/** Offers a JSON file for download (a blob URL: the content never leaves the browser). */
export function downloadJson(name: string, value: unknown): void {
  const url = URL.createObjectURL(new Blob([JSON.stringify(value, null, 2) + '\n'], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
