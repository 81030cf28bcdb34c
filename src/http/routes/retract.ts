import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { retractHash } from '../../services/sharing';
import type { AppEnv } from '../env';
import { protectedRoute } from '../route';
import { HashIdParams, problemResponses } from '../schemas';

const route = protectedRoute({
  method: 'delete',
  path: '/v1/hashes/{id}',
  operationId: 'retractHash',
  tags: ['hashes'],
  summary: 'Retract a hash',
  description:
    'Withdraws your contribution to a hash (admins: every contribution). When no contribution is left the hash stops matching and the feed carries a tombstone; the record is kept, not deleted.',
  scope: ['hashes:write', 'admin'],
  body: 'none',
  request: { params: HashIdParams },
  responses: {
    200: {
      description: 'The hash after the retraction.',
      content: {
        'application/json': {
          schema: z.object({
            id: z.string(),
            status: z.enum(['active', 'retracted']),
            contributors: z.number().int().openapi({ description: 'Contributions still standing.' }),
          }),
        },
      },
    },
    ...problemResponses(404),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => c.json(await retractHash(c.var.deps, c.var.principal, c.req.valid('param').id), 200));
}
