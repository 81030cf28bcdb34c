import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { ROLES } from '../../../core/auth';
import { createClient } from '../../../services/clients';
import type { AppEnv } from '../../env';
import { plainText } from '../../input';
import { protectedRoute } from '../../route';
import { ClientSchema, JwkSchema } from './schemas';
import { shown } from '../../../core/text';

const route = protectedRoute({
  method: 'post',
  path: '/v1/admin/clients',
  operationId: 'createClient',
  tags: ['admin'],
  summary: 'Admit a client',
  description:
    'Creates a partner, admin, auditor or peer client, optionally with its first public key. The client keeps its private key; the node only ever sees the public half.',
  scope: 'admin',
  body: 'json',
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .object({
              role: z.enum(ROLES, {
                error: (iss) => (iss.input === undefined ? undefined : `role must be one of ${ROLES.join(', ')}, got ${shown(iss.input)}`),
              }),
              name: plainText(200, 'name')
                .trim()
                .min(1, 'name must not be empty')
                .openapi({ description: 'Who the client is (a platform, a person), 1 to 200 characters.' }),
              jwk: JwkSchema.optional(),
              jwksUrl: z.string().max(2000).optional().openapi({
                description:
                  "Peer nodes only, instead of jwk: the URL of the node's JWKS (`https://peer.example.org/.well-known/jwks.json`). Its keys are fetched from there, again for a kid not seen before, so its key rotations need no admin here.",
              }),
            })
            .openapi('CreateClient'),
        },
      },
    },
  },
  responses: {
    201: { description: 'The client.', content: { 'application/json': { schema: ClientSchema } } },
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => c.json(await createClient(c.var.deps, c.var.principal.clientId, c.req.valid('json')), 201));
}
