import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { hashList, hashMedia } from '../../services/hashing';
import { countMatchQuery, matchParsed, resolveThresholds } from '../../services/matching';
import { requireScope } from '../auth';
import type { AppEnv } from '../env';
import { readMedia } from '../media';
import { AUTH_ERRORS, MatchResultSchema, mediaBodyContent, mediaHashesSchema, problemResponses } from '../schemas';

const route = createRoute({
  method: 'post',
  path: '/v1/match/media',
  tags: ['matching'],
  summary: 'Hash an image, a video, a PDF or a text and match its hashes',
  description: 'Hashes the uploaded image or video (stored nowhere) and matches every hash in one answer. A video matches stored videos by the vPDQ rule, and images through its frames; a PDF matches stored PDFs by its pages (and by the tlsh of its text), and images through its pages.',
  security: [{ bearer: ['match'] }],
  middleware: [requireScope('match')] as const,
  request: {
    query: z.object({
      dihedral: z.enum(['true', 'false']).optional().openapi({ description: 'Also match rotations and mirrors (images).' }),
    }),
    body: { content: mediaBodyContent, required: true },
  },
  responses: {
    200: {
      description: 'The hashes and their matches.',
      content: { 'application/json': { schema: mediaHashesSchema({ results: z.array(MatchResultSchema) }) } },
    },
    ...problemResponses(400, ...AUTH_ERRORS, 413, 415, 422, 501),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const deps = c.var.deps;
    const { bytes, contentType } = await readMedia(c);
    const hashed = await hashMedia(deps, bytes, { dihedral: c.req.valid('query').dihedral === 'true', contentType });
    const results = await matchParsed(deps, hashList(hashed), resolveThresholds({}));
    await countMatchQuery(deps, c.var.principal.clientId, results.length);
    return c.json({ ...hashed, results }, 200);
  });
}
