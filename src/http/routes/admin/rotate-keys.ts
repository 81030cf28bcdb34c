import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { requireScope } from '../../auth';
import type { AppEnv } from '../../env';
import { AUTH_ERRORS, problemResponses } from '../../schemas';

const route = createRoute({
  method: 'post',
  path: '/v1/admin/keys/rotate',
  tags: ['admin'],
  summary: "Rotate the node's signing key",
  description: 'A new key signs from now on. Tokens signed by the previous key stay valid until they expire; then the old key leaves the JWKS.',
  security: [{ bearer: ['admin'] }],
  middleware: [requireScope('admin')] as const,
  responses: {
    200: { description: 'The new current key id and the published keys.', content: { 'application/json': { schema: z.object({ kid: z.string(), jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }) }) } } },
    ...problemResponses(...AUTH_ERRORS),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const kid = await c.var.deps.keyring.rotate(c.var.principal.clientId);
    return c.json({ kid, jwks: (await c.var.deps.keyring.jwks()) as { keys: Record<string, unknown>[] } }, 200);
  });
}
