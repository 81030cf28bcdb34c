import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { shareHashes } from '../../services/sharing';
import { requireScope } from '../auth';
import type { AppEnv } from '../env';
import { AUTH_ERRORS, shareDocumentFields, HashTypeSchema, HashValueSchema, LabelIdSchema, plainText, problemResponses, VideoFrameSchema } from '../schemas';

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

const route = createRoute({
  method: 'post',
  path: '/v1/hashes',
  tags: ['hashes'],
  summary: 'Share hashes',
  description: 'Shares up to 1000 hashes with labels. Sharing the same type and value again is idempotent; new labels replace your earlier ones.',
  security: [{ bearer: ['hashes:write'] }],
  middleware: [requireScope('hashes:write')] as const,
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .object({
              items: z.array(
                z.object({
                  type: HashTypeSchema,
                  value: HashValueSchema.optional().openapi({ description: 'The hash (lowercase hex). For vpdq it may be left out: it is computed from the frames.' }),
                  frames: z.array(VideoFrameSchema).optional().openapi({ description: 'vpdq only: the frames (npm run client -- hash VIDEO prints them); frames of quality below 50 take no part in matching.' }),
                  ...shareDocumentFields,
                  labels: z.array(LabelIdSchema).min(1).openapi({ description: 'At least one label from GET /v1/labels.' }),
                  externalId: plainText(200, 'externalId').optional().openapi({ description: 'Your own reference for this item (e.g. a case id).' }),
                  quality: z.number().int().min(0).max(100).optional().openapi({ description: 'PDQ quality if you computed it; below 50 the hash is refused (422).' }),
                }),
              ),
            })
            .openapi('ShareRequest'),
        },
      },
    },
  },
  responses: {
    201: { description: 'One result per item, in order.', content: { 'application/json': { schema: z.object({ items: z.array(ShareResultSchema) }) } } },
    ...problemResponses(400, ...AUTH_ERRORS, 413, 415, 422),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const items = await shareHashes(c.var.deps, c.var.principal, c.req.valid('json').items);
    return c.json({ items }, 201);
  });
}
