import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { countMatchQuery, matchHashes } from '../../services/matching';
import { requireScope } from '../auth';
import type { AppEnv } from '../env';
import { AUTH_ERRORS, matchDocumentFields, HashTypeSchema, HashValueSchema, MatchResultSchema, problemResponses, VideoFrameSchema } from '../schemas';

export const MatchOptionsSchema = {
  maxDistance: z
    .record(z.string(), z.number())
    .optional()
    .openapi({ description: 'Per-type maximum distance, overriding the defaults (Hamming bits: pdq, vpdq and pdf frames or pages 31, blockhash 20, capped at 64; tlsh: TLSH distance, default in GET /v1/labels, capped at 300).', example: { pdq: 24 } }),
  dihedral: z.boolean().optional().openapi({ description: 'Also match the 8 rotations and mirrors. From a PDQ hash alone the variants are derived from its bits (approximate, a few bits off); send the image to /v1/match/media for exact variants of PDQ and blockhash.' }),
};

const route = createRoute({
  method: 'post',
  path: '/v1/match',
  tags: ['matching'],
  summary: 'Match hashes',
  description: 'Looks up each hash (up to 1000 a request) among the active shared hashes. Retracted hashes never match.',
  security: [{ bearer: ['match'] }],
  middleware: [requireScope('match')] as const,
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .object({
              hashes: z
                .array(
                  z.object({
                    type: HashTypeSchema,
                    value: HashValueSchema.optional().openapi({ description: 'The hash (lowercase hex); for vpdq it may be left out.' }),
                    quality: z.number().int().optional().openapi({ description: 'PDQ quality, if known: results for quality below 50 are flagged `lowQuality`.' }),
                    frames: z.array(VideoFrameSchema).optional().openapi({ description: 'vpdq only: the frames of the video to match (npm run client -- hash VIDEO prints them).' }),
                    ...matchDocumentFields,
                  }),
                )
                .openapi({ description: '1 to 1000 hashes.' }),
              ...MatchOptionsSchema,
            })
            .openapi('MatchRequest'),
        },
      },
    },
  },
  responses: {
    200: { description: 'One result per query hash, in order.', content: { 'application/json': { schema: z.object({ results: z.array(MatchResultSchema) }) } } },
    ...problemResponses(400, ...AUTH_ERRORS, 413, 415),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const body = c.req.valid('json');
    const results = await matchHashes(c.var.deps, body.hashes, { maxDistance: body.maxDistance, dihedral: body.dihedral });
    await countMatchQuery(c.var.deps, c.var.principal.clientId, results.length);
    return c.json({ results }, 200);
  });
}
