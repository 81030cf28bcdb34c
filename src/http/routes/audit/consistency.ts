import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { consistencyProofFor } from '../../../services/audit-log';
import { requireScope } from '../../auth';
import type { AppEnv } from '../../env';
import { AUTH_ERRORS, problemResponses } from '../../schemas';

const route = createRoute({
  method: 'get',
  path: '/v1/audit/proof/consistency',
  tags: ['audit'],
  summary: 'Consistency proof (RFC 9162 §2.1.4)',
  description: 'Proves the tree of size `second` extends the tree of size `first` without changing it.',
  security: [{ bearer: ['audit:read'] }],
  middleware: [requireScope('audit:read')] as const,
  request: { query: z.object({ first: z.coerce.number().int().min(1), second: z.coerce.number().int().min(1) }) },
  responses: {
    200: {
      description: 'The proof; hashes in standard base64.',
      content: { 'application/json': { schema: z.object({ first: z.number().int(), second: z.number().int(), consistencyPath: z.array(z.string()) }).openapi('ConsistencyProof') } },
    },
    ...problemResponses(400, ...AUTH_ERRORS),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const q = c.req.valid('query');
    return c.json(await consistencyProofFor(c.var.deps, q.first, q.second), 200);
  });
}
