/** POST /v1/admin/clients/{id}/suspend and /reactivate: the same operation with the opposite status. */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { setClientStatus } from '../../../services/clients';
import type { AppEnv } from '../../env';
import { protectedRoute } from '../../route';
import { problemResponses } from '../../schemas';
import { ClientIdParams, ClientSchema } from './schemas';

const OPERATIONS = [
  {
    action: 'suspend',
    operationId: 'suspendClient',
    status: 'suspended',
    summary: 'Suspend a client',
    description: "Takes effect on the client's next request: its tokens stop working at once. The last active admin cannot be suspended.",
  },
  {
    action: 'reactivate',
    operationId: 'reactivateClient',
    status: 'active',
    summary: 'Reactivate a client',
    description: 'The client may get tokens and use them again.',
  },
] as const;

export function register(app: OpenAPIHono<AppEnv>) {
  for (const op of OPERATIONS) {
    const route = protectedRoute({
      method: 'post',
      path: `/v1/admin/clients/{id}/${op.action}`,
      operationId: op.operationId,
      tags: ['admin'],
      summary: op.summary,
      description: op.description,
      scope: 'admin',
      body: 'none',
      request: { params: ClientIdParams },
      responses: {
        200: { description: 'The client.', content: { 'application/json': { schema: ClientSchema } } },
        ...problemResponses(404, 409),
      },
    });
    app.openapi(route, async (c) => c.json(await setClientStatus(c.var.deps, c.var.principal.clientId, c.req.valid('param').id, op.status), 200));
  }
}
