import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { revokeClientKey } from '../../../services/clients';
import type { AppEnv } from '../../env';
import { protectedRoute } from '../../route';
import { problemResponses } from '../../schemas';
import { ClientSchema } from './schemas';

const route = protectedRoute({
  method: 'delete',
  path: '/v1/admin/clients/{id}/keys/{kid}',
  operationId: 'revokeClientKey',
  tags: ['admin'],
  summary: "Revoke a client's key",
  description: 'Takes effect on the next request: tokens obtained with this key stop working at once.',
  scope: 'admin',
  body: 'none',
  request: { params: z.object({ id: z.string().min(1).max(100), kid: z.string().min(1).max(200) }) },
  responses: {
    200: { description: 'The client with its keys.', content: { 'application/json': { schema: ClientSchema } } },
    ...problemResponses(404),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { id, kid } = c.req.valid('param');
    return c.json(await revokeClientKey(c.var.deps, c.var.principal.clientId, id, kid), 200);
  });
}
