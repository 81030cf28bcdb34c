import type { OpenAPIHono } from '@hono/zod-openapi';
import { hashMedia } from '../../services/hashing';
import type { AppEnv } from '../env';
import { readMedia } from '../media';
import { protectedRoute } from '../route';
import { MediaHashesSchema, mediaBodyContent, problemResponses } from '../schemas';

const route = protectedRoute({
  method: 'post',
  path: '/v1/hash',
  operationId: 'hashMedia',
  tags: ['hashing'],
  summary: 'Hash an image, a video, a PDF or a text',
  description:
    'Computes every hash of the uploaded image (pdq, blockhash, md5, sha256), video (vpdq, md5, sha256), PDF (pdf: PDQ of each page; tlsh of its text; md5, sha256) or text (tlsh, md5, sha256). The media lives in memory for this request only: nothing is stored.',
  scope: 'hash',
  body: 'media',
  request: { body: { content: mediaBodyContent, required: true } },
  responses: {
    200: { description: 'The hashes.', content: { 'application/json': { schema: MediaHashesSchema } } },
    ...problemResponses(422, 501),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { bytes, contentType } = await readMedia(c);
    return c.json(await hashMedia(c.var.deps, bytes, { contentType, admitted: c.var.imagePlace, signal: c.req.raw.signal }), 200);
  });
}
