/**
 * Crash safety: batches are shared as fast as the node takes them, the node process is killed
 * (SIGKILL) at a random moment, and restarted, twenty times. After each restart every acknowledged
 * hash is there and matches, the change log has no gap and no hash twice, the index holds what the
 * database holds, and the auditor's verifier accepts the log and its consistency with the last run.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { check } from '../../src/cli/verify/check';
import { connect } from '../../src/cli/verify/node-api';
import type { AuditorState } from '../../src/cli/verify/state';
import { openDatabase } from '../../src/runtime/node/database';
import { uniform } from '../../src/core/prng';
import { admit, freePort, startReadyNode, tokenFor } from '../support/node-process';

const ROUNDS = 20;
const BATCH = 50;
const dir = mkdtempSync(join(tmpdir(), 'mhn-crash-'));
const DATABASE_URL = `file:${join(dir, 'node.db')}`;
let node: Awaited<ReturnType<typeof startReadyNode>> | undefined;

afterAll(async () => {
  await node?.stop('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const hex = (i: number) => createHash('sha256').update(`crash ${i}`).digest('hex');

describe('killed mid-stream and restarted, twenty times', () => {
  it('loses nothing that was acknowledged, and the log, the change log and the index stay whole', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const env = { PORT: String(port), DATABASE_URL, PUBLIC_URL: url, NODE_SECRET_FILE: join(dir, 'node.secret'), TREE_HEAD_INTERVAL_MS: '200' };
    node = await startReadyNode({ ...env, DATABASE_CHECKPOINT_PAGES: '64' });
    const partner = await admit(DATABASE_URL, 'partner', 'partner');
    const auditor = await admit(DATABASE_URL, 'auditor', 'auditor');
    const rand = uniform(20261202);
    const acknowledged: string[] = [];
    let next = 0;
    let state: AuditorState | null = null;

    for (let round = 0; round < ROUNDS; round++) {
      const token = await tokenFor(url, url, partner);
      // Two streams of batches, back to back, until the node dies under them.
      let dead = false;
      const stream = async () => {
        while (!dead) {
          const values = Array.from({ length: BATCH }, () => hex(next++));
          try {
            const res = await fetch(`${url}/v1/hashes`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
              body: JSON.stringify({ items: values.map((value) => ({ type: 'sha256', value, labels: ['recruitment'] })) }),
            });
            if (res.status !== 201) throw new Error(`share answered ${res.status}: ${await res.text()}`);
            await res.json();
            acknowledged.push(...values);
          } catch (e) {
            if (!dead) throw e;
          }
        }
      };
      const streams = [stream(), stream()];
      await new Promise((r) => setTimeout(r, 50 + rand() * 400));
      dead = true;
      node.child.kill('SIGKILL');
      await node.exited;
      await Promise.all(streams);
      // Every other round the writer checkpoints every 64 pages (DATABASE_CHECKPOINT_PAGES), so that
      // kills land during and just after checkpoints and WAL restarts too (the default, 65,536 pages,
      // is not reached by this test's writes).
      node = await startReadyNode(round % 2 === 0 ? { ...env, DATABASE_CHECKPOINT_PAGES: '64' } : env);

      // Every acknowledged hash matches.
      const token2 = await tokenFor(url, url, partner);
      for (let k = 0; k < acknowledged.length; k += 1000) {
        const part = acknowledged.slice(k, k + 1000);
        const res = await fetch(`${url}/v1/match`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token2}` },
          body: JSON.stringify({ hashes: part.map((value) => ({ type: 'sha256', value })) }),
        });
        const { results } = await res.json();
        const missing = part.filter((_, i) => results[i].matches.length !== 1);
        expect(missing, `round ${round}: acknowledged hashes missing`).toEqual([]);
      }

      // The change log: 1..n without a gap, each hash added once; the index holds what the database holds.
      const db = await openDatabase(DATABASE_URL);
      try {
        const seqs = await db.client.execute('select count(*) as n, coalesce(min(seq), 1) as lo, coalesce(max(seq), 0) as hi from changes');
        const { n, lo, hi } = seqs.rows[0] as unknown as { n: number; lo: number; hi: number };
        expect([Number(lo), Number(hi)]).toEqual([1, Number(n)]);
        const twice = await db.client.execute("select subject from changes where kind = 'add' group by subject having count(*) > 1");
        expect(twice.rows).toEqual([]);
        const active = Number((await db.client.execute("select count(*) as n from hashes where status = 'active' and type = 'sha256'")).rows[0].n);
        expect(active).toBeGreaterThanOrEqual(acknowledged.length);
        const health = await (await fetch(`${url}/health`)).json();
        expect(health.checks.index.hashes.sha256 ?? 0).toBe(active);
      } finally {
        await db.close();
      }

      // The auditor's verifier: the log as a whole, and consistent with the head it verified last round.
      const { verdict, state: next2 } = await check(await connect(url, auditor.id, auditor.jwk), state);
      expect(verdict.problems, `round ${round}`).toEqual([]);
      expect(verdict.ok).toBe(true);
      state = next2!;
    }
    expect(acknowledged.length).toBeGreaterThan(ROUNDS * BATCH);
  }, 300_000);
});
