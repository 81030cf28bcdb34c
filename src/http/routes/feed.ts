import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { FEED_DEFAULT_LIMIT, FEED_MAX_LIMIT, readFeed } from '../../services/feed';
import type { AppEnv } from '../env';
import { LabelIdSchema, PdfPageSchema, VideoFrameSchema } from '../hash-input';
import { wholeNumberParam } from '../input';
import { protectedRoute } from '../route';
import { HashTypeSchema, HashValueSchema, ItemRefSchema, problemResponses } from '../schemas';

const route = protectedRoute({
  method: 'get',
  path: '/v1/hashes',
  operationId: 'readFeed',
  tags: ['hashes'],
  summary: 'The delta feed',
  description:
    "Additions, label changes and retractions (tombstones) since the cursor, in commit order. Start without a cursor to read from the beginning; pass back `nextCursor` to continue. A cursor names the change it points after: one whose change this node's change log does not hold at that position (another node's, or issued before the database was restored from an older copy: a backup, D1 Time Travel) is 409, whether it is ahead of the log or not: start over without a cursor and rebuild or replace what you keep from this node with what it serves (hashes it no longer holds stay with you if you only read on). A cursor issued before cursors named their change is taken as before (409 only when ahead of the log).",
  scope: 'hashes:read',
  body: 'none',
  request: {
    query: z.object({
      cursor: z.string().max(100, 'cursor is not one this node issued; start without a cursor or pass back nextCursor unchanged').optional(),
      limit: wholeNumberParam(1, FEED_MAX_LIMIT, 'limit')
        .optional()
        .openapi({ description: `Most entries in the page (default ${FEED_DEFAULT_LIMIT}).` }),
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
                  at: z.string().openapi({ format: 'date-time', description: 'When the change was committed (ISO 8601, UTC).' }),
                  hash: z.object({
                    id: z.string(),
                    type: HashTypeSchema,
                    value: HashValueSchema,
                    status: z.enum(['active', 'retracted']),
                    labels: z.array(LabelIdSchema),
                    contributors: z.number().int(),
                    frames: z.array(VideoFrameSchema).optional().openapi({ description: 'vpdq: the frames, in the change that adds (or re-adds) the video.' }),
                    pages: z.array(PdfPageSchema).optional().openapi({ description: 'pdf: the pages, in the change that adds (or re-adds) the PDF.' }),
                    items: z.array(ItemRefSchema).optional().openapi({
                      description:
                        'The items (shared pieces of media, GET /v1/items/{id}) the hash belongs to, each with the variant it was computed from; absent for a hash shared alone.',
                    }),
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
    ...problemResponses(409),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const q = c.req.valid('query');
    return c.json(await readFeed(c.var.deps, q.cursor, q.limit ?? FEED_DEFAULT_LIMIT), 200);
  });
}
