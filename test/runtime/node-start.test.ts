/** A restarted node loads every active hash into its index before it says ready, and only those. */
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app';
import { loadConfig } from '../../src/runtime/node/config';
import { createNodeRuntime } from '../../src/runtime/node/deps';
import { ISSUER, json, makeTestApp } from '../support/app';

// Unrelated values (far apart in Hamming distance), so each matches only itself.
const hex = (i: number) => createHash('sha256').update(String(i)).digest('hex');

describe('start-up', () => {
  const closers: (() => void)[] = [];
  afterAll(() => closers.forEach((c) => c()));

  it('rebuilds the index from the database: shared hashes match after a restart, retracted ones do not', async () => {
    const t = await makeTestApp();
    closers.push(() => t.close());
    const items = Array.from({ length: 300 }, (_, i) => ({ type: i % 3 === 0 ? 'sha256' : 'pdq', value: hex(i * 7919 + 1), labels: ['recruitment'] }));
    const shared = await (await t.request('/v1/hashes', json('POST', { items }))).json();
    await t.request(`/v1/hashes/${shared.items[1].id}`, { method: 'DELETE' });
    const token = (await t.as('partner', 'default-partner')).authorization;

    // A second node process on the same database file.
    const config = loadConfig({ DATABASE_URL: `file:${t.dbFile}`, PUBLIC_URL: ISSUER, NODE_SECRET_FILE: `${t.dir}/node.secret`, NODE_ENV: 'test' });
    const rt = await createNodeRuntime(config, { now: t.clock.now });
    closers.unshift(() => rt.close());
    const app = buildApp(rt.deps);
    expect(await rt.indexLoaded).toBe(299);
    const health = await (await app.request('/health')).json();
    expect(health.checks.index).toMatchObject({ ok: true, hashes: { pdq: 199, sha256: 100 } });
    const res = await app.request(`${ISSUER}/v1/match`, json('POST', { hashes: items.map(({ type, value }) => ({ type, value })) }, { authorization: token }));
    const { results } = await res.json();
    expect(results.filter((r: { matches: unknown[] }) => r.matches.length === 1)).toHaveLength(299);
    expect(results[1].matches).toEqual([]);
  });
});
