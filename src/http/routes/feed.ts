import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { FEED_DEFAULT_LIMIT, FEED_MAX_LIMIT, readFeed } from '../../services/feed';
import { requireScope } from '../auth';
import type { AppEnv } from '../env';
import { AUTH_ERRORS, HashTypeSchema, HashValueSchema, LabelIdSchema, problemResponses, VideoFrameSchema } from '../schemas';

const route = createRoute({
  method: 'get',
  path: '/v1/hashes',
  tags: ['hashes'],
  summary: 'The delta feed',
  description:
    'Additions, label changes and retractions (tombstones) since the cursor, in commit order. Start without a cursor to read from the beginning; pass back `nextCursor` to continue.',
  security: [{ bearer: ['hashes:read'] }],
  middleware: [requireScope('hashes:read')] as const,
  request: {
    query: z.object({
      cursor: z.string().max(100).optional(),
      limit: z.coerce.number().int().min(1).max(FEED_MAX_LIMIT).default(FEED_DEFAULT_LIMIT).optional(),
    }),
  },
  responses: {
    200: {
      description: 'A page of changes.',
      content: {
        'application/json': {
          schema: z
            .object({
              entries: z.array(
                z.object({
                  kind: z.enum(['add', 'update', 'retract']),
                  at: z.string().openapi({ format: 'date-time' }),
                  hash: z.object({
                    id: z.string(),
                    type: HashTypeSchema,
                    value: HashValueSchema,
                    status: z.enum(['active', 'retracted']),
                    labels: z.array(LabelIdSchema),
                    contributors: z.number().int(),
                    frames: z.array(VideoFrameSchema).optional().openapi({ description: 'vpdq: the frames, in the change that adds (or re-adds) the video.' }),
                  }),
                }),
              ),
              nextCursor: z.string(),
              hasMore: z.boolean(),
            })
            .openapi('FeedPage'),
        },
      },
    },
    ...problemResponses(400, ...AUTH_ERRORS),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const q = c.req.valid('query');
    return c.json(await readFeed(c.var.deps, q.cursor, q.limit ?? FEED_DEFAULT_LIMIT), 200);
  });
}
