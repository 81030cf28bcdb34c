import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { FEDERATION_DEFAULT_LIMIT, FEDERATION_MAX_LIMIT, readFederationFeed } from '../../../services/federation';
import type { AppEnv } from '../../env';
import { wholeNumberParam } from '../../input';
import { protectedRoute } from '../../route';
import { problemResponses } from '../../schemas';

const route = protectedRoute({
  method: 'get',
  path: '/v1/federation/feed',
  operationId: 'readFederationFeed',
  tags: ['federation'],
  summary: 'The signed federation feed, for peer nodes',
  description:
    "One batch of the additions, label changes and retractions of the hashes this node's own members shared (never hashes pulled from other nodes), after the cursor, in commit order. `batch` is a compact JWS (`typ: hash-batch+jws`, EdDSA, signed by this node's current key, verifiable with `/.well-known/jwks.json`) whose payload is `{ origin, from, to, issuedAt, items: [{ op, type, value, labels, contributors, externalId?, quality?, frames?, pages? }] }`. Start without a cursor; pass back `nextCursor` (the payload's `to`). Cursors never expire: retractions are kept for ever. A cursor names the change it points after: one whose change this node's change log does not hold at that position (another node's, or issued before its database was restored from an older copy: a backup, D1 Time Travel) is 409, whether it is ahead of the log or not. The pulling node then takes nothing more from this one and says why in the peer's `lastError`, until its admin restarts the peer (`POST /v1/admin/peers/{id}/restart`: pull again from the start). A cursor issued before cursors named their change is taken as before (409 only when ahead of the log).",
  scope: 'federation:read',
  body: 'none',
  request: {
    query: z.object({
      cursor: z
        .string()
        .max(200, 'cursor is not one this node issued; start without a cursor or pass back nextCursor unchanged')
        .optional()
        .openapi({ description: 'The `to` of the last batch applied; none for the beginning.' }),
      limit: wholeNumberParam(1, FEDERATION_MAX_LIMIT, 'limit')
        .optional()
        .openapi({ description: `Most items in the batch (default ${FEDERATION_DEFAULT_LIMIT}).` }),
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
    ...problemResponses(409),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const q = c.req.valid('query');
    return c.json(await readFederationFeed(c.var.deps, q.cursor || undefined, q.limit ?? FEDERATION_DEFAULT_LIMIT), 200);
  });
}
