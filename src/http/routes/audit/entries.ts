import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { auditEntriesPage, MAX_ENTRIES_PAGE } from '../../../services/audit-log';
import { requireScope } from '../../auth';
import type { AppEnv } from '../../env';
import { AUTH_ERRORS, problemResponses } from '../../schemas';

const route = createRoute({
  method: 'get',
  path: '/v1/audit/entries',
  tags: ['audit'],
  summary: 'Log entries',
  description: `Entries start <= index < end, at most ${MAX_ENTRIES_PAGE} a page. \`entry\` is the exact leaf input (RFC 8785 canonical JSON): its leaf hash is SHA-256(0x00 || UTF-8 bytes).`,
  security: [{ bearer: ['audit:read'] }],
  middleware: [requireScope('audit:read')] as const,
  request: {
    query: z.object({
      start: z.coerce.number().int().min(0).default(0),
      end: z.coerce.number().int().min(0).optional(),
    }),
  },
  responses: {
    200: {
      description: 'A page of entries.',
      content: {
        'application/json': {
          schema: z.object({ start: z.number().int(), end: z.number().int(), total: z.number().int(), entries: z.array(z.object({ index: z.number().int(), entry: z.string() })) }).openapi('AuditEntries'),
        },
      },
    },
    ...problemResponses(400, ...AUTH_ERRORS),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const q = c.req.valid('query');
    return c.json(await auditEntriesPage(c.var.deps, q.start, q.end), 200);
  });
}
