/**
 * The auditor's checks, trusting nothing but the node's JWKS and the auditor's own state:
 *
 * 1. the tree head's JWS verifies with the JWKS key of its kid (EdDSA) and signs exactly the
 *    served {treeSize, rootHash, timestamp};
 * 2. every entry 0..treeSize-1 is served, and their RFC 9162 root is the signed root; if not, the
 *    first entry that differs is found by descending the tree with the node's inclusion proofs;
 * 3. the head extends the one verified last time: not smaller (rollback), not a different root at
 *    the same size (split view), and a valid consistency proof when larger;
 * 4. entries verified last time still have the leaf hashes recorded then (names what a rewrite changed).
 */
import { compactVerify, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import { bytesToHex } from '../../core/hex';
import { assertConsistency, bytesEqual, leafHash, MerkleProofError } from '../../core/merkle';
import { treeHeadPayload } from '../../core/audit';
import { descend } from './descend';
import { LocalTree } from './local-tree';
import { decodeHash, NodeError, PAGE, type NodeApi, type ServedTreeHead } from './node-api';
import { leafPrefixes, PREFIX_BYTES, STATE_VERSION, verifiedPrefix, type AuditorState } from './state';
import { member } from '../../client/json';

export interface FirstBadEntry {
  index: number;
  /**
   * missing: the node does not serve it although its tree counts it (deleted);
   * differs: its text does not hash to the leaf the signed tree holds (changed, inserted, moved);
   * changed: it hashes into the signed tree, but differs from the entry verified before (history rewritten and re-signed);
   * dropped: verified before, no longer in the signed tree (rollback).
   */
  finding: 'missing' | 'differs' | 'changed' | 'dropped';
  action?: string;
  actor?: string;
  time?: string;
  /** Hex prefix of the leaf hash verified in an earlier run, when the entry is not that one any more. */
  verifiedLeafPrefix?: string;
}

export interface Verdict {
  ok: boolean;
  node: string;
  treeHead?: { treeSize: number; rootHash: string; timestamp: number; time: string; kid?: string };
  previous?: { treeSize: number; rootHash: string; timestamp: number; verifiedAt: string };
  problems: string[];
  firstBadEntry?: FirstBadEntry;
  /** Inclusion proofs asked for while looking for the first bad entry (O(log n)). */
  proofRequests: number;
}

/** A finding that ends the check: nothing the node says can be trusted past it. */
class Fatal extends Error {}

const te = new TextEncoder();

/** `onEntries` is told how many entries have been fetched, of how many (for a progress line). */
export async function check(
  api: NodeApi,
  prev: AuditorState | null,
  now: () => Date = () => new Date(),
  onEntries?: (done: number, total: number) => void,
): Promise<{ verdict: Verdict; state?: AuditorState }> {
  // Keys in the order a reader of the JSON verdict wants them.
  const verdict: Verdict = { ok: false, node: api.url, treeHead: undefined, previous: undefined, problems: [], firstBadEntry: undefined, proofRequests: 0 };
  if (prev) verdict.previous = { treeSize: prev.head.treeSize, rootHash: prev.head.rootHash, timestamp: prev.head.timestamp, verifiedAt: prev.verifiedAt };
  let served: ServedTreeHead;
  try {
    served = await api.treeHead();
  } catch (e) {
    // The node says itself that its log is broken (an entry missing or out of order in its
    // database): a finding about the node, not a failure to run the check.
    if (!(e instanceof NodeError && e.problem?.code === 'audit_log_broken')) throw e;
    verdict.problems.push(`the node cannot sign a tree head of its whole log: ${e.problem.detail ?? e.message}`);
    return { verdict };
  }
  verdict.treeHead = { treeSize: served.treeSize, rootHash: served.rootHash, timestamp: served.timestamp, time: iso(served.timestamp) };
  let kid: string;
  let root: Uint8Array;
  try {
    kid = await checkSignature(served, await api.jwks());
    verdict.treeHead.kid = kid;
    root = decodeHash(served.rootHash, 'the signed rootHash');
  } catch (e) {
    if (!(e instanceof Fatal || e instanceof NodeError)) throw e;
    verdict.problems.push(e.message);
    return { verdict };
  }

  const n = served.treeSize;
  const { texts, problems } = await fetchEntries(api, n, onEntries);
  verdict.problems.push(...problems);
  const leaves = texts.map((t) => (t === null ? null : leafHash(te.encode(t))));
  const tree = new LocalTree(leaves);
  const found: FirstBadEntry[] = [];
  const missing = texts.flatMap((t, i) => (t === null ? [i] : []));
  if (missing.length)
    verdict.problems.push(`${missing.length === 1 ? 'an entry is' : `${missing.length} entries are`} missing from the log (deleted): ${list(missing)}`);
  if (missing.length || !bytesEqual(tree.root(), root)) {
    if (!missing.length) verdict.problems.push('the entries do not hash to the signed root');
    const d = await descend(api, tree, n, root);
    verdict.proofRequests = d.requests;
    if ('error' in d) verdict.problems.push(d.error);
    else found.push({ index: d.index, finding: texts[d.index] === null ? 'missing' : 'differs' });
  }

  if (prev) {
    const p = prev.head;
    const when = `the head verified on ${prev.verifiedAt} (size ${p.treeSize}, signed at ${iso(p.timestamp)})`;
    if (n < p.treeSize) {
      verdict.problems.push(`rollback: the node serves an older tree head (size ${n}, signed at ${iso(served.timestamp)}) than ${when}`);
      found.push({ index: n, finding: 'dropped' });
    } else if (n === p.treeSize && served.rootHash !== p.rootHash) {
      verdict.problems.push(`split view: the node signs root ${served.rootHash} for size ${n}, but signed ${p.rootHash} for the same size in ${when}`);
    } else if (n > p.treeSize && p.treeSize > 0) {
      try {
        const proof = await api.consistency(p.treeSize, n);
        assertConsistency(
          p.treeSize,
          n,
          decodeHash(p.rootHash, 'the verified root'),
          root,
          proof.consistencyPath.map((h) => decodeHash(h, 'a consistency proof element')),
        );
      } catch (e) {
        if (!(e instanceof MerkleProofError || e instanceof NodeError)) throw e;
        verdict.problems.push(`the tree head is not consistent with ${when}: ${e.message}`);
      }
    }
    const changed = firstChanged(prev, leaves);
    if (changed !== null) {
      if (!verdict.problems.length) verdict.problems.push(`entry #${changed} is not the one verified before`);
      found.push({ index: changed, finding: 'changed' });
    }
  }

  verdict.ok = verdict.problems.length === 0;
  if (!verdict.ok) {
    verdict.firstBadEntry = found.length ? describe(found.sort((a, b) => a.index - b.index)[0], texts, leaves, prev) : undefined;
    return { verdict };
  }
  const state: AuditorState = {
    version: STATE_VERSION,
    node: api.url,
    verifiedAt: now().toISOString(),
    head: { ...served, kid },
    prefixBytes: PREFIX_BYTES,
    // All present: a missing entry is a problem, and there is none.
    leaves: leafPrefixes(leaves.flatMap((l) => (l ? [l] : []))),
  };
  return { verdict, state };
}

async function checkSignature(head: ServedTreeHead, jwks: { keys: JWK[] }): Promise<string> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(head.signature);
  } catch {
    throw new Fatal('the tree head signature is not a compact JWS');
  }
  if (header.alg !== 'EdDSA') throw new Fatal(`the tree head is signed with alg ${String(header.alg)}; only EdDSA is accepted`);
  if (header.typ !== 'tree-head+jws') throw new Fatal(`the signed object is of type ${String(header.typ)}, not a tree head (tree-head+jws)`);
  const kid = header.kid;
  const jwk = jwks.keys.find((k) => k.kid === kid);
  if (typeof kid !== 'string' || !jwk) throw new Fatal(`the tree head is signed by kid ${String(kid)}, which the node's JWKS does not list`);
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new Fatal(`JWKS key ${kid} is not an Ed25519 public key`);
  let payload: Uint8Array;
  try {
    const key = await importJWK({ kty: 'OKP', crv: 'Ed25519', x: jwk.x }, 'EdDSA');
    ({ payload } = await compactVerify(head.signature, key, { algorithms: ['EdDSA'] }));
  } catch {
    throw new Fatal(`the tree head signature does not verify with JWKS key ${kid}`);
  }
  if (new TextDecoder().decode(payload) !== treeHeadPayload(head)) {
    throw new Fatal('the signature is valid but signs another tree head than the one served (treeSize, rootHash or timestamp differ)');
  }
  return kid;
}

/** Entries 0..n-1 by index, null where the node left one out; pages are asked by fixed windows so a gap cannot shift them. */
async function fetchEntries(
  api: NodeApi,
  n: number,
  onEntries?: (done: number, total: number) => void,
): Promise<{ texts: (string | null)[]; problems: string[] }> {
  const texts: (string | null)[] = new Array(n).fill(null);
  const problems: string[] = [];
  for (let start = 0; start < n; start += PAGE) {
    const end = Math.min(start + PAGE, n);
    for (const e of await api.entries(start, end)) {
      if (e.index < start || e.index >= end) problems.push(`asked for entries ${start}..${end - 1}, the node served #${e.index}`);
      else if (texts[e.index] !== null) problems.push(`the node served entry #${e.index} twice`);
      else texts[e.index] = e.entry;
    }
    onEntries?.(end, n);
  }
  return { texts, problems: problems.slice(0, 5) };
}

function firstChanged(prev: AuditorState, leaves: (Uint8Array | null)[]): number | null {
  const upto = Math.min(prev.head.treeSize, leaves.length);
  for (let i = 0; i < upto; i++) {
    const l = leaves[i];
    if (l && bytesToHex(l.subarray(0, prev.prefixBytes)) !== verifiedPrefix(prev, i)) return i;
  }
  return null;
}

function describe(f: FirstBadEntry, texts: (string | null)[], leaves: (Uint8Array | null)[], prev: AuditorState | null): FirstBadEntry {
  const out = { ...f };
  const text = texts[f.index];
  if (text) {
    try {
      const e: unknown = JSON.parse(text);
      const [action, actor, time] = [member(e, 'action'), member(e, 'actor'), member(e, 'time')];
      if (typeof action === 'string') out.action = action;
      if (typeof actor === 'string') out.actor = actor;
      if (typeof time === 'string') out.time = time;
    } catch {
      // Not JSON: the index still names it.
    }
  }
  const was = prev ? verifiedPrefix(prev, f.index) : null;
  const leaf = leaves[f.index];
  if (prev && was && (!leaf || bytesToHex(leaf.subarray(0, prev.prefixBytes)) !== was)) out.verifiedLeafPrefix = was;
  return out;
}

const iso = (ms: number): string => (Number.isFinite(ms) && Math.abs(ms) < 8.64e15 ? new Date(ms).toISOString() : String(ms));

function list(xs: number[]): string {
  const shown = xs.slice(0, 10).map((i) => `#${i}`);
  return shown.join(', ') + (xs.length > 10 ? ` and ${xs.length - 10} more` : '');
}
