/**
 * Node entry point: config -> port -> runtime -> app -> serving, until SIGTERM or SIGINT. With
 * INSTANCES > 1 this process forks that many instances behind the one port (runtime/node/server/instances.ts).
 *
 * The port is bound first and answers 503 `not_ready` (with Retry-After) while the database is
 * opened and migrated and the keys are read; then the app serves (and says itself, in /health and
 * the match routes, while the index loads). A start-up failure is one line on stderr and a non-zero
 * exit (2: configuration, 1: the rest). A signal stops the listening, lets the requests in flight
 * finish (at most SHUTDOWN_TIMEOUT_MS), writes the buffered match counts, closes the runtime, logs
 * one line and exits 0.
 */
import { DomainError } from './core/errors';
import { buildApp } from './http/app';
import { problemResponse } from './http/problem';
import { integrate } from './services/audit-log';
import { ConfigError, redactUrl } from './config';
import { loadConfig, type NodeConfig } from './runtime/node/config';
import { databaseFile, databaseFileProblem } from './runtime/node/database';
import { createNodeRuntime, type NodeRuntime } from './runtime/node/deps';
import { isPrimaryOfInstances, listen, runInstances, stopServer, type Listening } from './runtime/node/server';

/** The Node adapter hands its request objects in `env` (for connection info); passed on as they are. */
type Fetch = (req: Request, env?: unknown) => Response | Promise<Response>;

/** Ends the process with one line on stderr. */
function fail(message: string, code = 1): never {
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
  if (isPrimaryOfInstances(config.INSTANCES)) return runInstances(config.INSTANCES);
  const debug = config.LOG_LEVEL === 'debug';
  const file = databaseFile(config.DATABASE_URL);
  const fileProblem = file && databaseFileProblem(file);
  if (fileProblem) fail(`cannot open the database (DATABASE_URL=${redactUrl(config.DATABASE_URL)}): ${fileProblem}`);

  // The port at once; 503 until the runtime is ready.
  const starting = () => problemResponse(new DomainError('not_ready', 'the node is starting (opening its database); retry in a moment', { extra: { retryAfter: 1 } }));
  let serveRequest: Fetch = starting;
  let server: Listening;
  try {
    server = await listen(config, (req, env) => serveRequest(req, env));
  } catch (e) {
    fail(firstLine(e));
  }
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  console.log(`media-hash-node listening on http://${config.HOST}:${port}, starting (database ${redactUrl(config.DATABASE_URL)}${config.DEV_AUTH ? ', DEV_AUTH on' : ''})`);

  let rt: NodeRuntime | undefined;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return; // npm and the terminal may both pass a Ctrl-C on: one shutdown
    stopping = true;
    const started = Date.now();
    const { finished, cutOff } = await stopServer(server, config.SHUTDOWN_TIMEOUT_MS);
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
    console.log(`media-hash-node stopped on ${signal} in ${Date.now() - started} ms: ${finished} request(s) in flight finished${cut}; ${counts}`);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  const t0 = Date.now();
  try {
    // A database thread that stops on its own leaves a node that can neither read nor write: end
    // the process (a supervisor restarts it) rather than answer 500 for ever.
    rt = await createNodeRuntime(config, { onFatal: (e) => fail(`the database connection was lost: ${firstLine(e)}`) });
  } catch (e) {
    if (debug) console.error(e);
    fail(startError(e, config));
  }
  void rt.matchHelper?.start();
  const app = buildApp(rt.deps, {
    onInternalError: (err) => console.error('internal error:', err),
    onErrorCause: (err, cause) => console.warn(`${err.code}: ${err.message} (${firstLine(cause).replace(/\s+/g, ' ')})`),
  });
  if (!stopping) serveRequest = (req, env) => app.fetch(req, env);
  console.log(`media-hash-node ready in ${Date.now() - t0} ms; loading the match index`);
  rt.indexLoaded.then(
    (n) => console.log(`index ready: ${n} hashes in ${Date.now() - t0} ms`),
    // An index that cannot load would leave the node answering 503 for ever: end the process.
    (e) => stopping || fail(`the match index failed to load: ${firstLine(e)}`),
  );
  // Sign a new tree head every interval while audit entries arrive.
  if (config.TREE_HEAD_INTERVAL_MS > 0) {
    const runtime = rt;
    setInterval(() => integrate(runtime.deps).catch((e) => stopping || console.error(`audit log integration failed: ${firstLine(e)}`)), config.TREE_HEAD_INTERVAL_MS).unref();
  }
  // Match counts are written every few seconds, not on each query.
  const counter = rt.deps.matchCounter;
  setInterval(() => counter.flush().catch((e) => stopping || console.error(`match counts not written: ${firstLine(e)}`)), 5000).unref();
}

main().catch((e) => fail(`cannot start: ${firstLine(e)}`));
