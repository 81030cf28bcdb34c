/**
 * Node entry point: config -> port -> runtime -> app -> serving, until SIGTERM or SIGINT. With
 * INSTANCES > 1 this process forks that many instances behind the one port (runtime/node/server/instances.ts).
 *
 * The port is bound first and answers 503 `not_ready` (with Retry-After) while the database is
 * opened and migrated and the keys are read; then the app serves (and says itself, in /health and
 * the match routes, while the index loads). A start-up failure is one line on stderr and a non-zero
 * exit (2: configuration, 1: the rest). A signal stops the listening, lets the requests in flight
 * finish (at most SHUTDOWN_TIMEOUT_MS), writes the buffered match counts, closes the runtime, logs
 * one line and exits 0. The log is JSON lines on stdout (pino, runtime/node/logger.ts); with
 * METRICS_PORT set, /metrics is served on METRICS_HOST:METRICS_PORT, apart from the API.
 */
import { randomUUID } from 'node:crypto';
import { DomainError } from './core/errors';
import { buildApp } from './http/app';
import { requestIdOf } from './http/observe';
import { problemResponse } from './http/problem';
import { IntegrationTimer } from './services/audit-log';
import { errorFields, type Logger } from './services/observe';
import { ConfigError, redactUrl } from './config';
import { loadConfig, type NodeConfig } from './runtime/node/config';
import { databaseFile, databaseFileProblem } from './runtime/node/database';
import { createNodeRuntime, type NodeRuntime } from './runtime/node/deps';
import { isInstanceOfMany, isPrimaryOfInstances, listen, runInstances, serverTimeouts, stopServer, type Listening } from './runtime/node/server';
import { createNodeLogger } from './runtime/node/logger';
import { clusterMetrics, metricsHandler } from './runtime/node/metrics';

/** The Node adapter hands its request objects in `env` (for connection info); passed on as they are. */
type Fetch = (req: Request, env?: unknown) => Response | Promise<Response>;

let logger: Logger | undefined;

/** Ends the process with one line on stderr (and, once there is a log, a `fatal` line in it). */
function fail(message: string, code = 1): never {
  logger?.fatal({ event: 'fatal', exitCode: code }, message);
  process.stderr.write(`media-hash-node: ${message}\n`);
  process.exit(code);
}

const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0].trim().slice(0, 300);

/** A runtime that could not start, in one line: the database's problems named as such. */
function startError(e: unknown, config: NodeConfig): string {
  const chain: { name?: string; code?: unknown; message?: string }[] = [];
  for (let x = e as { cause?: unknown } | undefined; x && chain.length < 5; x = x.cause as typeof x) chain.push(x as (typeof chain)[number]);
  // Drizzle's own layer ("Failed query: <the SQL>") says only that the database failed; the
  // driver's and the socket's words say how.
  const drizzle = (x: (typeof chain)[number]) => /^Failed query/.test(x.message ?? '');
  const inDatabase = chain.some((x) => drizzle(x) || x.name === 'LibsqlError' || /^SQLITE_/.test(String(x.code)));
  const words: string[] = [];
  for (const x of chain.filter((y) => !drizzle(y))) {
    const line = firstLine(x);
    const coded = typeof x.code === 'string' && !line.includes(x.code) ? `${line} (${x.code})` : line;
    if (!words.some((w) => w.includes(line))) words.push(coded);
  }
  return `${inDatabase ? `cannot open the database (DATABASE_URL=${redactUrl(config.DATABASE_URL)})` : 'cannot start'}: ${words.join(': ')}`;
}

async function main() {
  let config: NodeConfig;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) fail(e.message, 2);
    throw e;
  }
  let log: Logger;
  try {
    log = logger = await createNodeLogger({ level: config.LOG_LEVEL, pretty: config.LOG_FORMAT === 'pretty' });
  } catch (e) {
    fail(firstLine(e), 2);
  }
  if (isPrimaryOfInstances(config.INSTANCES)) {
    const metrics = config.METRICS_PORT === undefined ? undefined : await serveMetrics(config, config.METRICS_PORT, clusterMetrics());
    return runInstances(config.INSTANCES, log, metrics);
  }
  const debug = config.LOG_LEVEL === 'debug';
  const file = databaseFile(config.DATABASE_URL);
  const fileProblem = file && databaseFileProblem(file);
  if (fileProblem) fail(`cannot open the database (DATABASE_URL=${redactUrl(config.DATABASE_URL)}): ${fileProblem}`);

  // The port at once; 503 until the runtime is ready.
  // Logged like the app's requests, under a route of their own (no route is matched yet).
  const starting = (req: Request) => {
    const res = problemResponse(new DomainError('not_ready', 'the node is starting (opening its database); retry in a moment', { extra: { retryAfter: 1 } }));
    const reqId = requestIdOf(req.headers.get('x-request-id') ?? undefined, randomUUID);
    res.headers.set('x-request-id', reqId);
    log.info(
      { event: 'request', reqId, method: req.method, route: '(starting)', status: res.status, durationMs: 0, code: 'not_ready' },
      `${req.method} (starting) ${res.status}`,
    );
    return res;
  };
  let serveRequest: Fetch = starting;
  let server: Listening;
  try {
    // Node's own limits on a stalled header or body, behind the app's (BODY_IDLE_TIMEOUT_MS, BODY_TIMEOUT_MS).
    server = await listen(config, (req, env) => serveRequest(req, env), undefined, serverTimeouts(config));
  } catch (e) {
    fail(firstLine(e));
  }
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  const database = redactUrl(config.DATABASE_URL);
  log.info(
    { event: 'start', url: `http://${config.HOST}:${port}`, database, devAuth: config.DEV_AUTH, instance: process.env.NODE_INSTANCE, node: config.NODE_NAME },
    `media-hash-node listening on http://${config.HOST}:${port}, starting (database ${database}${config.DEV_AUTH ? ', DEV_AUTH on' : ''})`,
  );

  let rt: NodeRuntime | undefined;
  let metricsServer: Listening | undefined;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return; // npm and the terminal may both pass a Ctrl-C on: one shutdown
    stopping = true;
    const started = Date.now();
    const { finished, cutOff } = await stopServer(server, config.SHUTDOWN_TIMEOUT_MS);
    if (metricsServer) await stopServer(metricsServer, 0);
    let counts = 'match counts written';
    try {
      await rt?.deps.matchCounter.flush();
    } catch (e) {
      counts = `match counts NOT written (${firstLine(e)})`;
    }
    try {
      await rt?.close();
    } catch {
      // closing is best effort; the process ends next
    }
    const cut = cutOff ? `, ${cutOff} cut off at SHUTDOWN_TIMEOUT_MS=${config.SHUTDOWN_TIMEOUT_MS}` : '';
    log.info(
      { event: 'stop', signal, durationMs: Date.now() - started, finished, cutOff, countsWritten: counts === 'match counts written' },
      `media-hash-node stopped on ${signal} in ${Date.now() - started} ms: ${finished} request(s) in flight finished${cut}; ${counts}`,
    );
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  const t0 = Date.now();
  try {
    // A database thread that stops on its own leaves a node that can neither read nor write: end
    // the process (a supervisor restarts it) rather than answer 500 for ever.
    rt = await createNodeRuntime(config, { logger: log, onFatal: (e) => fail(`the database connection was lost: ${firstLine(e)}`) });
  } catch (e) {
    if (debug) log.debug({ event: 'start_failed', error: errorFields(e) }, 'start failed');
    fail(startError(e, config));
  }
  void rt.matchHelper?.start();
  // Internal errors and the causes of client errors are logged by the app through rt.deps.logger.
  const app = buildApp(rt.deps);
  if (!stopping) serveRequest = (req, env) => app.fetch(req, env);
  rt.metrics.withProcessMetrics();
  if (isInstanceOfMany()) rt.metrics.answerClusterRequests();
  else if (config.METRICS_PORT !== undefined) metricsServer = await serveMetrics(config, config.METRICS_PORT, rt.metrics);
  log.info({ event: 'ready', durationMs: Date.now() - t0 }, `media-hash-node ready in ${Date.now() - t0} ms; loading the match index`);
  rt.indexLoaded.then(
    (n) => log.info({ event: 'index_ready', hashes: n, durationMs: Date.now() - t0 }, `index ready: ${n} hashes in ${Date.now() - t0} ms`),
    // An index that cannot load would leave the node answering 503 for ever: end the process.
    (e) => stopping || fail(`the match index failed to load: ${firstLine(e)}`),
  );
  // Sign a new tree head every interval while audit entries arrive (a failure logged once per reason).
  if (config.TREE_HEAD_INTERVAL_MS > 0) {
    const timer = new IntegrationTimer(rt.deps, log);
    setInterval(() => void timer.tick(() => stopping), config.TREE_HEAD_INTERVAL_MS).unref();
  }
  // Pull the peers' feeds (each instance may; a batch is applied once whoever pulls it).
  if (config.FEDERATION_PULL) void rt.puller.start();
  // Match counts are written every few seconds, not on each query.
  const counter = rt.deps.matchCounter;
  setInterval(
    () =>
      counter.flush().catch((e) => stopping || log.error({ event: 'match_counts_failed', error: errorFields(e) }, `match counts not written: ${firstLine(e)}`)),
    5000,
  ).unref();
}

/** /metrics on its own address (with the API's server timeouts); a port that cannot be bound ends the start like the API's. */
async function serveMetrics(config: NodeConfig, port: number, source: Parameters<typeof metricsHandler>[0]): Promise<Listening> {
  const host = config.METRICS_HOST;
  let s: Listening;
  try {
    s = await listen({ HOST: host, PORT: port }, metricsHandler(source), { host: 'METRICS_HOST', port: 'METRICS_PORT' }, serverTimeouts(config));
  } catch (e) {
    fail(`metrics: ${firstLine(e)}`);
  }
  const a = s.server.address();
  const url = `http://${host}:${typeof a === 'object' && a ? a.port : port}/metrics`;
  logger?.info({ event: 'metrics_listening', url }, `metrics at ${url}`);
  return s;
}

main().catch((e) => fail(`cannot start: ${firstLine(e)}`));
