import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { FEDERATION_DEFAULT_LIMIT, FEDERATION_MAX_LIMIT, readFederationFeed } from '../../../services/federation';
import { requireScope } from '../../auth';
import type { AppEnv } from '../../env';
import { AUTH_ERRORS, problemResponses } from '../../schemas';

const route = createRoute({
  method: 'get',
  path: '/v1/federation/feed',
  tags: ['federation'],
  summary: 'The signed federation feed, for peer nodes',
  description:
    "One batch of the additions, label changes and retractions of the hashes this node's own members shared (never hashes pulled from other nodes), after the cursor, in commit order. `batch` is a compact JWS (`typ: hash-batch+jws`, EdDSA, signed by this node's current key, verifiable with `/.well-known/jwks.json`) whose payload is `{ origin, from, to, issuedAt, items: [{ op, type, value, labels, contributors, externalId?, quality?, frames? }] }`. Start without a cursor; pass back `nextCursor` (the payload's `to`). Cursors never expire: retractions are kept for ever.",
  security: [{ bearer: ['federation:read'] }],
  middleware: [requireScope('federation:read')] as const,
  request: {
    query: z.object({
      cursor: z.string().max(200).optional().openapi({ description: 'The `to` of the last batch applied; none for the beginning.' }),
      limit: z.coerce.number().int().min(1).max(FEDERATION_MAX_LIMIT).default(FEDERATION_DEFAULT_LIMIT).optional(),
    }),
  },
  responses: {
    200: {
      description: 'One batch.',
      content: {
        'application/json': {
          schema: z
            .object({
              batch: z.string().openapi({ description: 'The compact JWS (typ hash-batch+jws).' }),
              nextCursor: z.string().openapi({ description: "The batch's `to` cursor." }),
              more: z.boolean().openapi({ description: 'More is waiting: pull again at once.' }),
            })
            .openapi('FederationBatch'),
        },
      },
    },
    ...problemResponses(400, ...AUTH_ERRORS),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const q = c.req.valid('query');
    return c.json(await readFederationFeed(c.var.deps, q.cursor || undefined, q.limit ?? FEDERATION_DEFAULT_LIMIT), 200);
  });
}
