import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { addClientKey } from '../../../services/clients';
import type { AppEnv } from '../../env';
import { protectedRoute } from '../../route';
import { problemResponses } from '../../schemas';
import { ClientIdParams, ClientSchema, JwkSchema } from './schemas';

const route = protectedRoute({
  method: 'post',
  path: '/v1/admin/clients/{id}/keys',
  operationId: 'addClientKey',
  tags: ['admin'],
  summary: "Register a client's public key",
  description: 'Its `kid` is the one given in the JWK, or its RFC 7638 thumbprint.',
  scope: 'admin',
  body: 'json',
  request: { params: ClientIdParams, body: { required: true, content: { 'application/json': { schema: z.object({ jwk: JwkSchema }) } } } },
  responses: {
    201: { description: 'The client with its keys.', content: { 'application/json': { schema: ClientSchema } } },
    ...problemResponses(404, 409),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => c.json(await addClientKey(c.var.deps, c.var.principal.clientId, c.req.valid('param').id, c.req.valid('json').jwk), 201));
}
