/**
 * What the verifier asks the node, over HTTP with the auditor's access token. Every answer is
 * untrusted: shapes are checked here, meaning (signatures, hashes, proofs) in check.ts.
 */
import type { JWK } from 'jose';
import { HASH_SIZE } from '../../core/merkle';
import { requestToken } from '../oauth';

export interface ServedTreeHead {
  treeSize: number;
  rootHash: string;
  timestamp: number;
  signature: string;
}

export interface ServedEntry {
  index: number;
  entry: string;
}

export interface NodeApi {
  readonly url: string;
  jwks(): Promise<{ keys: JWK[] }>;
  treeHead(): Promise<ServedTreeHead>;
  /** Entries start <= index < end, as served (the node may leave some out). At most PAGE apart. */
  entries(start: number, end: number): Promise<ServedEntry[]>;
  inclusion(index: number, treeSize: number): Promise<{ leafHash: string; auditPath: string[] }>;
  consistency(first: number, second: number): Promise<{ consistencyPath: string[] }>;
}

/** The node serves at most this many entries a request. */
export const PAGE = 1000;

/** A request the node answered with an error status, or with a body of the wrong shape. */
export class NodeError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'NodeError';
  }
}

export async function connect(node: string, clientId: string, key: JWK): Promise<NodeApi> {
  const base = node.replace(/\/+$/, '');
  const { access_token } = await requestToken(base, clientId, key, 'audit:read');

  async function get(path: string, auth = true): Promise<unknown> {
    const res = await fetch(`${base}${path}`, { headers: auth ? { authorization: `Bearer ${access_token}` } : {} });
    const body: unknown = await res.json().catch(() => undefined);
    if (!res.ok) {
      const p = (body ?? {}) as { code?: string; detail?: string };
      throw new NodeError(`GET ${path}: ${res.status}${p.code ? ` ${p.code}` : ''}${p.detail ? `: ${p.detail}` : ''}`, res.status);
    }
    if (body === undefined) throw new NodeError(`GET ${path}: the answer is not JSON`);
    return body;
  }

  return {
    url: base,
    async jwks() {
      const b = (await get('/.well-known/jwks.json', false)) as { keys?: unknown };
      if (!Array.isArray(b?.keys)) throw new NodeError('the JWKS has no "keys" array');
      return { keys: b.keys.filter((k): k is JWK => !!k && typeof k === 'object') };
    },
    async treeHead() {
      const b = (await get('/v1/audit/tree-head?fresh=true')) as Record<string, unknown>;
      if (!isCount(b?.treeSize) || typeof b.rootHash !== 'string' || !Number.isSafeInteger(b.timestamp) || typeof b.signature !== 'string') {
        throw new NodeError('the tree head lacks treeSize, rootHash, timestamp or signature');
      }
      return { treeSize: b.treeSize, rootHash: b.rootHash, timestamp: b.timestamp as number, signature: b.signature };
    },
    async entries(start, end) {
      const b = (await get(`/v1/audit/entries?start=${start}&end=${end}`)) as { entries?: unknown };
      if (!Array.isArray(b?.entries)) throw new NodeError(`entries ${start}..${end - 1}: no "entries" array`);
      return b.entries.map((e: { index?: unknown; entry?: unknown }) => {
        if (!isCount(e?.index) || typeof e.entry !== 'string') throw new NodeError(`entries ${start}..${end - 1}: an item lacks index or entry`);
        return { index: e.index, entry: e.entry };
      });
    },
    async inclusion(index, treeSize) {
      const b = (await get(`/v1/audit/proof/inclusion?index=${index}&treeSize=${treeSize}`)) as { leafHash?: unknown; auditPath?: unknown };
      if (typeof b?.leafHash !== 'string' || !isStrings(b.auditPath)) throw new NodeError(`inclusion proof for #${index}: lacks leafHash or auditPath`);
      return { leafHash: b.leafHash, auditPath: b.auditPath };
    },
    async consistency(first, second) {
      const b = (await get(`/v1/audit/proof/consistency?first=${first}&second=${second}`)) as { consistencyPath?: unknown };
      if (!isStrings(b?.consistencyPath)) throw new NodeError(`consistency proof ${first} -> ${second}: lacks consistencyPath`);
      return { consistencyPath: b.consistencyPath };
    },
  };
}

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/** A base64 SHA-256 from the node, strictly: 32 bytes, canonical standard base64. */
export function decodeHash(b64: string, what: string): Uint8Array {
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.length !== HASH_SIZE || bytes.toString('base64') !== b64) throw new NodeError(`${what} is not a base64 SHA-256 hash: ${JSON.stringify(b64.slice(0, 60))}`);
  return new Uint8Array(bytes);
}
