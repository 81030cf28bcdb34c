import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { listClients } from '../../../services/clients';
import type { AppEnv } from '../../env';
import { protectedRoute } from '../../route';
import { ClientSchema } from './schemas';

const route = protectedRoute({
  method: 'get',
  path: '/v1/admin/clients',
  operationId: 'listClients',
  tags: ['admin'],
  summary: 'List clients',
  scope: 'admin',
  body: 'none',
  responses: {
    200: { description: 'Every client, oldest first.', content: { 'application/json': { schema: z.object({ clients: z.array(ClientSchema) }) } } },
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => c.json({ clients: await listClients(c.var.deps) }, 200));
}
