/**
 * What the verifier asks the node, over HTTP with the auditor's access token. Every answer is
 * untrusted: shapes are checked here, meaning (signatures, hashes, proofs) in check.ts.
 */
import type { JWK } from 'jose';
import { HASH_SIZE } from '../../core/merkle';
import { NodeApiError, NodeClient, type NodeClientOptions } from '../../client';
import { isRecord, member } from '../../client/json';

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
    /** The problem's `code` and `detail`, when the node answered with one. */
    readonly problem?: { code?: string; detail?: string },
  ) {
    super(message);
    this.name = 'NodeError';
  }
}

/**
 * Signs in through the typed client (src/client: token with the issuer's audience, retries on 429
 * and 503) and asks only for `audit:read`. A node that cannot be reached fails here, naming its URL
 * and the cause (NodeUnreachableError).
 */
export async function connect(node: string, clientId: string, key: JWK, opts: { onRetry?: NodeClientOptions['onRetry'] } = {}): Promise<NodeApi> {
  const client = new NodeClient({ node, clientId, key, scope: 'audit:read', onRetry: opts.onRetry });
  await client.token();

  /** The node's answer, or a NodeError with its status and problem (what check.ts reports). */
  async function get<T>(path: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (e) {
      if (e instanceof NodeApiError)
        throw new NodeError(`GET ${path}: ${e.status}${e.code ? ` ${e.code}` : ''}${e.problem?.detail ? `: ${e.problem.detail}` : ''}`, e.status, {
          code: e.code,
          detail: e.problem?.detail,
        });
      throw e;
    }
  }

  return {
    url: client.url,
    async jwks() {
      const keys = member(await get('/.well-known/jwks.json', () => client.jwks()), 'keys');
      if (!Array.isArray(keys)) throw new NodeError('the JWKS has no "keys" array');
      return { keys: keys.filter((k): k is JWK => isRecord(k)) };
    },
    async treeHead() {
      const b: unknown = await get('/v1/audit/tree-head?fresh=true', () => client.audit.treeHead({ fresh: true }));
      const [treeSize, rootHash, timestamp, signature] = ['treeSize', 'rootHash', 'timestamp', 'signature'].map((k) => member(b, k));
      if (!isCount(treeSize) || typeof rootHash !== 'string' || !isInteger(timestamp) || typeof signature !== 'string') {
        throw new NodeError('the tree head lacks treeSize, rootHash, timestamp or signature');
      }
      return { treeSize, rootHash, timestamp, signature };
    },
    async entries(start, end) {
      const entries = member(await get(`/v1/audit/entries?start=${start}&end=${end}`, () => client.audit.entries(start, end)), 'entries');
      if (!Array.isArray(entries)) throw new NodeError(`entries ${start}..${end - 1}: no "entries" array`);
      return entries.map((e: unknown) => {
        const index = member(e, 'index');
        const entry = member(e, 'entry');
        if (!isCount(index) || typeof entry !== 'string') throw new NodeError(`entries ${start}..${end - 1}: an item lacks index or entry`);
        return { index, entry };
      });
    },
    async inclusion(index, treeSize) {
      const b: unknown = await get(`/v1/audit/proof/inclusion?index=${index}&treeSize=${treeSize}`, () => client.audit.inclusion(index, treeSize));
      const leafHash = member(b, 'leafHash');
      const auditPath = member(b, 'auditPath');
      if (typeof leafHash !== 'string' || !isStrings(auditPath)) throw new NodeError(`inclusion proof for #${index}: lacks leafHash or auditPath`);
      return { leafHash, auditPath };
    },
    async consistency(first, second) {
      const consistencyPath = member(
        await get(`/v1/audit/proof/consistency?first=${first}&second=${second}`, () => client.audit.consistency(first, second)),
        'consistencyPath',
      );
      if (!isStrings(consistencyPath)) throw new NodeError(`consistency proof ${first} -> ${second}: lacks consistencyPath`);
      return { consistencyPath };
    },
  };
}

const isInteger = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const isCount = (v: unknown): v is number => isInteger(v) && v >= 0;
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/** A base64 SHA-256 from the node, strictly: 32 bytes, canonical standard base64. */
export function decodeHash(b64: string, what: string): Uint8Array {
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.length !== HASH_SIZE || bytes.toString('base64') !== b64)
    throw new NodeError(`${what} is not a base64 SHA-256 hash: ${JSON.stringify(b64.slice(0, 60))}`);
  return new Uint8Array(bytes);
}
