import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { ROLES } from '../../../core/auth';
import { createClient } from '../../../services/clients';
import { requireScope } from '../../auth';
import type { AppEnv } from '../../env';
import { AUTH_ERRORS, problemResponses, plainText } from '../../schemas';
import { ClientSchema, JwkSchema } from './schemas';

const route = createRoute({
  method: 'post',
  path: '/v1/admin/clients',
  tags: ['admin'],
  summary: 'Admit a client',
  description: 'Creates a partner, admin, auditor or peer client, optionally with its first public key. The client keeps its private key; the node only ever sees the public half.',
  security: [{ bearer: ['admin'] }],
  middleware: [requireScope('admin')] as const,
  request: {
    body: {
      required: true,
      content: { 'application/json': { schema: z.object({ role: z.enum(ROLES), name: plainText(200, 'name').pipe(z.string().min(1)), jwk: JwkSchema.optional(), jwksUrl: z.string().max(2000).optional().openapi({ description: 'Peer nodes only, instead of jwk: the URL of the node\'s JWKS (`https://peer.example.org/.well-known/jwks.json`). Its keys are fetched from there, again for a kid not seen before, so its key rotations need no admin here.' }) }).openapi('CreateClient') } },
    },
  },
  responses: {
    201: { description: 'The client.', content: { 'application/json': { schema: ClientSchema } } },
    ...problemResponses(400, ...AUTH_ERRORS),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => c.json(await createClient(c.var.deps, c.var.principal.clientId, c.req.valid('json')), 201));
}
