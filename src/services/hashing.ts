/** Hash an uploaded image: every hash type the node knows, and the facts about the image. Stores nothing. */
import { blockhash } from '../core/blockhash';
import { DomainError } from '../core/errors';
import type { SingleHashType } from '../core/hashes';
import { dihedralPixels, pdqDihedralFromRgba, pdqFromRgba, PDQ_DIHEDRAL_VARIANTS, type PdqDihedralVariant } from '../core/pdq';
import type { ServiceDeps } from './deps';

/** Below this PDQ quality a hash says little about the image (flat, blank, tiny): returned, never shared. */
export const PDQ_MIN_SHARE_QUALITY = 50;

export interface Variant {
  variant: PdqDihedralVariant;
  value: string;
}

export interface MediaHashes {
  hashes: {
    pdq: { value: string; quality: number };
    blockhash: { value: string };
    md5: { value: string };
    sha256: { value: string };
  };
  media: { width: number; height: number; format: string };
  /** With `dihedral`: the hashes of the image's 8 rotations and mirrors. */
  variants?: { pdq: Variant[]; blockhash: Variant[] };
}

/** Only the decoder and digests: the client CLI hashes locally with the same code as the node. */
export async function hashMedia(deps: Pick<ServiceDeps, 'decoder' | 'digests'>, bytes: Uint8Array, opts: { dihedral?: boolean } = {}): Promise<MediaHashes> {
  if (bytes.byteLength === 0) throw new DomainError('invalid_request', 'the request body is empty; send the image bytes', { errors: [{ path: 'body', message: 'empty' }] });
  if (!deps.decoder) {
    throw new DomainError('not_implemented', 'this deployment cannot decode images; compute the hashes on your side (npm run client -- hash FILE) and send them to POST /v1/match');
  }
  const img = await deps.decoder.decode(bytes);
  const [md5, sha256] = await Promise.all([deps.digests.md5(bytes), deps.digests.sha256(bytes)]);
  const out: MediaHashes = {
    hashes: { pdq: { value: '', quality: 0 }, blockhash: { value: blockhash(img) }, md5: { value: md5 }, sha256: { value: sha256 } },
    media: { width: img.width, height: img.height, format: img.format },
  };
  if (opts.dihedral) {
    // PDQ: all 8 from one DCT. blockhash: by transforming the pixels.
    const d = pdqDihedralFromRgba(img.rgba, img.width, img.height);
    out.hashes.pdq = { value: d.hashes[0].hash, quality: d.quality };
    out.variants = {
      pdq: d.hashes.map((h) => ({ variant: h.variant, value: h.hash })),
      blockhash: PDQ_DIHEDRAL_VARIANTS.map((variant) => {
        const t = variant === 'original' ? img : { ...img, ...dihedralPixels(img.rgba, img.width, img.height, variant) };
        return { variant, value: blockhash(t) };
      }),
    };
  } else {
    const p = pdqFromRgba(img.rgba, img.width, img.height);
    out.hashes.pdq = { value: p.hash, quality: p.quality };
  }
  return out;
}

export interface HashWithVariants {
  type: SingleHashType;
  value: string;
  quality?: number;
  variants?: Variant[];
}

/** The (type, value) pairs of a hashing result, in a fixed order, with their variants when computed. */
export function hashList(h: MediaHashes): HashWithVariants[] {
  return [
    { type: 'pdq', value: h.hashes.pdq.value, quality: h.hashes.pdq.quality, variants: h.variants?.pdq },
    { type: 'blockhash', value: h.hashes.blockhash.value, variants: h.variants?.blockhash },
    { type: 'md5', value: h.hashes.md5.value },
    { type: 'sha256', value: h.hashes.sha256.value },
  ];
}
