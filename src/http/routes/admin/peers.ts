/**
 * /v1/admin/peers: the peer nodes this node pulls from (DESIGN §8). Add one by its URL (its
 * PUBLIC_URL) and the client id its admin gave this node there; pause, resume, change (interval,
 * labels taken, matching on or off), restart (pull its feed again from the start) and remove it. Each change is an audit entry and acts at once.
 */
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { addPeer, changePeer, getPeer, listPeers, PEER_INTERVAL } from '../../../services/federation';
import type { AppEnv } from '../../env';
import { LabelIdSchema } from '../../hash-input';
import { plainText, wholeNumber } from '../../input';
import { protectedRoute } from '../../route';
import { problemResponses } from '../../schemas';
import { time } from './schemas';

const PeerSchema = z
  .object({
    id: z.string(),
    url: z.string().openapi({ description: "The peer's PUBLIC_URL: pulled from, and the origin its hashes keep." }),
    clientId: z.string().openapi({ description: 'The client id this node was given at the peer (role peer).' }),
    intervalMs: z.number().int(),
    labels: z
      .array(LabelIdSchema)
      .nullable()
      .openapi({ description: 'The labels taken from this peer (a hash with none of them is not taken); null: every label.' }),
    matching: z.boolean().openapi({ description: "Whether the peer's hashes match here. Off: they stay stored, and match nothing." }),
    status: z.enum(['active', 'paused', 'removed']),
    cursor: z.string().openapi({ description: "Where the next pull starts in the peer's feed ('' before the first batch)." }),
    pulledAt: time(
      'When the last batch was applied, or the first good pull after failures (a healthy peer with nothing new is not rewritten at every pull)',
    ).nullable(),
    pulledItems: z.number().int().openapi({ description: 'Items of every batch applied, in all.' }),
    lastError: z.string().nullable().openapi({ description: 'Why the last pull failed, if it did (cleared by a good one).' }),
    lastErrorAt: time('When the last pull failed').nullable(),
    failures: z.number().int().openapi({ description: 'Failed pulls in a row (cleared by a good pull, even one with nothing new).' }),
    createdAt: time('When the peer was added'),
    updatedAt: time('When its settings last changed'),
  })
  .openapi('Peer');

const interval = () =>
  wholeNumber(PEER_INTERVAL.minMs, PEER_INTERVAL.maxMs, 'intervalMs').openapi({
    description: `Milliseconds between pulls while the peer has nothing more (default ${PEER_INTERVAL.defaultMs}).`,
  });
const labels = () =>
  z
    .array(LabelIdSchema)
    .min(1, 'labels must name at least one label (leave it out, or null, to take every label)')
    .max(100)
    .nullable()
    .openapi({ description: 'Labels to take from the peer; null or absent: every label.' });
const IdParams = z.object({ id: z.string().max(100, 'a peer id is at most 100 characters').openapi({ description: 'The id the node gave the peer.' }) });
const one = (description: string) => ({ 200: { description, content: { 'application/json': { schema: PeerSchema } } } });

const list = protectedRoute({
  method: 'get',
  path: '/v1/admin/peers',
  operationId: 'listPeers',
  tags: ['federation'],
  summary: 'List the peers this node pulls from',
  description: 'Every peer, removed ones included (marked), oldest first, with where its pulling stands.',
  scope: 'admin',
  body: 'none',
  responses: { 200: { description: 'The peers.', content: { 'application/json': { schema: z.object({ peers: z.array(PeerSchema) }) } } } },
});

const add = protectedRoute({
  method: 'post',
  path: '/v1/admin/peers',
  operationId: 'addPeer',
  tags: ['federation'],
  summary: 'Add a peer to pull from',
  description:
    "The peer's admin must first register this node there as a client of role `peer` with this node's JWKS URL (`PUBLIC_URL/.well-known/jwks.json`); this node then signs in there with its own node key. One peer per URL.",
  scope: 'admin',
  body: 'json',
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .object({
              url: z
                .string()
                .min(1, 'url must not be empty')
                .max(2000, 'url must be at most 2000 characters')
                .openapi({ description: "The peer's PUBLIC_URL (what its batches name as their origin).", example: 'https://hashes.example.org' }),
              clientId: plainText(100, 'clientId')
                .trim()
                .min(1, 'clientId must not be empty')
                .openapi({ description: 'The client id the peer gave this node.' }),
              intervalMs: interval().optional(),
              labels: labels().optional(),
              matching: z.boolean().optional().openapi({ description: "Whether the peer's hashes match here (default true)." }),
            })
            .openapi('AddPeer'),
        },
      },
    },
  },
  responses: { 201: { description: 'The peer.', content: { 'application/json': { schema: PeerSchema } } }, ...problemResponses(409) },
});

const get = protectedRoute({
  method: 'get',
  path: '/v1/admin/peers/{id}',
  operationId: 'getPeer',
  tags: ['federation'],
  summary: 'Get a peer',
  scope: 'admin',
  body: 'none',
  request: { params: IdParams },
  responses: { ...one('The peer.'), ...problemResponses(404) },
});

const update = protectedRoute({
  method: 'patch',
  path: '/v1/admin/peers/{id}',
  operationId: 'updatePeer',
  tags: ['federation'],
  summary: "Change a peer's settings",
  description:
    "Matching switched off acts at once: the peer's hashes stay stored and match nothing until it is switched on. A change of labels applies to the batches pulled after it.",
  scope: 'admin',
  body: 'json',
  request: {
    params: IdParams,
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({ intervalMs: interval().optional(), labels: labels().optional(), matching: z.boolean().optional() }).openapi('UpdatePeer'),
        },
      },
    },
  },
  responses: { ...one('The peer.'), ...problemResponses(404) },
});

const remove = protectedRoute({
  method: 'delete',
  path: '/v1/admin/peers/{id}',
  operationId: 'removePeer',
  tags: ['federation'],
  summary: 'Remove a peer',
  description:
    "Stops pulling it, and its hashes stop matching; they stay stored (and a peer added again under the same URL starts its feed from the beginning). The peer's record is kept, marked removed.",
  scope: 'admin',
  body: 'none',
  request: { params: IdParams },
  responses: { ...one('The peer, removed.'), ...problemResponses(404) },
});

const STATUS_ROUTES = [
  {
    action: 'pause',
    operationId: 'pausePeer',
    summary: 'Pause pulling a peer',
    description: 'No more pulls until it is resumed; its hashes keep matching (switch matching off to stop that).',
  },
  { action: 'resume', operationId: 'resumePeer', summary: 'Resume pulling a peer', description: 'Pulls again from where it stopped.' },
  {
    action: 'restart',
    operationId: 'restartPeer',
    summary: "Pull a peer's feed again from its start",
    description:
      "Sets the peer's cursor back to the start of its feed (a `peer.restart` audit entry), keeping its id, settings and history, and notes the peer's hashes held here; an active peer is pulled again at once. Each batch of the re-read strikes the hashes it names from the note; when the peer has no more, those left (hashes its feed no longer serves) are withdrawn, as its retractions would be (`federation.withdraw` audit entries). For a peer that refused this node's cursor (409: its database was restored from an older copy, see `lastError`). A peer already at its start is left as it is.",
  },
] as const;

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(list, async (c) => c.json({ peers: await listPeers(c.var.deps) }, 200));
  app.openapi(add, async (c) => c.json(await addPeer(c.var.deps, c.var.principal.clientId, c.req.valid('json')), 201));
  app.openapi(get, async (c) => c.json(await getPeer(c.var.deps, c.req.valid('param').id), 200));
  app.openapi(update, async (c) => c.json(await changePeer(c.var.deps, c.var.principal.clientId, c.req.valid('param').id, 'update', c.req.valid('json')), 200));
  app.openapi(remove, async (c) => c.json(await changePeer(c.var.deps, c.var.principal.clientId, c.req.valid('param').id, 'remove'), 200));
  for (const op of STATUS_ROUTES) {
    const route = protectedRoute({
      method: 'post',
      path: `/v1/admin/peers/{id}/${op.action}`,
      operationId: op.operationId,
      tags: ['federation'],
      summary: op.summary,
      description: op.description,
      scope: 'admin',
      body: 'none',
      request: { params: IdParams },
      responses: { ...one('The peer.'), ...problemResponses(404) },
    });
    app.openapi(route, async (c) => c.json(await changePeer(c.var.deps, c.var.principal.clientId, c.req.valid('param').id, op.action), 200));
  }
}
