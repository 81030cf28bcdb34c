import { bytesToHex } from '../../core/hex';
import type { Digester } from '../../core/hashes';

/** WebCrypto; Workers also accept MD5, which the standard leaves out. */
const digest = async (alg: string, b: Uint8Array) => bytesToHex(new Uint8Array(await crypto.subtle.digest(alg, b as Uint8Array<ArrayBuffer>)));

export const workerDigester: Digester = {
  digest: async (b) => {
    const [md5, sha256] = await Promise.all([digest('MD5', b), digest('SHA-256', b)]);
    return { md5, sha256 };
  },
};
