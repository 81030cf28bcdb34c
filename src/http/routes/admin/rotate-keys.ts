import { z, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../env';
import { protectedRoute } from '../../route';

const route = protectedRoute({
  method: 'post',
  path: '/v1/admin/keys/rotate',
  operationId: 'rotateNodeKey',
  tags: ['admin'],
  summary: "Rotate the node's signing key",
  description: 'A new key signs from now on. Tokens signed by the previous key stay valid until they expire; then the old key leaves the JWKS.',
  scope: 'admin',
  body: 'none',
  responses: {
    200: {
      description: 'The new current key id and the published keys.',
      content: { 'application/json': { schema: z.object({ kid: z.string(), jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }) }) } },
    },
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const kid = await c.var.deps.keyring.rotate(c.var.principal.clientId);
    return c.json({ kid, jwks: await c.var.deps.keyring.jwks() }, 200);
  });
}
