/** Hash an uploaded image: every hash type the node knows, and the facts about the image. Stores nothing. */
import { blockhash } from '../core/blockhash';
import { DomainError } from '../core/errors';
import type { SingleHashType } from '../core/hashes';
import type { ServiceDeps } from './deps';

export interface MediaHashes {
  hashes: {
    pdq?: { value: string; quality: number };
    blockhash: { value: string };
    md5: { value: string };
    sha256: { value: string };
  };
  media: { width: number; height: number; format: string };
}

/** Only the decoder and digests: the client CLI hashes locally with the same code as the node. */
export async function hashMedia(deps: Pick<ServiceDeps, 'decoder' | 'digests'>, bytes: Uint8Array): Promise<MediaHashes> {
  if (bytes.byteLength === 0) throw new DomainError('invalid_request', 'the request body is empty; send the image bytes', { errors: [{ path: 'body', message: 'empty' }] });
  if (!deps.decoder) {
    throw new DomainError('not_implemented', 'this deployment cannot decode images; compute the hashes on your side (npm run client -- hash FILE) and send them to POST /v1/match');
  }
  const img = await deps.decoder.decode(bytes);
  const [md5, sha256] = await Promise.all([deps.digests.md5(bytes), deps.digests.sha256(bytes)]);
  return {
    hashes: {
      blockhash: { value: blockhash(img) },
      md5: { value: md5 },
      sha256: { value: sha256 },
    },
    media: { width: img.width, height: img.height, format: img.format },
  };
}

/** The (type, value) pairs of a hashing result, in a fixed order. */
export function hashList(h: MediaHashes): { type: SingleHashType; value: string; quality?: number }[] {
  const out: { type: SingleHashType; value: string; quality?: number }[] = [];
  if (h.hashes.pdq) out.push({ type: 'pdq', value: h.hashes.pdq.value, quality: h.hashes.pdq.quality });
  out.push({ type: 'blockhash', value: h.hashes.blockhash.value });
  out.push({ type: 'md5', value: h.hashes.md5.value });
  out.push({ type: 'sha256', value: h.hashes.sha256.value });
  return out;
}
