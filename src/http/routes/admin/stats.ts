import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { dashboardStats, RECENT_AUDIT, STATS_DAYS } from '../../../services/stats';
import type { AppEnv } from '../../env';
import { protectedRoute } from '../../route';

const count = z.number().int().min(0);

const StatsSchema = z
  .object({
    countedAt: z.string().openapi({ description: 'When the counts were taken (ISO 8601): they are kept for up to a minute.' }),
    byType: z.array(z.object({ type: z.string(), status: z.enum(['active', 'retracted']), count })),
    byLabel: z
      .array(z.object({ label: z.string(), count }))
      .openapi({ description: 'Active hashes carrying each label in a standing contribution, most first.' }),
    byMember: z.array(z.object({ member: z.string().openapi({ description: 'Client id of the contributing member.' }), standing: count, retracted: count })),
    matchesByDay: z
      .array(z.object({ day: z.string().openapi({ example: '2026-12-02' }), queries: count, hashes: count }))
      .openapi({ description: `Match queries per UTC day, the last ${STATS_DAYS} days (days without queries left out).` }),
    auditSize: count,
    recentAudit: z
      .array(z.object({ index: count, at: z.string(), action: z.string(), actor: z.string() }))
      .openapi({ description: `The latest ${RECENT_AUDIT} audit entries, newest first.` }),
  })
  .openapi('DashboardStats');

const route = protectedRoute({
  method: 'get',
  path: '/v1/admin/stats',
  operationId: 'getDashboardStats',
  tags: ['admin'],
  summary: 'Dashboard figures',
  description: "Hashes by type, label and member, match queries per day and the latest audit entries, for the console's dashboard.",
  scope: 'admin',
  body: 'none',
  responses: {
    200: { description: 'The figures.', content: { 'application/json': { schema: StatsSchema } } },
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => c.json(await dashboardStats(c.var.deps), 200));
}
