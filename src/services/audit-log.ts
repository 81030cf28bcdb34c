/**
 * The audit log as a Merkle tree (DESIGN §7, RFC 9162). Entries are appended by every mutation in
 * the same batch as the change. Integration runs after: it hashes the new entries into the tree from
 * the frontier of complete subtrees (O(log n) per entry), stores the new subtree hashes and a signed
 * tree head together. Proofs read only stored subtree hashes.
 */
import { CompactSign } from 'jose';
import { DomainError, messageOf } from '../core/errors';
import { bytesToHex, hexToBytes } from '../core/hex';
import { inSlices } from '../core/slices';
import {
  appendLeaf,
  assembleConsistencyProof,
  assembleFrontier,
  assembleInclusionProof,
  consistencyProofKeys,
  EMPTY_FRONTIER,
  emptyRoot,
  inclusionProofKeys,
  leafHash,
  rootFromFrontier,
  rootKeys,
  type Frontier,
  type SubtreeKey,
} from '../core/merkle';
import { hexToBase64, treeHeadPayload, type TreeHead } from '../core/audit';
import type { Ledger, LogStore, MerkleNodeRow, TreeHeadRow } from '../storage/types';
import type { Keyring } from './keyring';
import { errorFields, type Logger } from './observe';
import { NODE_ALG } from './keyring';

export interface AuditDeps {
  log: LogStore;
  ledger: Ledger;
  keyring: Keyring;
  now: () => number;
  /** The app's one integration at a time. */
  integration: IntegrationGate;
  /** Between slices of a page's hashing (ServiceDeps.pause). */
  pause?: () => Promise<void>;
}

export interface SignedTreeHead extends TreeHead {
  /** Compact JWS (EdDSA) over the canonical JSON of {treeSize, rootHash, timestamp}; `kid` in the JWKS. */
  signature: string;
}

/** Entries integrated per read (one tree head and one commit each); hashed SLICE at a time between pauses. */
const PAGE = 500;
const SLICE = 100;
const te = new TextEncoder();

/** One integration at a time: a second caller waits for the first's result. One per app, in its deps. */
export class IntegrationGate {
  private running: Promise<SignedTreeHead> | null = null;
  /** While integration stops at a missing entry, why (/health shows it); cleared when an integration reaches the log's end. */
  broken: DomainError | null = null;

  run(start: () => Promise<SignedTreeHead>): Promise<SignedTreeHead> {
    if (this.running) return this.running;
    const p = start()
      .then(
        (head) => {
          this.broken = null;
          return head;
        },
        (e: unknown) => {
          if (e instanceof DomainError && e.code === 'audit_log_broken') this.broken = e;
          throw e;
        },
      )
      .finally(() => {
        if (this.running === p) this.running = null;
      });
    this.running = p;
    return p;
  }
}

export function integrate(deps: AuditDeps): Promise<SignedTreeHead> {
  return deps.integration.run(() => doIntegrate(deps));
}

/**
 * Integration on the entry point's timer. A failure is logged once per distinct reason, and once
 * when integration works again: a log that stays broken would otherwise say the same every interval.
 */
export class IntegrationTimer {
  private failing: string | null = null;

  constructor(
    private readonly deps: AuditDeps,
    private readonly logger: Logger,
  ) {}

  /** One integration; never throws. `quiet`: a failure is not logged (the node is stopping, its database closing). */
  async tick(quiet: () => boolean = () => false): Promise<void> {
    try {
      const head = await integrate(this.deps);
      if (this.failing === null) return;
      this.failing = null;
      this.logger.info({ event: 'audit_integration_recovered', treeSize: head.treeSize }, `audit log integration works again: ${head.treeSize} entries signed`);
    } catch (e) {
      const reason = messageOf(e);
      if (quiet() || reason === this.failing) return;
      this.failing = reason;
      const code = e instanceof DomainError ? e.code : undefined;
      const first = reason.split('\n')[0].slice(0, 500);
      this.logger.error({ event: 'audit_integration_failed', ...(code ? { code } : {}), error: errorFields(e) }, `audit log integration failed: ${first}`);
    }
  }
}

async function loadFrontier(deps: AuditDeps, size: number): Promise<Frontier> {
  if (size === 0) return EMPTY_FRONTIER;
  const hashes = await deps.log.nodes(rootKeys(size));
  return assembleFrontier(size, hashes.map(storedHash));
}

async function doIntegrate(deps: AuditDeps): Promise<SignedTreeHead> {
  const head = await deps.log.latestHead();
  let size = head?.treeSize ?? 0;
  const total = await deps.log.auditSize();
  if (head && size === total) return view(head);
  // Rows the latest head signed are gone from the end of the log (max(seq) fell below its size).
  if (total < size) throw logShort(size, total);
  // Still broken since the last run, most likely: one entry read says so, not a whole page.
  if (deps.integration.broken) {
    const [next] = await deps.log.auditEntries(size, size + 1);
    if (next?.index !== size) throw logBroken(size);
  }
  let frontier = await loadFrontier(deps, size);
  for (;;) {
    const end = Math.min(total, size + PAGE);
    const entries = await deps.log.auditEntries(size, end);
    // Only the entries that run on from the tree without a gap can be leaves. `total` is the
    // largest seq, so a missing row (deleted, or one stored far past the end) leaves a page short:
    // every page either moves the tree on by a whole page or ends the integration here.
    let run = 0;
    while (run < entries.length && entries[run].index === size + run) run++;
    const broken = run < end - size || run < entries.length;
    if (broken && run === 0) throw logBroken(size);
    const nodes: MerkleNodeRow[] = [];
    await inSlices(entries.slice(0, run), SLICE, deps.pause, (slice) => {
      for (const e of slice) {
        const r = appendLeaf(frontier, leafHash(te.encode(e.entry)));
        frontier = r.frontier;
        for (const s of r.newSubtrees) nodes.push({ level: s.level, idx: s.index, hash: bytesToHex(s.hash) });
      }
    });
    size = frontier.size;
    const root = bytesToHex(size ? rootFromFrontier(frontier) : emptyRoot());
    const signed = await sign(deps, { treeSize: size, rootHash: hexToBase64(root), timestamp: deps.now() });
    await deps.ledger.appendTree(nodes, { treeSize: size, rootHash: root, timestamp: signed.timestamp, signature: signed.signature });
    // The entries before the gap are signed; the rest wait for an operator.
    if (broken) throw logBroken(size);
    if (size >= total) return signed;
  }
}

/**
 * Entry #size is not where the log holds it: its row was deleted, or a row was stored out of
 * sequence. Nothing after it can be a leaf (the tree would no longer be the log), so the signed
 * head stays at `size` entries until the database is repaired (docs/decisions.md, "Audit log").
 */
function logBroken(size: number): DomainError {
  return new DomainError(
    'audit_log_broken',
    `the audit log cannot be extended past its first ${size} entries: entry #${size} is missing or out of order in the node's database (a deleted row, or one stored out of sequence); the latest signed tree head covers ${size} entries and no newer one can be signed until an operator repairs the database`,
    { extra: { treeSize: size, missingEntry: size } },
  );
}

/** The log ends before the latest signed head does: its last entries were deleted. */
function logShort(size: number, total: number): DomainError {
  return new DomainError(
    'audit_log_broken',
    `the audit log holds ${total} entries, fewer than the ${size} its latest signed tree head covers: entries #${total} to #${size - 1} are missing from the node's database (deleted rows); no newer tree head can be signed until an operator repairs the database`,
    { extra: { treeSize: size, missingEntry: total } },
  );
}

/** A subtree hash as the log stores it (hex); one that is not is a broken database. */
function storedHash(hex: string): Uint8Array {
  const bytes = hexToBytes(hex);
  if (!bytes) throw new Error(`the audit log holds a subtree hash that is not hex: ${hex.slice(0, 16)}`);
  return bytes;
}

async function sign(deps: AuditDeps, head: TreeHead): Promise<SignedTreeHead> {
  const { kid, key } = await deps.keyring.signingKey();
  const signature = await new CompactSign(te.encode(treeHeadPayload(head)))
    .setProtectedHeader({ alg: NODE_ALG, kid, typ: 'tree-head+jws', cty: 'application/json' })
    .sign(key);
  return { ...head, signature };
}

function view(r: TreeHeadRow): SignedTreeHead {
  return { treeSize: r.treeSize, rootHash: hexToBase64(r.rootHash), timestamp: r.timestamp, signature: r.signature };
}

/** The latest signed head; integrates first when entries arrived and the head is older than `maxAgeMs` (0: always). */
export async function currentTreeHead(deps: AuditDeps, maxAgeMs: number): Promise<SignedTreeHead> {
  const head = await deps.log.latestHead();
  if (head && deps.now() - head.timestamp < maxAgeMs) return view(head);
  return integrate(deps);
}

async function integratedSize(deps: AuditDeps): Promise<number> {
  return (await deps.log.latestHead())?.treeSize ?? 0;
}

function checkSize(name: string, v: number, min: number, max: number, hint: string): void {
  if (!Number.isSafeInteger(v) || v < min || v > max) {
    throw new DomainError('invalid_request', `${name} must be an integer from ${min} to ${max} (${hint})`, {
      errors: [{ path: name, message: `out of range: ${v}` }],
    });
  }
}

async function read(deps: AuditDeps, keys: SubtreeKey[]): Promise<Uint8Array[]> {
  return (await deps.log.nodes(keys)).map(storedHash);
}

const b64 = (b: Uint8Array) => hexToBase64(bytesToHex(b));

export async function inclusionProofFor(deps: AuditDeps, index: number, treeSize: number) {
  const n = await integratedSize(deps);
  checkSize('treeSize', treeSize, 1, n, `the latest signed tree head has ${n} entries`);
  checkSize('index', index, 0, treeSize - 1, 'a leaf index below treeSize');
  // The path and the leaf in one read.
  const keys = inclusionProofKeys(index, treeSize);
  const hashes = await read(deps, [...keys, { level: 0, index }]);
  const leaf = hashes[keys.length];
  const proof = assembleInclusionProof(index, treeSize, hashes.slice(0, keys.length));
  return { leafIndex: index, treeSize, leafHash: b64(leaf), auditPath: proof.map(b64) };
}

export async function consistencyProofFor(deps: AuditDeps, first: number, second: number) {
  const n = await integratedSize(deps);
  checkSize('second', second, 1, n, `the latest signed tree head has ${n} entries`);
  checkSize('first', first, 1, second, 'from 1 to second');
  const proof = first === second ? [] : assembleConsistencyProof(first, second, await read(deps, consistencyProofKeys(first, second)));
  return { first, second, consistencyPath: proof.map(b64) };
}

export const MAX_ENTRIES_PAGE = 1000;

/** Entries start <= index < end (start and end checked at the edge: whole numbers, end not below start). */
export async function auditEntriesPage(deps: AuditDeps, start: number, end: number | undefined) {
  const total = await deps.log.auditSize();
  const stop = Math.min(end ?? start + MAX_ENTRIES_PAGE, start + MAX_ENTRIES_PAGE, total);
  const rows = stop > start ? await deps.log.auditEntries(start, stop) : [];
  // `end` is the window read, not start + rows: a missing row (tampering) must not shift the next page.
  return { start, end: Math.max(start, stop), total, entries: rows.map((r) => ({ index: r.index, entry: r.entry })) };
}
