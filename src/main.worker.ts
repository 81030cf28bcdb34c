/** Workers entry point: bindings -> deps -> app, once per isolate. */
import type { ExecutionContext } from '@cloudflare/workers-types';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { buildApp } from './http/app';
import type { AppEnv } from './http/env';
import type { WorkerEnv } from './runtime/worker/config';
import { createWorkerDeps } from './runtime/worker/deps';
import { WORKER_WASM } from './runtime/worker/wasm-modules';

let ready: { env: WorkerEnv; app: Promise<OpenAPIHono<AppEnv>> } | undefined;

async function makeApp(env: WorkerEnv): Promise<OpenAPIHono<AppEnv>> {
  // The image decoders and the hashes' kernels come from the .wasm files uploaded with the script.
  const deps = createWorkerDeps(env, WORKER_WASM);
  // First start of a new database: make the node's signing key.
  await deps.keyring.ensureCurrent();
  // Internal errors and the causes of client errors go to deps.logger (JSON lines through console).
  return buildApp(deps);
}

export default {
  async fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response> {
    if (!ready || ready.env !== env) {
      ready = { env, app: makeApp(env) };
      ready.app.catch(() => (ready = undefined));
    }
    try {
      return (await ready.app).fetch(request, env, ctx);
    } catch (e) {
      console.error(
        JSON.stringify({
          level: 'fatal',
          time: new Date().toISOString(),
          event: 'fatal',
          msg: `cannot start: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`,
        }),
      );
      return new Response(
        JSON.stringify({ type: 'about:blank', title: 'Service Unavailable', status: 503, code: 'not_ready', detail: 'the node cannot start; see its logs' }),
        {
          status: 503,
          headers: { 'content-type': 'application/problem+json' },
        },
      );
    }
  },
};
