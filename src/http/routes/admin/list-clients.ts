import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { listClients } from '../../../services/clients';
import { requireScope } from '../../auth';
import type { AppEnv } from '../../env';
import { AUTH_ERRORS, problemResponses } from '../../schemas';
import { ClientSchema } from './schemas';

const route = createRoute({
  method: 'get',
  path: '/v1/admin/clients',
  tags: ['admin'],
  summary: 'List clients',
  security: [{ bearer: ['admin'] }],
  middleware: [requireScope('admin')] as const,
  responses: {
    200: { description: 'Every client, oldest first.', content: { 'application/json': { schema: z.object({ clients: z.array(ClientSchema) }) } } },
    ...problemResponses(...AUTH_ERRORS),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => c.json({ clients: await listClients(c.var.deps) }, 200));
}
