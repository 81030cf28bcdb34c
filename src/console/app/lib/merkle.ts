/**
 * RFC 9162 Merkle tree arithmetic on WebCrypto's SHA-256, for checking the audit log in the browser:
 * leaf hash = SHA-256(0x00 || entry), node hash = SHA-256(0x01 || left || right), MTH split at the
 * largest power of two below n, and the verification of inclusion (§2.1.3.2) and consistency
 * (§2.1.4.2) proofs. Independent of the node's own Merkle code (src/core/merkle*) on purpose: an
 * auditor checks the node with a second implementation; test/console/merkle.test.ts runs both on
 * the shared reference vectors.
 */

export type Hash = Uint8Array<ArrayBuffer>;

const sha256 = async (data: Uint8Array<ArrayBuffer>): Promise<Hash> => new Uint8Array(await crypto.subtle.digest('SHA-256', data));

export async function leafHash(entry: Uint8Array): Promise<Hash> {
  const b = new Uint8Array(entry.length + 1);
  b.set(entry, 1);
  return sha256(b);
}

export async function nodeHash(left: Uint8Array, right: Uint8Array): Promise<Hash> {
  const b = new Uint8Array(1 + left.length + right.length);
  b[0] = 1;
  b.set(left, 1);
  b.set(right, 1 + left.length);
  return sha256(b);
}

export const equal = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

const EMPTY_ROOT = sha256(new Uint8Array(0));

/** Largest power of two strictly below n (n >= 2). */
const split = (n: number): number => 2 ** Math.floor(Math.log2(n - 1));

/**
 * MTH over a list of leaf hashes, with the complete subtrees (power-of-two ranges at multiples of
 * their size, the left halves of every MTH split) remembered: the root of any prefix then costs
 * O(log n) new hashes once the full root is known.
 */
export class LeafTree {
  private readonly memo = new Map<string, Promise<Hash>>();
  constructor(readonly leaves: Hash[]) {}

  async root(size = this.leaves.length): Promise<Hash> {
    return size === 0 ? EMPTY_ROOT : this.range(0, size);
  }

  range(start: number, end: number): Promise<Hash> {
    const n = end - start;
    if (n === 1) return Promise.resolve(this.leaves[start]);
    const complete = (n & (n - 1)) === 0 && start % n === 0;
    const key = `${start}:${n}`;
    const hit = complete ? this.memo.get(key) : undefined;
    if (hit) return hit;
    const k = split(n);
    const p = Promise.all([this.range(start, start + k), this.range(start + k, end)]).then(([l, r]) => nodeHash(l, r));
    if (complete) this.memo.set(key, p);
    return p;
  }
}

export class ProofError extends Error {}

/** The root an inclusion proof implies, or throws ProofError. */
export async function rootFromInclusion(leaf: Uint8Array, index: number, size: number, proof: Uint8Array[]): Promise<Uint8Array> {
  if (!(index >= 0 && index < size)) throw new ProofError(`leaf index ${index} is not below tree size ${size}`);
  if (leaf.length !== 32 || proof.some((p) => p.length !== 32)) throw new ProofError('a hash in the proof is not 32 bytes');
  let fn = index;
  let sn = size - 1;
  let r: Uint8Array = leaf;
  for (const p of proof) {
    if (sn === 0) throw new ProofError('the inclusion proof is too long');
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw new ProofError('the inclusion proof is too short');
  return r;
}

/** Throws ProofError unless the proof shows the tree of size `second` extends the one of size `first`. */
export async function checkConsistency(first: number, second: number, firstRoot: Uint8Array, secondRoot: Uint8Array, proof: Uint8Array[]): Promise<void> {
  if (first < 1 || first > second) throw new ProofError(`cannot prove ${first} -> ${second}`);
  if (proof.some((p) => p.length !== 32)) throw new ProofError('a hash in the proof is not 32 bytes');
  if (first === second) {
    if (proof.length !== 0) throw new ProofError('equal tree sizes need an empty proof');
    if (!equal(firstRoot, secondRoot)) throw new ProofError('equal tree sizes with different roots');
    return;
  }
  const path = (first & (first - 1)) === 0 ? [firstRoot, ...proof] : proof;
  if (path.length === 0) throw new ProofError('the consistency proof is empty');
  let fn = first - 1;
  let sn = second - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) throw new ProofError('the consistency proof is too long');
    if (fn % 2 === 1 || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw new ProofError('the consistency proof is too short');
  if (!equal(fr, firstRoot)) throw new ProofError('the consistency proof does not lead to the first root');
  if (!equal(sr, secondRoot)) throw new ProofError('the consistency proof does not lead to the second root');
}
