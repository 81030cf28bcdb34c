import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { inclusionProofFor } from '../../../services/audit-log';
import { requireScope } from '../../auth';
import type { AppEnv } from '../../env';
import { AUTH_ERRORS, problemResponses } from '../../schemas';

const route = createRoute({
  method: 'get',
  path: '/v1/audit/proof/inclusion',
  tags: ['audit'],
  summary: 'Inclusion proof (RFC 9162 §2.1.3)',
  description: 'The audit path proving entry `index` is in the tree of size `treeSize` (a size some signed head has, or any size up to the latest).',
  security: [{ bearer: ['audit:read'] }],
  middleware: [requireScope('audit:read')] as const,
  request: { query: z.object({ index: z.coerce.number().int().min(0), treeSize: z.coerce.number().int().min(1) }) },
  responses: {
    200: {
      description: 'The proof; hashes in standard base64.',
      content: { 'application/json': { schema: z.object({ leafIndex: z.number().int(), treeSize: z.number().int(), leafHash: z.string(), auditPath: z.array(z.string()) }).openapi('InclusionProof') } },
    },
    ...problemResponses(400, ...AUTH_ERRORS),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const q = c.req.valid('query');
    return c.json(await inclusionProofFor(c.var.deps, q.index, q.treeSize), 200);
  });
}
