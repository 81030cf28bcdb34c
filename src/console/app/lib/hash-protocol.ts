/** Messages between the page and its hashing worker (hash-worker.ts). */

export interface HashRequest {
  id: number;
  /** The file's bytes, transferred to the worker (they never leave the browser). */
  bytes: ArrayBuffer;
  /** The file's MIME type as the browser saw it (a hint for the decoder). */
  type: string;
  /** Also the hashes of the 8 rotations and mirrors. */
  dihedral: boolean;
}

export interface Variant {
  variant: string;
  value: string;
}

export interface LocalHashes {
  hashes: { pdq: { value: string; quality: number }; blockhash: { value: string }; md5: { value: string }; sha256: { value: string } };
  media: { width: number; height: number; format: string; bytes: number };
  variants?: { pdq: Variant[]; blockhash: Variant[] };
  /** Whether PDQ's and blockhash's WebAssembly kernels ran (else the TypeScript paths, same hashes). */
  kernels: { pdq: boolean; blockhash: boolean };
  timings: { decodeMs: number; hashMs: number };
  /** Where this browser's decoding may give other hashes than the node's, in words for the user. */
  notes: string[];
}

export type HashResponse = { id: number; ok: true; result: LocalHashes } | { id: number; ok: false; error: string };
