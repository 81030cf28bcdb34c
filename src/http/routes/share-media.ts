import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { DomainError } from '../../core/errors';
import { unknownLabels } from '../../core/hashes';
import { hashList, hashMedia } from '../../services/hashing';
import { shareHashes } from '../../services/sharing';
import { requireScope } from '../auth';
import type { AppEnv } from '../env';
import { readMedia } from '../media';
import { AUTH_ERRORS, mediaHashesSchema, problemResponses, plainText } from '../schemas';
import { ShareResultSchema } from './share';

const route = createRoute({
  method: 'post',
  path: '/v1/hashes/media',
  tags: ['hashes'],
  summary: 'Hash an image, a video, a PDF or a text and share its hashes',
  description: 'Multipart form: `file` (the image or video) and `labels` (one field per label, or comma-separated). The media is hashed in memory and never stored. An image shares pdq, blockhash, md5 and sha256; a video shares vpdq (its frames), md5 and sha256; a PDF shares pdf (its pages), tlsh (of its text, when it has enough), md5 and sha256; a text part (declared text/plain) shares tlsh, md5 and sha256.',
  security: [{ bearer: ['hashes:write'] }],
  middleware: [requireScope('hashes:write')] as const,
  request: {
    body: {
      required: true,
      content: {
        'multipart/form-data': {
          schema: {
            type: 'object' as const,
            properties: {
              file: { type: 'string' as const, format: 'binary', description: 'The image or video.' },
              labels: { type: 'string' as const, description: 'Label ids: repeat the field or separate with commas.', example: 'attack-footage,glorification' },
              externalId: { type: 'string' as const, description: 'Your own reference for this item.' },
            },
            required: ['file', 'labels'],
          },
        },
      },
    },
  },
  responses: {
    201: {
      description: 'The hashes computed and what sharing each did.',
      content: { 'application/json': { schema: mediaHashesSchema({ items: z.array(ShareResultSchema) }) } },
    },
    ...problemResponses(400, ...AUTH_ERRORS, 413, 415, 422, 501),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const deps = c.var.deps;
    const { bytes, contentType, form } = await readMedia(c);
    const raw = form?.labels;
    const labels = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw])
      .flatMap((v) => (typeof v === 'string' ? v.split(',') : []))
      .map((s) => s.trim())
      .filter(Boolean);
    if (labels.length === 0) throw new DomainError('invalid_request', 'give at least one label (form field "labels")', { errors: [{ path: 'labels', message: 'missing' }] });
    // Before hashing: a video may take seconds to decode.
    const unknown = unknownLabels(labels);
    if (unknown.length) throw new DomainError('invalid_request', `unknown label(s): ${unknown.join(', ')}; see GET /v1/labels`, { errors: [{ path: 'labels', message: `unknown: ${unknown.join(', ')}` }] });
    const externalId = typeof form?.externalId === 'string' ? form.externalId : undefined;
    const idProblem = externalId === undefined ? undefined : plainText(200, 'externalId').safeParse(externalId).error?.issues[0]?.message;
    if (idProblem) throw new DomainError('invalid_request', idProblem, { errors: [{ path: 'externalId', message: idProblem }] });
    const hashed = await hashMedia(deps, bytes, { contentType });
    const items = await shareHashes(
      deps,
      c.var.principal,
      hashList(hashed).map((h) => ({ type: h.type, value: h.value, quality: h.quality, frames: h.frames, pages: h.pages, labels, externalId })),
    );
    return c.json({ ...hashed, items }, 201);
  });
}
