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
  description:
    'Answers 200 when the database is reachable and the match index is loaded, 503 otherwise. `degraded` (still 200) when the node serves but a part of it fails: the audit log cannot be integrated (`checks.audit`). No credentials needed.',
  responses: {
    200: { description: 'Ready (`ok`), or ready with a part failing (`degraded`).', content: { 'application/json': { schema: HealthSchema() } } },
    503: { description: 'Not ready (database unreachable or index still loading).', content: { 'application/json': { schema: HealthSchema() } } },
  },
});

function HealthSchema() {
  return z
    .object({
      status: z.enum(['ok', 'degraded', 'unavailable']),
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
    const ready = deps.health.every((h) => h.degrades || checks[h.name].ok);
    const status = !ready ? ('unavailable' as const) : Object.values(checks).every((x) => x.ok) ? ('ok' as const) : ('degraded' as const);
    return c.json({ status, node: deps.nodeInfo, checks }, ready ? 200 : 503);
  });
}
