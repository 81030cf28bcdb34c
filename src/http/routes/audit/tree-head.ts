import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { currentTreeHead } from '../../../services/audit-log';
import type { AppEnv } from '../../env';
import { protectedRoute } from '../../route';
import { problemContent } from '../../schemas';
import { shown } from '../../../core/text';

export const TreeHeadSchema = z
  .object({
    treeSize: z.number().int(),
    rootHash: z.string().openapi({ description: 'Merkle root (RFC 9162), standard base64.' }),
    timestamp: z.number().int().openapi({ description: 'ms since the epoch' }),
    signature: z
      .string()
      .openapi({ description: 'Compact JWS (EdDSA, `kid` in /.well-known/jwks.json) over the RFC 8785 canonical JSON of {treeSize, rootHash, timestamp}.' }),
  })
  .openapi('SignedTreeHead');

const route = protectedRoute({
  method: 'get',
  path: '/v1/audit/tree-head',
  operationId: 'getTreeHead',
  tags: ['audit'],
  summary: 'The latest signed tree head',
  description: 'A new head is made at most every few seconds while entries arrive; `fresh=true` integrates every entry so far first.',
  scope: 'audit:read',
  body: 'none',
  request: {
    query: z.object({
      fresh: z
        .enum(['true', 'false'], { error: (iss) => (iss.input === undefined ? undefined : `fresh must be true or false, got ${shown(iss.input)}`) })
        .optional(),
    }),
  },
  responses: {
    200: { description: 'The head.', content: { 'application/json': { schema: TreeHeadSchema } } },
    500: {
      description:
        "`audit_log_broken`: an entry of the log is missing or out of order in the node's database, so no head covering the entries after it can be signed; `treeSize` is the size of the latest signed head (the entries before the gap), `missingEntry` the index of the entry not found. Retrying does not help: an operator must repair the database.",
      content: problemContent,
    },
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const deps = c.var.deps;
    return c.json(await currentTreeHead(deps, c.req.valid('query').fresh === 'true' ? 0 : deps.treeHeadIntervalMs), 200);
  });
}
