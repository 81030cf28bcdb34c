/**
 * What the request log and the metrics cost each request:
 *
 *   npx tsx src/cli/bench/observe.ts
 *
 * One runtime (a fresh SQLite file, dev authentication), four apps over it: with the node's pino
 * logger (writing to /dev/null, synchronously, as it writes to stdout) and its prom-client metrics,
 * with only one of them, and with neither. Each runs the same one-hash `POST /v1/match` in process
 * (no HTTP parsing, so the share of the cost is the largest it can be), 7 rounds of 2000 taking turns;
 * the median of the CPU time per request (process.cpuUsage: every thread, so the load of other
 * processes on the machine counts little) is printed with the load average.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { buildApp } from '../../http/app';
import { DevAuthenticator } from '../../http/dev-auth';
import { NO_METRICS, SILENT_LOGGER } from '../../services/observe';
import { loadConfig } from '../../runtime/node/config';
import { createNodeRuntime } from '../../runtime/node/deps';
import { createNodeLogger } from '../../runtime/node/logger';

const ROUNDS = 7;
const PER_ROUND = 2000;

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'mhn-bench-observe-'));
  const config = loadConfig({
    DATABASE_URL: `file:${join(dir, 'node.db')}`,
    NODE_SECRET_FILE: join(dir, 'node.secret'),
    NODE_ENV: 'test',
    RATE_LIMIT_PER_SECOND: '0',
  });
  const logger = await createNodeLogger({ level: 'info', destination: pino.destination({ dest: '/dev/null', sync: true }) });
  const rt = await createNodeRuntime(config, { logger, authenticator: new DevAuthenticator() });
  try {
    await rt.indexLoaded;
    const apps = {
      'log + metrics': buildApp(rt.deps),
      'log only': buildApp({ ...rt.deps, metrics: NO_METRICS }),
      'metrics only': buildApp({ ...rt.deps, logger: SILENT_LOGGER }),
      neither: buildApp({ ...rt.deps, logger: SILENT_LOGGER, metrics: NO_METRICS }),
    };
    const body = JSON.stringify({ hashes: [{ type: 'md5', value: '0'.repeat(32) }] });
    const round = async (app: ReturnType<typeof buildApp>, n: number) => {
      const t = process.cpuUsage();
      for (let i = 0; i < n; i++) {
        const res = await app.request('http://node.test/v1/match', {
          method: 'POST',
          headers: { authorization: 'Dev bench partner', 'content-type': 'application/json' },
          body,
        });
        if (res.status !== 200) throw new Error(`POST /v1/match answered ${res.status}`);
      }
      const u = process.cpuUsage(t);
      return (u.user + u.system) / n;
    };
    const times: Record<string, number[]> = Object.fromEntries(Object.keys(apps).map((k) => [k, []]));
    for (const app of Object.values(apps)) await round(app, 500); // warm-up
    for (let r = 0; r < ROUNDS; r++) for (const [k, app] of Object.entries(apps)) times[k].push(await round(app, PER_ROUND));
    const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
    console.log(
      `CPU per one-hash POST /v1/match in process (median of ${ROUNDS} × ${PER_ROUND}; load average ${loadavg()[0].toFixed(1)}, ${new Date().toISOString()}):`,
    );
    for (const [k, v] of Object.entries(times)) console.log(`  ${k.padEnd(14)} ${median(v).toFixed(0)} µs`);
  } finally {
    await rt.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(`bench observe: ${e instanceof Error ? e.message : e}`);
    process.exit(1);
  },
);
