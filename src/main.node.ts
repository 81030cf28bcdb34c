/** Node entry point: config -> deps -> app -> HTTP server. */
import { serve } from '@hono/node-server';
import { buildApp } from './http/app';
import { integrate } from './services/audit-log';
import { ConfigError, loadConfig } from './runtime/node/config';
import { createNodeRuntime } from './runtime/node/deps';
import { applyNodeSettings } from './runtime/node/settings';

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(2);
    }
    throw e;
  }
  const rt = await createNodeRuntime(config);
  applyNodeSettings(rt.deps, config);
  void rt.matchHelper?.start();
  const app = buildApp(rt.deps, {
    onInternalError: (err) => console.error('internal error:', err),
    onErrorCause: (err, cause) => console.warn(`${err.code}: ${err.message} (${causeText(cause)})`),
  });
  const started = Date.now();
  rt.indexLoaded.then(
    (n) => console.log(`index ready: ${n} hashes in ${Date.now() - started} ms`),
    (e) => console.error('index failed to load:', e),
  );
  // Sign a new tree head every interval while audit entries arrive.
  if (config.TREE_HEAD_INTERVAL_MS > 0) {
    setInterval(() => integrate(rt.deps).catch((e) => console.error('audit log integration failed:', e)), config.TREE_HEAD_INTERVAL_MS).unref();
  }
  // Match counts are written every few seconds, not on each query.
  setInterval(() => rt.deps.matchCounter.flush().catch((e) => console.error('match counts not written:', e)), 5000).unref();
  const server = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST }, (info) => {
    console.log(`media-hash-node listening on http://${info.address}:${info.port} (database ${config.DATABASE_URL}${config.DEV_AUTH ? ', DEV_AUTH on' : ''})`);
  });
  const stop = () => {
    server.close();
    rt.deps.matchCounter
      .flush()
      .catch(() => {})
      .finally(() => {
        rt.close();
        process.exit(0);
      });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/** A decoder's or library's text about a client's input, on one line. */
function causeText(cause: unknown): string {
  const text = cause instanceof Error ? cause.message : String(cause);
  return text.replace(/\s+/g, ' ').trim().slice(0, 300);
}

main().catch((e) => {
  console.error('failed to start:', e instanceof Error ? e.message : e);
  process.exit(1);
});
