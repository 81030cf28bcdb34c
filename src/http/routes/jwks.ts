import { z, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../env';
import { publicRoute } from '../route';

const route = publicRoute({
  method: 'get',
  path: '/.well-known/jwks.json',
  operationId: 'getJwks',
  body: 'none',
  tags: ['auth'],
  summary: "The node's public signing keys",
  description:
    'The current key first, then retired keys until every token they signed has expired. Verify access tokens, tree heads and feed batches with these.',
  responses: {
    200: {
      description: 'A JWK Set.',
      content: {
        'application/json': {
          schema: z
            .object({
              keys: z.array(z.object({ kty: z.string(), crv: z.string(), x: z.string(), kid: z.string(), alg: z.string(), use: z.string() }).passthrough()),
            })
            .openapi('JWKS'),
        },
      },
    },
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => c.json(await c.var.deps.keyring.jwks(), 200, { 'cache-control': 'public, max-age=60' }));
}
