/** Workers entry point: bindings -> deps -> app, once per isolate. */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { buildApp } from './http/app';
import type { ExecutionContext } from '@cloudflare/workers-types';
import type { AppEnv } from './http/env';
import type { WorkerEnv } from './runtime/worker/config';
import { createWorkerDeps } from './runtime/worker/deps';

let app: OpenAPIHono<AppEnv> | undefined;
let boundTo: WorkerEnv | undefined;

export default {
  async fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response> {
    if (!app || boundTo !== env) {
      app = buildApp(createWorkerDeps(env), { onInternalError: (e) => console.error('internal error:', e) });
      boundTo = env;
    }
    return app.fetch(request, env, ctx);
  },
};
