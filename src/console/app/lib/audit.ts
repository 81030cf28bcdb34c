/**
 * The auditor's checks, in the browser, trusting nothing but the node's JWKS: the signed tree head's
 * signature; the whole log (every entry downloaded, leaf hashes and the RFC 9162 root recomputed
 * with WebCrypto and compared with the signed root); consistency with the head this browser last
 * verified (kept in localStorage); and, when the root differs, the first entry the signed tree does
 * not vouch for, found by bisection with consistency proofs (log2 n requests).
 */
import { call } from './api';
import { b64ToBytes, bytesToB64, utf8 } from './b64';
import { verifyJws, type Jwk } from './jws';
import { checkConsistency, equal, LeafTree, leafHash, ProofError, rootFromInclusion, type Hash } from './merkle';
import type { AuditEntry, SignedTreeHead } from './types';
import { member } from '../../../client/json';

export const fetchHead = (fresh = true) => call<SignedTreeHead>('GET', '/v1/audit/tree-head', { query: { fresh } });
export const fetchJwks = () => call<{ keys: Jwk[] }>('GET', '/.well-known/jwks.json', { anonymous: true });

/** Throws unless the head's signature verifies against the JWKS and covers exactly the served fields. */
export async function checkHeadSignature(head: SignedTreeHead, jwks: { keys: Jwk[] }): Promise<{ kid: string }> {
  const v = await verifyJws(head.signature, jwks);
  for (const k of ['treeSize', 'rootHash', 'timestamp'] as const) {
    const signed = member(v.payload, k);
    if (signed !== head[k]) throw new Error(`the signature covers ${k} = ${JSON.stringify(signed)}, but the node serves ${JSON.stringify(head[k])}`);
  }
  return { kid: String(v.header.kid) };
}

export interface RememberedHead {
  treeSize: number;
  rootHash: string;
  timestamp: number;
  verifiedAt: number;
}

const memoryKey = (issuer: string) => `media-hash-node-console:verified-head:${issuer}`;

export function rememberedHead(issuer: string): RememberedHead | undefined {
  try {
    const v: unknown = JSON.parse(localStorage.getItem(memoryKey(issuer)) ?? 'null');
    const [treeSize, rootHash, timestamp, verifiedAt] = ['treeSize', 'rootHash', 'timestamp', 'verifiedAt'].map((k) => member(v, k));
    if (
      typeof treeSize !== 'number' ||
      !Number.isSafeInteger(treeSize) ||
      typeof rootHash !== 'string' ||
      typeof timestamp !== 'number' ||
      typeof verifiedAt !== 'number'
    )
      return undefined;
    return { treeSize, rootHash, timestamp, verifiedAt };
  } catch {
    return undefined;
  }
}

const rememberHead = (issuer: string, h: SignedTreeHead) =>
  localStorage.setItem(
    memoryKey(issuer),
    JSON.stringify({ treeSize: h.treeSize, rootHash: h.rootHash, timestamp: h.timestamp, verifiedAt: Date.now() } satisfies RememberedHead),
  );

export const forgetHead = (issuer: string) => localStorage.removeItem(memoryKey(issuer));

const PAGE = 1000;

/** Every entry of [0, size), page by page. */
export async function fetchEntries(size: number, progress?: (done: number) => void): Promise<AuditEntry[]> {
  const out: AuditEntry[] = [];
  for (let start = 0; start < size; ) {
    const page = await call<{ entries: AuditEntry[] }>('GET', '/v1/audit/entries', { query: { start, end: Math.min(size, start + PAGE) } });
    if (page.entries.length === 0) break;
    out.push(...page.entries);
    start = page.entries[page.entries.length - 1].index + 1;
    progress?.(out.length);
  }
  return out;
}

/** Consistency proof from `first` to `second`, checked; throws ProofError (or the node's refusal). */
async function proveConsistency(first: number, second: number, firstRoot: Uint8Array, secondRoot: Uint8Array): Promise<void> {
  const p = await call<{ consistencyPath: string[] }>('GET', '/v1/audit/proof/consistency', { query: { first, second } });
  await checkConsistency(first, second, firstRoot, secondRoot, p.consistencyPath.map(b64ToBytes));
}

export async function proveInclusion(entry: AuditEntry, head: SignedTreeHead): Promise<{ leafHash: string; path: string[] }> {
  const p = await call<{ leafHash: string; auditPath: string[] }>('GET', '/v1/audit/proof/inclusion', {
    query: { index: entry.index, treeSize: head.treeSize },
  });
  const mine = await leafHash(utf8(entry.entry));
  if (bytesToB64(mine) !== p.leafHash) throw new ProofError(`the node's leaf hash for entry #${entry.index} is not the hash of the entry it serves`);
  const root = await rootFromInclusion(mine, entry.index, head.treeSize, p.auditPath.map(b64ToBytes));
  if (!equal(root, b64ToBytes(head.rootHash))) throw new ProofError(`the inclusion proof for entry #${entry.index} does not lead to the signed root`);
  return { leafHash: p.leafHash, path: p.auditPath };
}

export type Phase = 'head' | 'entries' | 'hashing' | 'root' | 'consistency' | 'bisect' | 'done';

export interface Progress {
  phase: Phase;
  done: number;
  total: number;
}

export type Verdict =
  | { ok: true; head: SignedTreeHead; kid: string; entries: number; previous?: RememberedHead; checked: string[] }
  | { ok: false; head?: SignedTreeHead; reason: string; firstBad?: { index: number; entry?: string }; checked: string[] };

/** The whole check. Remembers the head when everything holds. */
export async function verifyLog(issuer: string, onProgress: (p: Progress) => void): Promise<Verdict> {
  const checked: string[] = [];
  onProgress({ phase: 'head', done: 0, total: 1 });
  const [head, jwks] = await Promise.all([fetchHead(true), fetchJwks()]);
  let kid: string;
  try {
    kid = (await checkHeadSignature(head, jwks)).kid;
  } catch (e) {
    return { ok: false, head, reason: `the tree head's signature does not hold: ${e instanceof Error ? e.message : String(e)}`, checked };
  }
  checked.push(`tree head signed by the node's key ${kid}`);
  const signedRoot = b64ToBytes(head.rootHash);
  const previous = rememberedHead(issuer);
  if (previous && previous.treeSize > head.treeSize) {
    return {
      ok: false,
      head,
      reason: `the node's tree head (size ${head.treeSize}) is older than the one this browser verified on ${new Date(previous.verifiedAt).toISOString()} (size ${previous.treeSize}): the log was rolled back`,
      checked,
    };
  }

  const n = head.treeSize;
  onProgress({ phase: 'entries', done: 0, total: n });
  const entries = await fetchEntries(n, (done) => onProgress({ phase: 'entries', done, total: n }));
  const leaves: Hash[] = [];
  for (let i = 0; i < entries.length; i++) {
    if (entries[i].index !== i) {
      return { ok: false, head, reason: `entry #${i} is missing: the node serves #${entries[i].index} in its place`, firstBad: { index: i }, checked };
    }
    leaves.push(await leafHash(utf8(entries[i].entry)));
    if (i % 64 === 0 || i === entries.length - 1) onProgress({ phase: 'hashing', done: i + 1, total: n });
  }
  const tree = new LeafTree(leaves);
  if (entries.length < n) {
    // What the node does serve may still be a good prefix; past it, the first missing entry.
    const bad = await firstBad(tree, entries.length, n, signedRoot, onProgress);
    return {
      ok: false,
      head,
      reason: `the node serves ${entries.length} entries for a signed tree of ${n}`,
      firstBad: bad ?? { index: entries.length },
      checked,
    };
  }
  onProgress({ phase: 'root', done: 0, total: 1 });
  const root = await tree.root(n);
  if (!equal(root, signedRoot)) {
    const bad = await firstBad(tree, n, n, signedRoot, onProgress);
    return {
      ok: false,
      head,
      reason: 'the root recomputed from the entries is not the signed root: the log was changed after it was signed',
      firstBad: bad ? { index: bad.index, entry: entries[bad.index]?.entry } : undefined,
      checked,
    };
  }
  checked.push(`root of ${n} entries recomputed with WebCrypto SHA-256 equals the signed root`);

  if (previous) {
    onProgress({ phase: 'consistency', done: 0, total: 1 });
    const prevRoot = b64ToBytes(previous.rootHash);
    if (previous.treeSize > 0) {
      const mine = await tree.root(previous.treeSize);
      if (!equal(mine, prevRoot)) {
        // The node signed the rewritten history too (a split view): nothing it serves can say where
        // the two histories part, so no entry is named.
        return {
          ok: false,
          head,
          reason: `the first ${previous.treeSize} entries no longer give the root this browser verified on ${new Date(previous.verifiedAt).toISOString()}: history was rewritten and signed again`,
          checked,
        };
      }
      try {
        await proveConsistency(previous.treeSize, n, prevRoot, signedRoot);
      } catch (e) {
        return {
          ok: false,
          head,
          reason: `the node's consistency proof from size ${previous.treeSize} to ${n} does not hold: ${e instanceof Error ? e.message : String(e)}`,
          checked,
        };
      }
      checked.push(
        `consistent with the head of size ${previous.treeSize} verified here on ${new Date(previous.verifiedAt).toISOString()} (recomputed, and the node's consistency proof)`,
      );
    }
  }
  rememberHead(issuer, head);
  onProgress({ phase: 'done', done: 1, total: 1 });
  return { ok: true, head, kid, entries: n, previous, checked };
}

/**
 * The first entry the signed tree (size n, root `signedRoot`) does not vouch for, among the first
 * `have` served: the smallest m whose local prefix root the node cannot prove consistent with the
 * signed root has entry m - 1 as its last, so that entry is the first bad one. Undefined when every served
 * prefix holds (then the first missing entry, #have, is the first bad one).
 */
async function firstBad(
  tree: LeafTree,
  have: number,
  n: number,
  signedRoot: Uint8Array,
  onProgress: (p: Progress) => void,
): Promise<{ index: number } | undefined> {
  const holds = async (m: number): Promise<boolean> => {
    if (m === n) return equal(await tree.root(n), signedRoot);
    try {
      await proveConsistency(m, n, await tree.root(m), signedRoot);
      return true;
    } catch (e) {
      if (e instanceof ProofError) return false;
      throw e;
    }
  };
  let lo = 1;
  let hi = have;
  if (await holds(hi)) return undefined;
  const steps = Math.ceil(Math.log2(Math.max(2, hi)));
  let step = 0;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    onProgress({ phase: 'bisect', done: ++step, total: steps });
    if (await holds(mid)) lo = mid + 1;
    else hi = mid;
  }
  return { index: lo - 1 };
}
