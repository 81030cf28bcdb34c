/** The exact hashes of an upload's bytes, hex. */
export interface FileDigests {
  md5: string;
  sha256: string;
}

/** Exact hashes of the bytes, both at once (one pass to a thread, one copy). A runtime supplies the implementation (node:crypto, WebCrypto). */
export interface Digester {
  digest(bytes: Uint8Array): Promise<FileDigests>;
}
