import { z, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../env';
import { publicRoute } from '../route';

const route = publicRoute({
  method: 'get',
  path: '/health',
  operationId: 'getHealth',
  body: 'none',
  tags: ['node'],
  summary: 'Liveness and readiness',
  description: 'Answers 200 when the database is reachable and the match index is loaded, 503 otherwise. No credentials needed.',
  responses: {
    200: { description: 'Ready.', content: { 'application/json': { schema: HealthSchema() } } },
    503: { description: 'Not ready (database unreachable or index still loading).', content: { 'application/json': { schema: HealthSchema() } } },
  },
});

function HealthSchema() {
  return z
    .object({
      status: z.enum(['ok', 'unavailable']),
      node: z.object({ name: z.string(), version: z.string(), runtime: z.string() }),
      checks: z.record(z.string(), z.object({ ok: z.boolean() }).passthrough()),
    })
    .openapi('Health');
}

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const deps = c.var.deps;
    const checks: Record<string, { ok: boolean; [k: string]: unknown }> = {};
    await Promise.all(
      deps.health.map(async (h) => {
        try {
          const r = await h.check();
          checks[h.name] = { ok: r.ok, ...r.detail };
        } catch (e) {
          // The driver's text goes to the log; this endpoint answers anyone.
          c.var.reportInternal(e);
          checks[h.name] = { ok: false, error: `the ${h.name} check failed; see the node's log` };
        }
      }),
    );
    const ok = Object.values(checks).every((x) => x.ok);
    return c.json({ status: ok ? ('ok' as const) : ('unavailable' as const), node: deps.nodeInfo, checks }, ok ? 200 : 503);
  });
}
