import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { inclusionProofFor } from '../../../services/audit-log';
import type { AppEnv } from '../../env';
import { wholeNumberParam } from '../../input';
import { protectedRoute } from '../../route';

const route = protectedRoute({
  method: 'get',
  path: '/v1/audit/proof/inclusion',
  operationId: 'getInclusionProof',
  tags: ['audit'],
  summary: 'Inclusion proof (RFC 9162 §2.1.3)',
  description: 'The audit path proving entry `index` is in the tree of size `treeSize` (a size some signed head has, or any size up to the latest).',
  scope: 'audit:read',
  body: 'none',
  request: {
    query: z.object({ index: wholeNumberParam(0, Number.MAX_SAFE_INTEGER, 'index'), treeSize: wholeNumberParam(1, Number.MAX_SAFE_INTEGER, 'treeSize') }),
  },
  responses: {
    200: {
      description: 'The proof; hashes in standard base64.',
      content: {
        'application/json': {
          schema: z
            .object({ leafIndex: z.number().int(), treeSize: z.number().int(), leafHash: z.string(), auditPath: z.array(z.string()) })
            .openapi('InclusionProof'),
        },
      },
    },
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const q = c.req.valid('query');
    return c.json(await inclusionProofFor(c.var.deps, q.index, q.treeSize), 200);
  });
}
