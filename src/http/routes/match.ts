import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { countMatchQuery, matchHashes } from '../../services/matching';
import type { AppDeps, AppEnv } from '../env';
import { inputLimits, matchRequestSchema } from '../hash-input';
import { protectedRoute } from '../route';
import { MatchResultSchema } from '../schemas';

const route = (deps: AppDeps) =>
  protectedRoute({
    method: 'post',
    path: '/v1/match',
    operationId: 'matchHashes',
    tags: ['matching'],
    summary: 'Match hashes',
    description:
      "Looks up each hash among the active shared hashes. Retracted hashes never match. A url item sent as the URL itself is looked up as that URL, its host and each folder above it (members may share a whole host or folder); nothing is stored. A pdq or blockhash item may bring the image's rotations and mirrors as the client hashed them (`variants`): each is matched as /v1/match/media matches its own, and a match through one names it (`variant`, `variantValue`). Images, videos, PDFs and texts go to POST /v1/match/media.",
    scope: 'match',
    body: 'json',
    mediaRoute: '/v1/match/media',
    request: {
      body: { required: true, content: { 'application/json': { schema: matchRequestSchema(inputLimits(deps)) } } },
    },
    responses: {
      200: {
        description: 'One result per query hash, in order.',
        content: { 'application/json': { schema: z.object({ results: z.array(MatchResultSchema) }) } },
      },
    },
  });

export function register(app: OpenAPIHono<AppEnv>, deps: AppDeps) {
  app.openapi(route(deps), async (c) => {
    const { hashes, ...opts } = c.req.valid('json');
    const results = await matchHashes(c.var.deps, hashes, opts);
    await countMatchQuery(c.var.deps, c.var.principal.clientId, results.length);
    return c.json({ results }, 200);
  });
}
