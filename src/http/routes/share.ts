import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { shareHashes } from '../../services/sharing';
import type { AppDeps, AppEnv } from '../env';
import { inputLimits, shareRequestSchema } from '../hash-input';
import { protectedRoute } from '../route';
import { HashTypeSchema, HashValueSchema, problemResponses } from '../schemas';

export const ShareResultSchema = z
  .object({
    id: z.string(),
    type: HashTypeSchema,
    value: HashValueSchema,
    created: z.boolean().openapi({ description: 'True when the node did not hold this hash before.' }),
    outcome: z.enum(['created', 'added', 'updated', 'unchanged']).openapi({
      description: 'created: new to the node; added: your contribution joined other members\'; updated: your labels changed; unchanged: you had already shared it so (idempotent).',
    }),
  })
  .openapi('ShareResult');

const route = (deps: AppDeps) =>
  protectedRoute({
    method: 'post',
    path: '/v1/hashes',
    operationId: 'shareHashes',
    tags: ['hashes'],
    summary: 'Share hashes',
    description: 'Shares hashes with labels. Sharing the same type and value again is idempotent; new labels replace your earlier ones. Images, videos, PDFs and texts go to POST /v1/hashes/media. A url item may carry the URL itself (and, to share a whole host or folder, a scope): only its SHA-256 is stored.',
    scope: 'hashes:write',
    body: 'json',
    mediaRoute: '/v1/hashes/media',
    request: {
      body: { required: true, content: { 'application/json': { schema: shareRequestSchema(inputLimits(deps)) } } },
    },
    responses: {
      201: { description: 'One result per item, in order.', content: { 'application/json': { schema: z.object({ items: z.array(ShareResultSchema) }) } } },
      ...problemResponses(422),
    },
  });

export function register(app: OpenAPIHono<AppEnv>, deps: AppDeps) {
  app.openapi(route(deps), async (c) => {
    const items = await shareHashes(c.var.deps, c.var.principal, c.req.valid('json').items);
    return c.json({ items }, 201);
  });
}
