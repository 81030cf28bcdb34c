/**
 * The auditor's verifier (npm run verify), run as a subprocess against a real node on 127.0.0.1:
 * it passes on an honest log and keeps its state; then, each on its own copy of the database, the
 * log is tampered with behind the node's back and the verifier must fail naming the entry: a changed
 * entry, a deleted one, two swapped, one inserted in the middle, an older tree head served
 * (rollback), history rewritten and re-signed (split view, inconsistent extension), and a tree head
 * whose signature does not cover what is served.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { serve, type ServerType } from '@hono/node-server';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestToken } from '../../src/cli/oauth';
import { descend } from '../../src/cli/verify/descend';
import { LocalTree } from '../../src/cli/verify/local-tree';
import type { NodeApi } from '../../src/cli/verify/node-api';
import { EMPTY_FRONTIER, MemorySubtreeStore, appendLeaf, inclusionProof, leafHash, rootFromFrontier } from '../../src/core/merkle';
import { buildApp } from '../../src/http/app';
import { loadConfig } from '../../src/runtime/node/config';
import { createNodeRuntime, type NodeRuntime } from '../../src/runtime/node/deps';
import { createClient } from '../../src/services/clients';

const ROOT = resolve(__dirname, '../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');

interface Node {
  rt: NodeRuntime;
  server: ServerType;
  url: string;
  close(): Promise<void>;
}

interface Member {
  id: string;
  jwk: JWK;
  keyFile: string;
}

let work: string;
let auditor: Member;
/** The state file after the verified runs on the honest log (tree size N). */
let verifiedState: string;
/** Tree sizes: M when the older copy was taken, N at the end of the honest activity. */
let M: number;
let N: number;
let entriesAtN: { index: number; entry: string }[];
let firstRun: Run;
let secondRun: Run & { verdict: any };
const running: Node[] = [];

function nodeEnv(dir: string): Record<string, string> {
  return { DATABASE_URL: `file:${join(dir, 'node.db')}`, NODE_SECRET_FILE: join(dir, 'node.secret'), RATE_LIMIT_PER_SECOND: '0' };
}

async function startNode(dir: string): Promise<Node> {
  // The node's public URL (its tokens' audience) is where it listens: bind first, then start with it.
  let app: { fetch: (req: Request) => Response | Promise<Response> } | undefined;
  const server = serve({ fetch: (req) => (app ? app.fetch(req) : new Response(null, { status: 503 })), port: 0, hostname: '127.0.0.1' });
  await new Promise((r) => server.once('listening', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const rt = await createNodeRuntime(loadConfig({ ...nodeEnv(dir), PUBLIC_URL: url }));
  await rt.indexLoaded;
  app = buildApp(rt.deps);
  const node: Node = {
    rt,
    server,
    url,
    async close() {
      await new Promise((r) => server.close(r));
      rt.close();
    },
  };
  running.push(node);
  return node;
}

/** A consistent copy of a live database (VACUUM INTO), with the node's secret beside it. */
async function snapshot(node: Node, from: string, to: string): Promise<void> {
  mkdirSync(to, { recursive: true });
  await node.rt.database.client.execute({ sql: 'VACUUM INTO ?', args: [join(to, 'node.db')] });
  copyFileSync(join(from, 'node.secret'), join(to, 'node.secret'));
}

/** A fresh node on a copy of a snapshot, with a copy of the verified state: each case stands alone. */
async function nodeOnCopyOf(snapshotDir: string, name: string) {
  const dir = join(work, name);
  mkdirSync(dir);
  copyFileSync(join(snapshotDir, 'node.db'), join(dir, 'node.db'));
  copyFileSync(join(snapshotDir, 'node.secret'), join(dir, 'node.secret'));
  const node = await startNode(dir);
  // The copy listens on another port; a state file belongs to a node's URL.
  const state = join(dir, 'audit-state.json');
  const stateText = JSON.stringify({ ...JSON.parse(verifiedState), node: node.url });
  writeFileSync(state, stateText);
  const sql = async (q: string, args: (string | number)[] = []) => void (await node.rt.database.client.execute({ sql: q, args }));
  return { node, state, stateText, sql };
}

async function member(rt: NodeRuntime, role: 'partner' | 'admin' | 'auditor', name: string): Promise<Member> {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { extractable: true });
  const view = await createClient(rt.deps, 'test-setup', { role, name, jwk: await exportJWK(publicKey) });
  const jwk = { ...(await exportJWK(privateKey)), kid: view.keys[0].kid, alg: 'EdDSA' };
  const keyFile = join(work, `${name}.key.json`);
  writeFileSync(keyFile, JSON.stringify(jwk), { mode: 0o600 });
  return { id: view.id, jwk, keyFile };
}

async function api(node: Node, who: Member) {
  const { access_token } = await requestToken(node.url, who.id, who.jwk);
  return async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${node.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${access_token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const out = await res.json();
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(out)}`);
    return out;
  };
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function verify(node: Node, state: string, json = true): Promise<Run & { verdict: any }> {
  const args = [
    join(ROOT, 'src/cli/verify.ts'),
    '--node',
    node.url,
    '--client-id',
    auditor.id,
    '--key',
    auditor.keyFile,
    '--state',
    state,
    ...(json ? ['--json'] : []),
  ];
  let r: Run;
  try {
    const { stdout, stderr } = await promisify(execFile)(TSX, args, { cwd: work, timeout: 60_000 });
    r = { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    r = { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
  return { ...r, verdict: json && r.stdout ? JSON.parse(r.stdout) : undefined };
}

const sha = (i: number) => i.toString(16).padStart(64, 'a');

async function entries(node: Node): Promise<{ index: number; entry: string }[]> {
  const rows = await node.rt.database.client.execute('SELECT seq, entry FROM audit_log ORDER BY seq');
  return rows.rows.map((r) => ({ index: Number(r.seq) - 1, entry: String(r.entry) }));
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'mhn-verify-'));
  const liveDir = join(work, 'live');
  const node = await startNode(liveDir);
  const admin = await member(node.rt, 'admin', 'admin');
  const alice = await member(node.rt, 'partner', 'alice');
  const bob = await member(node.rt, 'partner', 'bob');
  auditor = await member(node.rt, 'auditor', 'auditor');
  const asAlice = await api(node, alice);
  const asBob = await api(node, bob);
  const asAdmin = await api(node, admin);

  // Part one: shares, a second member joining, relabels, feedback.
  const shared = await asAlice('POST', '/v1/hashes', {
    items: Array.from({ length: 12 }, (_, i) => ({ type: 'sha256', value: sha(i), labels: ['glorification'] })),
  });
  const ids: string[] = shared.items.map((x: { id: string }) => x.id);
  await asBob('POST', '/v1/hashes', { items: [0, 1, 2].map((i) => ({ type: 'sha256', value: sha(i), labels: ['recruitment'] })) });
  await asAlice('POST', '/v1/hashes', { items: [3, 4].map((i) => ({ type: 'sha256', value: sha(i), labels: ['glorification', 'recruitment'] })) });
  for (const id of ids.slice(5, 9)) await asBob('POST', `/v1/hashes/${id}/feedback`, { verdict: 'confirm' });
  M = (await entries(node)).length;

  firstRun = await verify(node, join(liveDir, 'audit-state.json'), false);
  expect(firstRun.code, firstRun.stderr + firstRun.stdout).toBe(0);
  await snapshot(node, liveDir, join(work, 'older'));

  // Part two: retractions, a dispute, admin actions, a node key rotation, more shares.
  for (const id of ids.slice(9, 12)) await asAlice('DELETE', `/v1/hashes/${id}`);
  await asBob('POST', `/v1/hashes/${ids[5]}/feedback`, { verdict: 'dispute', reason: 'not terrorist content' });
  await asAdmin('POST', `/v1/admin/clients/${bob.id}/suspend`);
  await asAdmin('POST', `/v1/admin/clients/${bob.id}/reactivate`);
  const { publicKey } = await generateKeyPair('EdDSA');
  const added = await asAdmin('POST', `/v1/admin/clients/${alice.id}/keys`, { jwk: await exportJWK(publicKey) });
  const newKid = added.keys.find((k: { kid: string }) => k.kid !== alice.jwk.kid).kid;
  await asAdmin('DELETE', `/v1/admin/clients/${alice.id}/keys/${newKid}`);
  await asAdmin('POST', '/v1/admin/keys/rotate');
  await asAlice('POST', '/v1/hashes', { items: Array.from({ length: 10 }, (_, i) => ({ type: 'sha256', value: sha(100 + i), labels: ['instruction'] })) });
  entriesAtN = await entries(node);
  N = entriesAtN.length;

  secondRun = await verify(node, join(liveDir, 'audit-state.json'));
  expect(secondRun.code, secondRun.stderr + secondRun.stdout).toBe(0);
  verifiedState = readFileSync(join(liveDir, 'audit-state.json'), 'utf8');
  await snapshot(node, liveDir, join(work, 'honest'));
  await node.close();
  running.length = 0;
}, 120_000);

afterAll(async () => {
  for (const n of running) await n.close().catch(() => {});
  rmSync(work, { recursive: true, force: true });
});

describe('on an honest log', () => {
  it('passes, prints the verdict and writes its state; the next run checks consistency with it', () => {
    expect(M).toBeGreaterThan(20);
    expect(N - M).toBeGreaterThan(15);
    expect(firstRun.stdout).toMatch(new RegExp(`^OK: ${M} entries, root [A-Za-z0-9+/]{43}=, signed by kid [\\w-]+ at 20\\d\\d-.*; first run`));
    const v = secondRun.verdict;
    expect(v).toMatchObject({ ok: true, problems: [], stateWritten: true, treeHead: { treeSize: N }, previous: { treeSize: M } });
    expect(v.proofRequests).toBe(0);
    const state = JSON.parse(verifiedState);
    expect(state.head).toMatchObject({
      treeSize: N,
      rootHash: v.treeHead.rootHash,
      kid: v.treeHead.kid,
      signature: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
    });
    expect(state.leaves).toHaveLength(N * 16);
  });

  it('passes again with nothing new, on a copy of the node', async () => {
    const { node, state } = await nodeOnCopyOf(join(work, 'honest'), 'again');
    const r = await verify(node, state);
    expect(r.code, r.stderr).toBe(0);
    expect(r.verdict).toMatchObject({ ok: true, treeHead: { treeSize: N }, previous: { treeSize: N } });
    // In words: nothing new is said so, not "extends".
    const said = await verify(node, state, false);
    expect(said.code, said.stderr).toBe(0);
    expect(said.stdout).toMatch(
      new RegExp(`^OK: ${N} entries, .*; no new entries since the head verified on 20\\d\\d-[^ ]+ \\(the same ${N} entries\\)\\. State written`),
    );
  });
});

describe('tampering behind the node', () => {
  const seqOf = (index: number) => index + 1;
  /** The index of the nth (0-based) honest entry with this action whose text contains `having`. */
  const indexOf = (action: string, nth = 0, having = '') =>
    entriesAtN.filter((e) => JSON.parse(e.entry).action === action && e.entry.includes(having))[nth].index;

  it('a changed entry: named, with its action and time, and flagged as changed since verified', async () => {
    const k = indexOf('hash.share', 3, 'glorification');
    const { node, state, stateText, sql } = await nodeOnCopyOf(join(work, 'honest'), 'change');
    await sql('UPDATE audit_log SET entry = replace(entry, \'"glorification"\', \'"recruitment"\') WHERE seq = ?', [seqOf(k)]);
    const r = await verify(node, state, false);
    expect(r.code).toBe(1);
    const when = JSON.parse(entriesAtN[k].entry).time;
    expect(r.stdout).toContain(`FAILED: the entries do not hash to the signed root, first bad entry: #${k} (hash.share, ${when}`);
    expect(r.stdout).toMatch(/so it changed since/);
    expect(readFileSync(state, 'utf8')).toBe(stateText);
  });

  it('a deleted entry: named as missing', async () => {
    const k = indexOf('client.suspend');
    const { node, state, sql } = await nodeOnCopyOf(join(work, 'honest'), 'delete');
    await sql('DELETE FROM audit_log WHERE seq = ?', [seqOf(k)]);
    const r = await verify(node, state);
    expect(r.code).toBe(1);
    expect(r.verdict.problems[0]).toBe(`an entry is missing from the log (deleted): #${k}`);
    expect(r.verdict.firstBadEntry).toMatchObject({ index: k, finding: 'missing', verifiedLeafPrefix: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(r.verdict.stateWritten).toBe(false);
  });

  it('two entries swapped: the first of them is named', async () => {
    const [i, j] = [indexOf('hash.feedback'), indexOf('client-key.add')];
    const { node, state, sql } = await nodeOnCopyOf(join(work, 'honest'), 'reorder');
    await sql('UPDATE audit_log SET entry = ? WHERE seq = ?', [entriesAtN[j].entry, seqOf(i)]);
    await sql('UPDATE audit_log SET entry = ? WHERE seq = ?', [entriesAtN[i].entry, seqOf(j)]);
    const r = await verify(node, state);
    expect(r.code).toBe(1);
    expect(r.verdict.problems).toEqual(['the entries do not hash to the signed root']);
    expect(r.verdict.firstBadEntry).toMatchObject({ index: i, finding: 'differs', action: JSON.parse(entriesAtN[j].entry).action });
    // Found by descending the tree, not by asking for every proof.
    expect(r.verdict.proofRequests).toBeLessThanOrEqual(Math.ceil(Math.log2(N)) + 1);
  });

  it('an entry inserted in the middle: named, though the grown tree is consistent with the old head', async () => {
    const k = indexOf('hash.relabel');
    const { node, state, sql } = await nodeOnCopyOf(join(work, 'honest'), 'insert');
    // Make room at seq k+1 without ever holding two rows with one seq.
    await sql('UPDATE audit_log SET seq = -seq WHERE seq >= ?', [seqOf(k)]);
    await sql('UPDATE audit_log SET seq = 1 - seq WHERE seq < 0');
    const forged = JSON.stringify({
      action: 'hash.retract',
      actor: 'nobody',
      content: {},
      subject: { id: 'x', kind: 'hash' },
      time: '2026-01-01T00:00:00.000Z',
      v: 1,
    });
    await sql('INSERT INTO audit_log (seq, at, action, actor, entry) VALUES (?, 0, ?, ?, ?)', [seqOf(k), 'hash.retract', 'nobody', forged]);
    const r = await verify(node, state);
    expect(r.code).toBe(1);
    expect(r.verdict.treeHead.treeSize).toBe(N + 1);
    expect(r.verdict.problems).toEqual(['the entries do not hash to the signed root']);
    expect(r.verdict.firstBadEntry).toMatchObject({ index: k, finding: 'differs', action: 'hash.retract', actor: 'nobody' });
  });

  it('a row forged past the end, then a new entry: the node cannot sign a head past the gap, and the verifier says so', async () => {
    const { node, state, stateText, sql } = await nodeOnCopyOf(join(work, 'honest'), 'gap');
    await sql("INSERT INTO audit_log (seq, at, action, actor, entry) VALUES (?, 0, 'hash.retract', 'nobody', '{}')", [seqOf(N + 4)]);
    await createClient(node.rt.deps, 'test-setup', { role: 'partner', name: 'after the gap' });
    const r = await verify(node, state, false);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain(
      `FAILED: the node cannot sign a tree head of its whole log: the audit log cannot be extended past its first ${N} entries: entry #${N} is missing or out of order`,
    );
    // Asked once: not retried as if the node were busy.
    expect(r.stderr).not.toMatch(/trying again/);
    expect(readFileSync(state, 'utf8')).toBe(stateText);
  });

  it('an older tree head served (the database restored from a backup): rollback', async () => {
    const { node, state } = await nodeOnCopyOf(join(work, 'older'), 'rollback');
    const r = await verify(node, state);
    expect(r.code).toBe(1);
    expect(r.verdict.treeHead.treeSize).toBe(M);
    expect(r.verdict.problems).toHaveLength(1);
    expect(r.verdict.problems[0]).toMatch(new RegExp(`^rollback: the node serves an older tree head \\(size ${M}, .*\\(size ${N},`));
    expect(r.verdict.firstBadEntry).toMatchObject({ index: M, finding: 'dropped' });
  });

  it('history rewritten and the tree re-signed at the same size: split view, the changed entry named', async () => {
    const k = indexOf('hash.share', 0, 'glorification');
    const { node, state, sql } = await nodeOnCopyOf(join(work, 'honest'), 'split');
    await sql("UPDATE audit_log SET entry = replace(entry, 'glorification', 'instruction') WHERE seq = ?", [seqOf(k)]);
    await sql('DELETE FROM merkle_nodes');
    await sql('DELETE FROM tree_heads');
    const r = await verify(node, state);
    expect(r.code).toBe(1);
    expect(r.verdict.treeHead.treeSize).toBe(N);
    expect(r.verdict.problems).toHaveLength(1);
    expect(r.verdict.problems[0]).toMatch(/^split view: the node signs root .* for size \d+, but signed .* for the same size/);
    expect(r.verdict.firstBadEntry).toMatchObject({ index: k, finding: 'changed', action: 'hash.share' });
  });

  it('history rewritten, re-signed and extended: the consistency proof fails', async () => {
    const k = indexOf('client.create', 0, '"partner"');
    const { node, state, sql } = await nodeOnCopyOf(join(work, 'honest'), 'inconsistent');
    await sql('UPDATE audit_log SET entry = replace(entry, \'"partner"\', \'"admin"\') WHERE seq = ?', [seqOf(k)]);
    await sql('DELETE FROM merkle_nodes');
    await sql('DELETE FROM tree_heads');
    await createClient(node.rt.deps, 'test-setup', { role: 'partner', name: 'late' });
    const r = await verify(node, state);
    expect(r.code).toBe(1);
    expect(r.verdict.treeHead.treeSize).toBe(N + 1);
    expect(r.verdict.problems[0]).toMatch(new RegExp(`^the tree head is not consistent with the head verified on .* \\(size ${N},`));
    expect(r.verdict.firstBadEntry).toMatchObject({ index: k, finding: 'changed', action: 'client.create' });
  });

  it('a tree head whose signature covers another head: refused before anything else', async () => {
    const { node, state, sql } = await nodeOnCopyOf(join(work, 'honest'), 'signature');
    await sql('UPDATE tree_heads SET timestamp = timestamp + 1 WHERE tree_size = ?', [N]);
    const r = await verify(node, state);
    expect(r.code).toBe(1);
    expect(r.verdict.problems).toEqual(['the signature is valid but signs another tree head than the one served (treeSize, rootHash or timestamp differ)']);
    expect(r.verdict.firstBadEntry).toBeUndefined();
  });

  it('a state file of another node is refused; bad arguments exit 2', async () => {
    const { node, state } = await nodeOnCopyOf(join(work, 'honest'), 'other-node');
    writeFileSync(state, JSON.stringify({ ...JSON.parse(verifiedState), node: 'http://elsewhere.invalid' }));
    const r = await verify(node, state);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/holds the state of http:\/\/elsewhere\.invalid/);
    const usage = await promisify(execFile)(TSX, [join(ROOT, 'src/cli/verify.ts'), '--node', node.url], { cwd: work }).catch((e) => e);
    expect(usage.code).toBe(2);
    expect(existsSync(join(work, 'audit-state.json'))).toBe(false);
  });
});

describe('the descent to the first bad entry (in process, against proofs from the core)', () => {
  const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
  const leaf = (i: number, v = 0) => leafHash(new TextEncoder().encode(`entry ${i} v${v}`));

  /** A node holding `n` honest entries: its subtree store, root, and the proof endpoint the descent uses. */
  function honestNode(n: number) {
    const store = new MemorySubtreeStore();
    let f = EMPTY_FRONTIER;
    for (let i = 0; i < n; i++) {
      const r = appendLeaf(f, leaf(i));
      store.put(r.newSubtrees);
      f = r.frontier;
    }
    const api = {
      inclusion: async (index: number, size: number) => ({
        leafHash: b64(store.get(0, index)),
        auditPath: (await inclusionProof(store, index, size)).map(b64),
      }),
    } as unknown as NodeApi;
    return { api, root: rootFromFrontier(f) };
  }

  it('names the leftmost changed or missing leaf for every size to 33 and every position, in at most ceil(log2 n) + 1 proofs', async () => {
    for (const n of [...Array.from({ length: 33 }, (_, i) => i + 1), 63, 64, 65, 255, 256, 257, 1000]) {
      const { api, root } = honestNode(n);
      const positions = n <= 33 ? Array.from({ length: n }, (_, i) => i) : [0, 1, 31, 32, n >> 1, n - 2, n - 1];
      for (const k of positions) {
        for (const kind of ['changed', 'missing', 'two changed'] as const) {
          const leaves: (Uint8Array | null)[] = Array.from({ length: n }, (_, i) => leaf(i));
          leaves[k] = kind === 'missing' ? null : leaf(k, 1);
          if (kind === 'two changed' && k + 3 < n) leaves[k + 3] = leaf(k + 3, 1);
          const d = await descend(api, new LocalTree(leaves), n, root);
          expect(d, `n=${n} k=${k} ${kind}`).toEqual({ index: k, requests: expect.any(Number) });
          expect(d.requests, `n=${n} k=${k}`).toBeLessThanOrEqual(Math.ceil(Math.log2(n)) + 1);
        }
      }
    }
  });

  it('reports a node whose proofs do not lead to its own signed root', async () => {
    const { api } = honestNode(9);
    const leaves = Array.from({ length: 9 }, (_, i) => leaf(i));
    leaves[4] = leaf(4, 1);
    const d = await descend(api, new LocalTree(leaves), 9, leaf(99));
    expect(d).toMatchObject({ error: expect.stringMatching(/inclusion proof for entry #0 .* is not valid/) });
  });
});
