import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { consistencyProofFor } from '../../../services/audit-log';
import type { AppEnv } from '../../env';
import { wholeNumberParam } from '../../input';
import { protectedRoute } from '../../route';

const route = protectedRoute({
  method: 'get',
  path: '/v1/audit/proof/consistency',
  operationId: 'getConsistencyProof',
  tags: ['audit'],
  summary: 'Consistency proof (RFC 9162 §2.1.4)',
  description: 'Proves the tree of size `second` extends the tree of size `first` without changing it.',
  scope: 'audit:read',
  body: 'none',
  request: {
    query: z.object({ first: wholeNumberParam(1, Number.MAX_SAFE_INTEGER, 'first'), second: wholeNumberParam(1, Number.MAX_SAFE_INTEGER, 'second') }),
  },
  responses: {
    200: {
      description: 'The proof; hashes in standard base64.',
      content: {
        'application/json': {
          schema: z.object({ first: z.number().int(), second: z.number().int(), consistencyPath: z.array(z.string()) }).openapi('ConsistencyProof'),
        },
      },
    },
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const q = c.req.valid('query');
    return c.json(await consistencyProofFor(c.var.deps, q.first, q.second), 200);
  });
}
