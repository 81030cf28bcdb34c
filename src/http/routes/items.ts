import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { ITEM_ID_ANY_CASE, ITEM_KINDS } from '../../core/items';
import { getItem, relabelItem, retractItem } from '../../services/items';
import type { AppEnv } from '../env';
import { LabelIdSchema, LabelsSchema } from '../hash-input';
import { protectedRoute } from '../route';
import { HashTypeSchema, HashValueSchema, problemResponses } from '../schemas';

export const ItemIdParams = z.object({
  id: z
    .string()
    .max(100, 'an item id is at most 100 characters')
    // UUIDs compare without regard to case (RFC 9562 §4): an id copied in capitals names the same item.
    .regex(ITEM_ID_ANY_CASE, 'an item id is a UUID the node gave the item (share results, matches, the feed)')
    .transform((id) => id.toLowerCase())
    .openapi({ description: "The id of the item (a media share's `item.id`, a match's `item.id`, a feed row's `items`)." }),
});

export const ItemSchema = z
  .object({
    id: z.string(),
    sha256: z.string().openapi({ description: 'SHA-256 of the media shared.' }),
    kind: z.enum(ITEM_KINDS),
    origin: z.string().optional().openapi({ description: 'A pulled item: the URL of the node it was shared at. Absent for items shared on this node.' }),
    status: z.enum(['active', 'retracted']).openapi({
      description:
        'Active while the share of a member stands and one of its hashes is active (a pulled item: while one of its hashes is). A retracted item is active again only when its media is shared again. Matches and the feed name only active items.',
    }),
    labels: z.array(LabelIdSchema).openapi({ description: 'The union of the labels of the members whose share stands.' }),
    contributors: z.number().int().openapi({ description: 'Members whose share of the item stands (a pulled item: at its origin node).' }),
    createdAt: z.string().openapi({ format: 'date-time' }),
    hashes: z.array(
      z.object({
        id: z.string(),
        type: HashTypeSchema,
        value: HashValueSchema,
        variant: z.string().openapi({
          description: '`whole`: the media as shared; other variants (trimmed, cropped, ...) name the edit of the media the hash was computed from.',
        }),
        status: z.enum(['active', 'retracted']),
        labels: z.array(LabelIdSchema),
        contributors: z.number().int(),
      }),
    ),
  })
  .openapi('Item');

const itemResponse = (description: string) => ({ 200: { description, content: { 'application/json': { schema: ItemSchema } } } });

export const RetractedItemSchema = ItemSchema.extend({
  kept: z.array(z.string()).optional().openapi({
    description:
      "A member's retraction: the ids of the item's hashes your contribution still stands on, because your share of the hash alone or another item of yours holds it (DELETE /v1/hashes/{id} retracts one). Absent for an admin's.",
  }),
}).openapi('RetractedItem');

const read = protectedRoute({
  method: 'get',
  path: '/v1/items/{id}',
  operationId: 'getItem',
  tags: ['hashes'],
  summary: 'An item and its hashes',
  description:
    "A shared piece of media as one item: its hashes, each with the variant it was computed from, its labels, and `contributors`: how many members' shares of it stand (a count; members are never named).",
  scope: ['hashes:read', 'admin'],
  body: 'none',
  request: { params: ItemIdParams },
  responses: { ...itemResponse('The item.'), ...problemResponses(404) },
});

const retract = protectedRoute({
  method: 'delete',
  path: '/v1/items/{id}',
  operationId: 'retractItem',
  tags: ['hashes'],
  summary: 'Retract an item',
  description:
    "Withdraws your share of the item and your contributions to all its hashes in one commit, except a hash that another item you shared and still stand by, or your share of the hash alone, holds: that contribution keeps the labels of what holds it, and the answer lists it in `kept`. An admin's takes the item down for everyone: every member's share, and every contribution to its hashes, whoever made it and however (alone, in another item, pulled from a peer), except a hash another standing item of that contributor holds. The item is retracted when no member's share stands; matches and the feed no longer name it. A hash left with no contribution stops matching and the feed carries its tombstone. DELETE /v1/hashes/{id} still retracts a single hash.",
  scope: ['hashes:write', 'admin'],
  body: 'none',
  request: { params: ItemIdParams },
  responses: {
    200: { description: 'The item after the retraction.', content: { 'application/json': { schema: RetractedItemSchema } } },
    ...problemResponses(404),
  },
});

const relabel = protectedRoute({
  method: 'put',
  path: '/v1/items/{id}/labels',
  operationId: 'relabelItem',
  tags: ['hashes'],
  summary: 'Relabel an item',
  description:
    "Replaces the labels of your share of the item, in one commit with your standing contributions to its hashes: each carries the labels of every item of yours that holds it and of your share of the hash alone, so another item's labels on a hash they share stay. An item retracted (every hash of it withdrawn one by one with DELETE /v1/hashes/{id}) is refused with 409 until its media is shared again.",
  scope: 'hashes:write',
  body: 'json',
  request: {
    params: ItemIdParams,
    body: { required: true, content: { 'application/json': { schema: z.object({ labels: LabelsSchema }).openapi('ItemLabels') } } },
  },
  responses: { ...itemResponse('The item after the change.'), ...problemResponses(404, 409) },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(read, async (c) => c.json(await getItem(c.var.deps, c.req.valid('param').id), 200));
  app.openapi(retract, async (c) => c.json(await retractItem(c.var.deps, c.var.principal, c.req.valid('param').id), 200));
  app.openapi(relabel, async (c) => c.json(await relabelItem(c.var.deps, c.var.principal, c.req.valid('param').id, c.req.valid('json').labels), 200));
}
