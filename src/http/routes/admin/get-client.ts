import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { getClient } from '../../../services/clients';
import { requireScope } from '../../auth';
import type { AppEnv } from '../../env';
import { AUTH_ERRORS, problemResponses } from '../../schemas';
import { ClientIdParams, ClientSchema } from './schemas';

const route = createRoute({
  method: 'get',
  path: '/v1/admin/clients/{id}',
  tags: ['admin'],
  summary: 'Get a client',
  security: [{ bearer: ['admin'] }],
  middleware: [requireScope('admin')] as const,
  request: { params: ClientIdParams },
  responses: {
    200: { description: 'The client and its keys.', content: { 'application/json': { schema: ClientSchema } } },
    ...problemResponses(...AUTH_ERRORS, 404),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => c.json(await getClient(c.var.deps, c.req.valid('param').id), 200));
}
