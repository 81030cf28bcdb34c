import type { OpenAPIHono } from '@hono/zod-openapi';
import { getClient } from '../../../services/clients';
import type { AppEnv } from '../../env';
import { protectedRoute } from '../../route';
import { problemResponses } from '../../schemas';
import { ClientIdParams, ClientSchema } from './schemas';

const route = protectedRoute({
  method: 'get',
  path: '/v1/admin/clients/{id}',
  operationId: 'getClient',
  tags: ['admin'],
  summary: 'Get a client',
  scope: 'admin',
  body: 'none',
  request: { params: ClientIdParams },
  responses: {
    200: { description: 'The client and its keys.', content: { 'application/json': { schema: ClientSchema } } },
    ...problemResponses(404),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => c.json(await getClient(c.var.deps, c.req.valid('param').id), 200));
}
