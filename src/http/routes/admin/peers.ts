/**
 * /v1/admin/peers: the peer nodes this node pulls from (DESIGN §8). Add one by its URL (its
 * PUBLIC_URL) and the client id its admin gave this node there; pause, resume, change (interval,
 * labels taken, matching on or off) and remove it. Each change is an audit entry and acts at once.
 */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { addPeer, changePeer, getPeer, listPeers, PEER_INTERVAL } from '../../../services/federation';
import { requireScope } from '../../auth';
import type { AppEnv } from '../../env';
import { AUTH_ERRORS, LabelIdSchema, plainText, problemResponses } from '../../schemas';

const PeerSchema = z
  .object({
    id: z.string(),
    url: z.string().openapi({ description: "The peer's PUBLIC_URL: pulled from, and the origin its hashes keep." }),
    clientId: z.string().openapi({ description: 'The client id this node was given at the peer (role peer).' }),
    intervalMs: z.number().int(),
    labels: z.array(LabelIdSchema).nullable().openapi({ description: 'The labels taken from this peer (a hash with none of them is not taken); null: every label.' }),
    matching: z.boolean().openapi({ description: "Whether the peer's hashes match here. Off: they stay stored, and match nothing." }),
    status: z.enum(['active', 'paused', 'removed']),
    cursor: z.string().openapi({ description: "Where the next pull starts in the peer's feed ('' before the first batch)." }),
    pulledAt: z.number().int().nullable().openapi({ description: 'When the last batch was applied (ms since the epoch).' }),
    pulledItems: z.number().int().openapi({ description: 'Items of every batch applied, in all.' }),
    lastError: z.string().nullable().openapi({ description: 'Why the last pull failed, if it did (cleared by a good one).' }),
    lastErrorAt: z.number().int().nullable(),
    failures: z.number().int().openapi({ description: 'Failed pulls in a row.' }),
    createdAt: z.number().int(),
    updatedAt: z.number().int(),
  })
  .openapi('Peer');

const interval = z.number().int().min(PEER_INTERVAL.minMs).max(PEER_INTERVAL.maxMs).openapi({ description: `Milliseconds between pulls while the peer has nothing more (default ${PEER_INTERVAL.defaultMs}).` });
const labels = z.array(LabelIdSchema).min(1).max(100).nullable().openapi({ description: 'Labels to take from the peer; null or absent: every label.' });
const IdParams = z.object({ id: z.string().min(1).max(100) });
const one = (description: string) => ({ 200: { description, content: { 'application/json': { schema: PeerSchema } } } });

const list = createRoute({
  tags: ['federation'], security: [{ bearer: ['admin'] }], middleware: [requireScope('admin')] as const,
  method: 'get',
  path: '/v1/admin/peers',
  summary: 'List the peers this node pulls from',
  description: 'Every peer, removed ones included (marked), oldest first, with where its pulling stands.',
  responses: { 200: { description: 'The peers.', content: { 'application/json': { schema: z.object({ peers: z.array(PeerSchema) }) } } }, ...problemResponses(...AUTH_ERRORS) },
});

const add = createRoute({
  tags: ['federation'], security: [{ bearer: ['admin'] }], middleware: [requireScope('admin')] as const,
  method: 'post',
  path: '/v1/admin/peers',
  summary: 'Add a peer to pull from',
  description:
    "The peer's admin must first register this node there as a client of role `peer` with this node's JWKS URL (`PUBLIC_URL/.well-known/jwks.json`); this node then signs in there with its own node key. One peer per URL.",
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .object({
              url: z.string().min(1).max(2000).openapi({ description: "The peer's PUBLIC_URL (what its batches name as their origin).", example: 'https://hashes.example.org' }),
              clientId: plainText(100, 'clientId').pipe(z.string().min(1)).openapi({ description: 'The client id the peer gave this node.' }),
              intervalMs: interval.optional(),
              labels: labels.optional(),
              matching: z.boolean().optional().openapi({ description: "Whether the peer's hashes match here (default true)." }),
            })
            .openapi('AddPeer'),
        },
      },
    },
  },
  responses: { 201: { description: 'The peer.', content: { 'application/json': { schema: PeerSchema } } }, ...problemResponses(400, ...AUTH_ERRORS, 409) },
});

const get = createRoute({ tags: ['federation'], security: [{ bearer: ['admin'] }], middleware: [requireScope('admin')] as const, method: 'get', path: '/v1/admin/peers/{id}', summary: 'Get a peer', request: { params: IdParams }, responses: { ...one('The peer.'), ...problemResponses(...AUTH_ERRORS, 404) } });

const update = createRoute({
  tags: ['federation'], security: [{ bearer: ['admin'] }], middleware: [requireScope('admin')] as const,
  method: 'patch',
  path: '/v1/admin/peers/{id}',
  summary: "Change a peer's settings",
  description: 'Matching switched off acts at once: the peer\'s hashes stay stored and match nothing until it is switched on. A change of labels applies to the batches pulled after it.',
  request: {
    params: IdParams,
    body: { required: true, content: { 'application/json': { schema: z.object({ intervalMs: interval.optional(), labels: labels.optional(), matching: z.boolean().optional() }).openapi('UpdatePeer') } } },
  },
  responses: { ...one('The peer.'), ...problemResponses(400, ...AUTH_ERRORS, 404) },
});

const remove = createRoute({
  tags: ['federation'], security: [{ bearer: ['admin'] }], middleware: [requireScope('admin')] as const,
  method: 'delete',
  path: '/v1/admin/peers/{id}',
  summary: 'Remove a peer',
  description: "Stops pulling it, and its hashes stop matching; they stay stored (and a peer added again under the same URL starts its feed from the beginning). The peer's record is kept, marked removed.",
  request: { params: IdParams },
  responses: { ...one('The peer, removed.'), ...problemResponses(...AUTH_ERRORS, 404) },
});

const STATUS_ROUTES = [
  { action: 'pause', summary: 'Pause pulling a peer', description: 'No more pulls until it is resumed; its hashes keep matching (switch matching off to stop that).' },
  { action: 'resume', summary: 'Resume pulling a peer', description: 'Pulls again from where it stopped.' },
] as const;

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(list, async (c) => c.json({ peers: await listPeers(c.var.deps) }, 200));
  app.openapi(add, async (c) => c.json(await addPeer(c.var.deps, c.var.principal.clientId, c.req.valid('json')), 201));
  app.openapi(get, async (c) => c.json(await getPeer(c.var.deps, c.req.valid('param').id), 200));
  app.openapi(update, async (c) => c.json(await changePeer(c.var.deps, c.var.principal.clientId, c.req.valid('param').id, 'update', c.req.valid('json')), 200));
  app.openapi(remove, async (c) => c.json(await changePeer(c.var.deps, c.var.principal.clientId, c.req.valid('param').id, 'remove'), 200));
  for (const op of STATUS_ROUTES) {
    const route = createRoute({ tags: ['federation'], security: [{ bearer: ['admin'] }], middleware: [requireScope('admin')] as const, method: 'post', path: `/v1/admin/peers/{id}/${op.action}`, summary: op.summary, description: op.description, request: { params: IdParams }, responses: { ...one('The peer.'), ...problemResponses(...AUTH_ERRORS, 404) } });
    app.openapi(route, async (c) => c.json(await changePeer(c.var.deps, c.var.principal.clientId, c.req.valid('param').id, op.action), 200));
  }
}
