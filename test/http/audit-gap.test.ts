/**
 * An audit log with a gap in its sequence (a deleted row, or a forged row stored past the end):
 * integration stops at the gap in bounded work, having signed the entries before it; a tree-head
 * request answers at once with 500 `audit_log_broken` naming the missing entry; /health says the
 * node is degraded; the timer logs the failure once and its end once. A real node's database.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { IntegrationTimer } from '../../src/services/audit-log';
import { json, makeTestApp, recordingLogger, type TestApp } from '../support/app';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const sha = (i: number) => i.toString(16).padStart(64, 'c');

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
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the tree-head request did not answer within 10 s')), 10_000)),
    ]);
    return { res, ms: Date.now() - started };
  };
  const signed = (await (await head()).res.json()).treeSize as number;
  const log = node.rt.deps.log;
  const reads = { n: 0 };
  const read = log.auditEntries.bind(log);
  log.auditEntries = (start, end) => {
    reads.n++;
    return read(start, end);
  };
  const forge = (seq: number) =>
    node.rt.database.client.execute({
      sql: 'insert into audit_log (seq, at, action, actor, entry) values (?, 0, ?, ?, ?)',
      args: [seq, 'hash.retract', 'nobody', '{"forged":true}'],
    });
  return { node, head, share, signed, reads, forge, sql: (q: string) => node.rt.database.client.execute(q) };
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
      expect(ms).toBeLessThan(10_000);
      // One page read, not a loop of empty ones.
      expect(reads.n - before).toBe(1);
    }
    // Served entries and proofs still answer for the signed head.
    expect((await node.request(`/v1/audit/proof/inclusion?index=0&treeSize=${signed}`, { headers: await node.as('auditor', 'auditor') })).status).toBe(200);
    // /health: still serving (200), degraded, the audit check failing in the node's words.
    const health = await node.request('/health');
    expect(health.status).toBe(200);
    const h = await health.json();
    expect(h.status).toBe('degraded');
    expect(h.checks.audit).toMatchObject({ ok: false, code: 'audit_log_broken', problem: expect.stringMatching(/^the audit log cannot be extended past/) });
    expect(h.checks.database).toMatchObject({ ok: true });
  });

  it('a gap of 4 after new entries: the entries before it are signed, the request names the first missing one', async () => {
    const { node, head, share, signed, forge, sql } = await nodeWithLog();
    await share(); // entry #signed: before the gap
    await forge(signed + 1 + 4); // seqs signed+2 .. signed+4 missing: entry #signed+1 is the first
    await share();
    await expectBroken((await head()).res, signed + 1);
    // The head before the gap was signed, and a request that does not ask for a fresh head gets it
    // while it is younger than TREE_HEAD_INTERVAL_MS (the test's clock stands still).
    const latest = await node.request('/v1/audit/tree-head', { headers: await node.as('auditor', 'auditor') });
    expect(latest.status).toBe(200);
    expect((await latest.json()).treeSize).toBe(signed + 1);
    // Repaired (the rows past the gap removed): integration works again and /health says ok.
    await sql(`delete from audit_log where seq > ${signed + 1}`);
    const repaired = await head();
    expect(repaired.res.status).toBe(200);
    expect((await repaired.res.json()).treeSize).toBe(signed + 1);
    expect((await (await node.request('/health')).json()).status).toBe('ok');
  });

  it('the timer logs the failure once, not at every interval, and once when it works again', async () => {
    const { node, share, signed, forge, sql } = await nodeWithLog();
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
    await sql(`delete from audit_log where seq > ${signed}`);
    await timer.tick();
    await timer.tick();
    expect(lines.slice(1)).toEqual([
      { level: 'info', fields: { event: 'audit_integration_recovered', treeSize: signed }, msg: `audit log integration works again: ${signed} entries signed` },
    ]);
  });
});
