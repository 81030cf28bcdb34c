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
      description:
        "created: new to the node; added: your contribution joined other members'; updated: your labels changed; unchanged: you had already shared it so (idempotent).",
    }),
    item: z.string().optional().openapi({ description: 'The id of the item the hash was shared in (when the request named its `item`).' }),
    variant: z.string().optional().openapi({
      description:
        'With `item`: the variant the item holds the hash as. An item keeps the variant it first linked a hash with: a hash it already held under another variant than the one sent keeps that one (the labels are taken all the same).',
    }),
  })
  .openapi('ShareResult');

export const ItemShareSchema = z
  .object({
    id: z.string().openapi({ description: 'The item (GET, DELETE /v1/items/{id}): the same for every share of the same media on this node.' }),
    sha256: z.string().openapi({ description: 'The SHA-256 of the media.' }),
    outcome: z
      .enum(['created', 'added', 'updated', 'unchanged'])
      .openapi({ description: "created: new to the node; added: your share joined other members'; updated: your labels changed; unchanged." }),
  })
  .openapi('ItemShare');

const route = (deps: AppDeps) =>
  protectedRoute({
    method: 'post',
    path: '/v1/hashes',
    operationId: 'shareHashes',
    tags: ['hashes'],
    summary: 'Share hashes',
    description:
      'Shares hashes with labels. Sharing the same type and value again is idempotent; new labels replace your earlier ones. Hashes naming the `item` (SHA-256 and kind of the media) they were computed from form one item per piece of media, as a media share does; an item keeps the kind it was first shared as (naming its media as another kind is 409, nothing shared). Images, videos, PDFs and texts go to POST /v1/hashes/media. A url item may carry the URL itself (and, to share a whole host or folder, a scope): only its SHA-256 is stored.',
    scope: 'hashes:write',
    body: 'json',
    mediaRoute: '/v1/hashes/media',
    request: {
      body: { required: true, content: { 'application/json': { schema: shareRequestSchema(inputLimits(deps)) } } },
    },
    responses: {
      201: {
        description: 'One result per item, in order; with `media`, the items the hashes that named their media form.',
        content: { 'application/json': { schema: z.object({ items: z.array(ShareResultSchema), media: z.array(ItemShareSchema).optional() }) } },
      },
      ...problemResponses(409, 422),
    },
  });

export function register(app: OpenAPIHono<AppEnv>, deps: AppDeps) {
  app.openapi(route(deps), async (c) => {
    const { results, media } = await shareHashes(c.var.deps, c.var.principal, c.req.valid('json').items);
    return c.json({ items: results, ...(media.length ? { media } : {}) }, 201);
  });
}
