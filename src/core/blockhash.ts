/**
 * blockhash (Yang, Gu & Niu, 2006) through blockhash-core, 16 blocks a side -> 256 bits, 64 hex.
 * Method 2 (`bmvbhash`, fractional block weights) is the node's canonical one; method 1
 * (`bmvbhashEven`) is exposed for conformance with the reference "quick" hashes.
 */
import { bmvbhash, bmvbhashEven } from 'blockhash-core';
import type { DecodedImage } from './image';

export const BLOCKHASH_BITS_PER_SIDE = 16;

export function blockhash(img: DecodedImage, method: 1 | 2 = 2, bits = BLOCKHASH_BITS_PER_SIDE): string {
  const data = { width: img.width, height: img.height, data: img.rgba };
  return method === 2 ? bmvbhash(data, bits) : bmvbhashEven(data, bits);
}
