/** Exact hashes of the bytes. A runtime supplies the implementation (node:crypto, WebCrypto). */
export interface Digester {
  md5(bytes: Uint8Array): Promise<string>;
  sha256(bytes: Uint8Array): Promise<string>;
}
