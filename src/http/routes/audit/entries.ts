import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { auditEntriesPage, MAX_ENTRIES_PAGE } from '../../../services/audit-log';
import type { AppEnv } from '../../env';
import { protectedRoute } from '../../route';
import { RangeQuery } from './schemas';

const route = protectedRoute({
  method: 'get',
  path: '/v1/audit/entries',
  operationId: 'listAuditEntries',
  tags: ['audit'],
  summary: 'Log entries',
  description: `Entries start <= index < end, at most ${MAX_ENTRIES_PAGE} a page. \`entry\` is the exact leaf input (RFC 8785 canonical JSON): its leaf hash is SHA-256(0x00 || UTF-8 bytes).`,
  scope: 'audit:read',
  body: 'none',
  request: {
    query: RangeQuery,
  },
  responses: {
    200: {
      description: 'A page of entries.',
      content: {
        'application/json': {
          schema: z
            .object({
              start: z.number().int(),
              end: z.number().int(),
              total: z.number().int(),
              entries: z.array(z.object({ index: z.number().int(), entry: z.string() })),
            })
            .openapi('AuditEntries'),
        },
      },
    },
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const q = c.req.valid('query');
    return c.json(await auditEntriesPage(c.var.deps, q.start, q.end), 200);
  });
}
