/** POST /v1/admin/clients/{id}/suspend and /reactivate: the same operation with the opposite status. */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { setClientStatus } from '../../../services/clients';
import { requireScope } from '../../auth';
import type { AppEnv } from '../../env';
import { AUTH_ERRORS, problemResponses } from '../../schemas';
import { ClientIdParams, ClientSchema } from './schemas';

const OPERATIONS = [
  {
    action: 'suspend',
    status: 'suspended',
    summary: 'Suspend a client',
    description: "Takes effect on the client's next request: its tokens stop working at once. The last active admin cannot be suspended.",
  },
  { action: 'reactivate', status: 'active', summary: 'Reactivate a client', description: 'The client may get tokens and use them again.' },
] as const;

export function register(app: OpenAPIHono<AppEnv>) {
  for (const op of OPERATIONS) {
    const route = createRoute({
      method: 'post',
      path: `/v1/admin/clients/{id}/${op.action}`,
      tags: ['admin'],
      summary: op.summary,
      description: op.description,
      security: [{ bearer: ['admin'] }],
      middleware: [requireScope('admin')] as const,
      request: { params: ClientIdParams },
      responses: {
        200: { description: 'The client.', content: { 'application/json': { schema: ClientSchema } } },
        ...problemResponses(...AUTH_ERRORS, 404, 409),
      },
    });
    app.openapi(route, async (c) => c.json(await setClientStatus(c.var.deps, c.var.principal.clientId, c.req.valid('param').id, op.status), 200));
  }
}
