/**
 * An audit log with a gap in its sequence (a deleted row, or a forged row stored past the end):
 * integration stops at the gap in bounded work, having signed the entries before it; a tree-head
 * request answers at once with 500 `audit_log_broken` naming the missing entry; /health says the
 * node is degraded; the timer logs the failure once and its end once. A real node's database.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { verifyConsistency } from '../../src/core/merkle';
import { IntegrationTimer } from '../../src/services/audit-log';
import { json, makeTestApp, recordingLogger, type TestApp } from '../support/app';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const sha = (i: number) => i.toString(16).padStart(64, 'c');

/**
 * The repair docs/decisions.md gives ("Repairing a gap in the audit log"), statement for statement:
 * the forged rows deleted, the rows after the last entry in sequence (`g`) numbered on from it in
 * their order (moved out of the way first, so no two rows ever share a seq), the AUTOINCREMENT
 * counter set back to the last seq. One transaction.
 */
const repairStatements = (g: number, forged: number[]) => [
  `DELETE FROM audit_log WHERE seq IN (${forged.join(', ')})`,
  `CREATE TEMP TABLE audit_renumber AS SELECT seq AS old, ${g} + row_number() OVER (ORDER BY seq) AS new FROM audit_log WHERE seq > ${g}`,
  `UPDATE audit_log SET seq = -seq WHERE seq > ${g}`,
  'UPDATE audit_log SET seq = (SELECT new FROM audit_renumber WHERE old = -audit_log.seq) WHERE seq < 0',
  'DROP TABLE audit_renumber',
  "UPDATE sqlite_sequence SET seq = (SELECT max(seq) FROM audit_log) WHERE name = 'audit_log'",
];

/** A node with some history, its head signed, and a count of the log's page reads from now on. */
async function nodeWithLog() {
  const node = await makeTestApp();
  t = node;
  const auditor = await node.as('auditor', 'auditor');
  let n = 0;
  const share = async () => {
    const res = await node.request('/v1/hashes', json('POST', { items: [{ type: 'sha256', value: sha(n++), labels: ['manifesto'] }] }));
    expect(res.status).toBe(201);
  };
  for (let i = 0; i < 3; i++) await share();
  const head = async () => {
    const started = Date.now();
    // Not a measure of speed: a request that loops never answers, and this one must.
    const res = await Promise.race([
      node.request('/v1/audit/tree-head?fresh=true', { headers: auditor }),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the tree-head request did not answer within 30 s')), 30_000)),
    ]);
    return { res, ms: Date.now() - started };
  };
  const signed = (await (await head()).res.json()).treeSize as number;
  const log = node.rt.deps.log;
  const reads = { n: 0, ranges: [] as [number, number][] };
  const read = log.auditEntries.bind(log);
  log.auditEntries = (start, end) => {
    reads.n++;
    reads.ranges.push([start, end]);
    return read(start, end);
  };
  const forge = (seq: number) =>
    node.rt.database.client.execute({
      sql: 'insert into audit_log (seq, at, action, actor, entry) values (?, 0, ?, ?, ?)',
      args: [seq, 'hash.retract', 'nobody', '{"forged":true}'],
    });
  const repair = (g: number, forged: number[]) => node.rt.database.client.batch(repairStatements(g, forged), 'write');
  /** The entries from `start` on, as stored (index, action). */
  const stored = async (start: number) =>
    (await read(start, start + 100)).map((e) => ({ index: e.index, action: (JSON.parse(e.entry) as { action: string }).action, entry: e.entry }));
  return { node, head, share, signed, reads, forge, repair, stored, sql: (q: string) => node.rt.database.client.execute(q) };
}

/** A consistency proof between two heads the node signed, checked here. */
async function expectConsistent(node: TestApp, first: { treeSize: number; rootHash: string }, second: { treeSize: number; rootHash: string }) {
  const b64 = (x: string) => new Uint8Array(Buffer.from(x, 'base64'));
  const res = await node.request(`/v1/audit/proof/consistency?first=${first.treeSize}&second=${second.treeSize}`, {
    headers: await node.as('auditor', 'auditor'),
  });
  expect(res.status).toBe(200);
  const p = await res.json();
  expect(verifyConsistency(first.treeSize, second.treeSize, b64(first.rootHash), b64(second.rootHash), p.consistencyPath.map(b64))).toBe(true);
}

async function expectBroken(res: Response, treeSize: number) {
  expect(res.status).toBe(500);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const p = await res.json();
  expect(p).toMatchObject({
    type: 'https://media-hash-node.dev/problems/audit-log-broken',
    status: 500,
    code: 'audit_log_broken',
    treeSize,
    missingEntry: treeSize,
  });
  expect(p.detail).toBe(
    `the audit log cannot be extended past its first ${treeSize} entries: entry #${treeSize} is missing or out of order in the node's database (a deleted row, or one stored out of sequence); the latest signed tree head covers ${treeSize} entries and no newer one can be signed until an operator repairs the database`,
  );
}

describe('a gap in the audit log', () => {
  it('a forged row 1000 past the end, then a share: the request answers at once, after one page read, and keeps answering so', async () => {
    const { node, head, share, signed, reads, forge } = await nodeWithLog();
    await forge(signed + 1000);
    await share();
    for (let i = 0; i < 3; i++) {
      const before = reads.n;
      const { res, ms } = await head();
      await expectBroken(res, signed);
      // The request waits up to 30 s: a loop would hit that, bounded work answers well within it.
      expect(ms).toBeLessThan(10_000);
      // One read, not a loop of empty ones: a page the first time, then (known broken) one entry.
      expect(reads.n - before).toBe(1);
      if (i > 0) expect(reads.ranges.at(-1)).toEqual([signed, signed + 1]);
    }
    // Served entries and proofs still answer for the signed head.
    expect((await node.request(`/v1/audit/proof/inclusion?index=0&treeSize=${signed}`, { headers: await node.as('auditor', 'auditor') })).status).toBe(200);
    // /health: still serving (200), degraded, the audit check failing in the node's words.
    const health = await node.request('/health');
    expect(health.status).toBe(200);
    const h = await health.json();
    expect(h.status).toBe('degraded');
    // Public: the code and a generic text, not the log's size (the tree-head request gives that, to auditors).
    expect(h.checks.audit).toEqual({
      ok: false,
      code: 'audit_log_broken',
      problem:
        'the audit log cannot be integrated: an entry is missing or out of order in the database, so no newer tree head is signed until an operator repairs it (GET /v1/audit/tree-head, scope audit:read, names the entry)',
    });
    expect(h.checks.database).toMatchObject({ ok: true });
  });

  it('a gap of 4 after new entries: the entries before it are signed, the request names the first missing one; the documented repair loses nothing', async () => {
    const { node, head, share, signed, forge, repair, stored } = await nodeWithLog();
    await share(); // entry #signed: before the gap
    await forge(signed + 1 + 4); // seqs signed+2 .. signed+4 missing: entry #signed+1 is the first
    await share();
    await expectBroken((await head()).res, signed + 1);
    // The head before the gap was signed, and a request that does not ask for a fresh head gets it
    // while it is younger than TREE_HEAD_INTERVAL_MS (the test's clock stands still).
    const latest = await node.request('/v1/audit/tree-head', { headers: await node.as('auditor', 'auditor') });
    expect(latest.status).toBe(200);
    const before = await latest.json();
    expect(before.treeSize).toBe(signed + 1);
    // Only deleting the forged row leaves the gap (seqs signed+2 .. signed+5 missing).
    const [afterForgery] = await stored(signed + 5);
    expect(afterForgery).toMatchObject({ index: signed + 5, action: 'hash.share' });
    // The documented repair: the forged row deleted, the share after it numbered on from entry #signed.
    await repair(signed + 1, [signed + 5]);
    const repaired = await head();
    expect(repaired.res.status).toBe(200);
    const after = await repaired.res.json();
    expect(after.treeSize).toBe(signed + 2);
    expect(await stored(signed + 1)).toEqual([{ index: signed + 1, action: 'hash.share', entry: afterForgery.entry }]);
    await expectConsistent(node, before, after);
    expect((await (await node.request('/health')).json()).status).toBe('ok');
    // The AUTOINCREMENT counter was set back: the next entry lands right after, and is signed.
    await share();
    const next = await (await head()).res.json();
    expect(next.treeSize).toBe(signed + 3);
    await expectConsistent(node, after, next);
  });

  it('signed entries deleted at the end of the log: the request says the log is broken, not ok', async () => {
    const { head, signed, sql } = await nodeWithLog();
    await sql(`delete from audit_log where seq > ${signed - 2}`);
    const { res } = await head();
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({
      code: 'audit_log_broken',
      treeSize: signed,
      missingEntry: signed - 2,
      detail: `the audit log holds ${signed - 2} entries, fewer than the ${signed} its latest signed tree head covers: entries #${signed - 2} to #${signed - 1} are missing from the node's database (deleted rows); no newer tree head can be signed until an operator repairs the database`,
    });
  });

  it('the timer logs the failure once, not at every interval, and once when it works again', async () => {
    const { node, share, signed, forge, repair } = await nodeWithLog();
    const logger = recordingLogger();
    const { lines } = logger;
    const timer = new IntegrationTimer(node.rt.deps, logger);
    await forge(signed + 2);
    await share();
    for (let i = 0; i < 5; i++) await timer.tick();
    expect(lines).toEqual([
      {
        level: 'error',
        fields: expect.objectContaining({ event: 'audit_integration_failed', code: 'audit_log_broken' }),
        msg: expect.stringMatching(
          new RegExp(`^audit log integration failed: the audit log cannot be extended past its first ${signed} entries: entry #${signed} is missing`),
        ),
      },
    ]);
    // Repaired as documented: the forged row (seq signed+2) gone, the share after it is entry #signed.
    await repair(signed, [signed + 2]);
    await timer.tick();
    await timer.tick();
    expect(lines.slice(1)).toEqual([
      {
        level: 'info',
        fields: { event: 'audit_integration_recovered', treeSize: signed + 1 },
        msg: `audit log integration works again: ${signed + 1} entries signed`,
      },
    ]);
  });
});
