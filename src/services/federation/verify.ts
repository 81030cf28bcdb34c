/**
 * A pulling node's check of one batch before anything of it is applied: the JWS header (typ
 * hash-batch+jws, EdDSA, a kid), the signature against the peer's JWKS (fetched again on an unknown
 * kid, so the peer's key rotations need no admin here), then the payload (core/federation: origin,
 * cursor continuity, well-formed items).
 */
import { compactVerify, decodeProtectedHeader } from 'jose';
import { BATCH_ALG, BATCH_TYP, checkBatchPayload, type BatchCheck } from '../../core/federation';
import { errorNameOf } from '../../core/errors';
import { bytesToHex } from '../../core/hex';
import type { RemoteJwks } from './remote-jwks';

export interface BatchExpectation {
  /** The peer's URL, which the batch must name as its origin. */
  origin: string;
  /** The cursor the last applied batch ended at ('' before the first). */
  from: string;
  jwksUrl: string;
}

export type VerifiedBatch = BatchCheck & { jwsSha256: string; kid?: string };

/** The JWKS URL of a node: its PUBLIC_URL's well-known path. */
export const jwksUrlOf = (nodeUrl: string) => `${nodeUrl}/.well-known/jwks.json`;

export async function sha256Hex(text: string): Promise<string> {
  return bytesToHex(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))));
}

export async function verifyBatch(jws: string, expect: BatchExpectation, jwks: RemoteJwks): Promise<VerifiedBatch> {
  const jwsSha256 = await sha256Hex(jws);
  const refuse = (problem: string, kid?: string): VerifiedBatch => ({ ok: false, problem, jwsSha256, kid });
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(jws);
  } catch {
    return refuse('the batch is not a compact JWS');
  }
  if (header.typ !== BATCH_TYP) return refuse(`the batch's typ is ${JSON.stringify(header.typ)}, not ${BATCH_TYP}`);
  if (header.alg !== BATCH_ALG) return refuse(`the batch is signed with ${JSON.stringify(header.alg)}; only ${BATCH_ALG} is taken`);
  const kid = header.kid;
  if (typeof kid !== 'string' || !kid) return refuse('the batch names no key (kid)');
  const key = await jwks.key(expect.jwksUrl, kid);
  if (!key) return refuse(`the batch is signed by key ${kid}, which the peer's JWKS (${expect.jwksUrl}) does not publish`, kid);
  let payload: unknown;
  try {
    const r = await compactVerify(jws, key.key, { algorithms: [BATCH_ALG] });
    payload = JSON.parse(new TextDecoder().decode(r.payload));
  } catch (e) {
    return refuse(errorNameOf(e) === 'SyntaxError' ? 'the batch payload is not JSON' : `the batch's signature does not verify with key ${kid}`, kid);
  }
  return { ...checkBatchPayload(payload, { origin: expect.origin, from: expect.from }), jwsSha256, kid };
}
