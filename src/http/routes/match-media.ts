import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { hashList, hashMedia, type AnyMediaHashes } from '../../services/hashing';
import { countMatchQuery, matchParsed, resolveThresholds } from '../../services/matching';
import type { AppEnv } from '../env';
import { readMedia } from '../media';
import { protectedRoute } from '../route';
import { MatchResultSchema, mediaBodyContent, mediaHashesSchema, problemResponses } from '../schemas';

const route = protectedRoute({
  method: 'post',
  path: '/v1/match/media',
  operationId: 'matchMedia',
  tags: ['matching'],
  summary: 'Hash an image, a video, a PDF or a text and match its hashes',
  description:
    'Hashes the uploaded image, video, PDF or text (stored nowhere) and matches every hash in one answer. A video matches stored videos by the vPDQ rule, and images through its frames; a PDF matches stored PDFs by its pages (and by the tlsh of its text), and images through its pages; a text matches by its tlsh. With dihedral=true a match names the rotation or mirror that matched and its hash; the other variants are not listed.',
  scope: 'match',
  body: 'media',
  request: {
    query: z.object({
      dihedral: z
        .enum(['true', 'false'], { error: (iss) => (iss.input === undefined ? undefined : `dihedral must be true or false, got ${JSON.stringify(iss.input)}`) })
        .optional()
        .openapi({ description: 'Also match the rotations and mirrors (images).' }),
    }),
    body: { content: mediaBodyContent, required: true },
  },
  responses: {
    200: {
      description: 'The hashes and their matches.',
      content: { 'application/json': { schema: mediaHashesSchema({ results: z.array(MatchResultSchema) }) } },
    },
    ...problemResponses(422, 501),
  },
});

/** The upload's own hashes, without the variants it was matched with (each match names its own). */
function ownHashes(h: AnyMediaHashes): AnyMediaHashes {
  if (h.kind !== 'image' || !h.variants) return h;
  const { variants: _probed, ...own } = h;
  return own;
}

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const deps = c.var.deps;
    const { bytes, contentType } = await readMedia(c);
    const hashed = await hashMedia(deps, bytes, { dihedral: c.req.valid('query').dihedral === 'true', contentType, admitted: c.var.imagePlace });
    const results = await matchParsed(deps, hashList(hashed), resolveThresholds());
    await countMatchQuery(deps, c.var.principal.clientId, results.length);
    return c.json({ ...ownHashes(hashed), results }, 200);
  });
}
