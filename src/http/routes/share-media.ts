import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { DomainError } from '../../core/errors';
import { hashList, hashMedia } from '../../services/hashing';
import { shareHashes } from '../../services/sharing';
import { requireScope } from '../auth';
import type { AppEnv } from '../env';
import { readMedia } from '../media';
import { AUTH_ERRORS, MediaHashesSchema, problemResponses } from '../schemas';
import { ShareResultSchema } from './share';

const route = createRoute({
  method: 'post',
  path: '/v1/hashes/media',
  tags: ['hashes'],
  summary: 'Hash an image and share its hashes',
  description: 'Multipart form: `file` (the image) and `labels` (one field per label, or comma-separated). The image is hashed in memory and never stored.',
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
              file: { type: 'string' as const, format: 'binary', description: 'The image.' },
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
      content: { 'application/json': { schema: MediaHashesSchema.extend({ items: z.array(ShareResultSchema) }) } },
    },
    ...problemResponses(400, ...AUTH_ERRORS, 413, 415, 422, 501),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const deps = c.var.deps;
    const { bytes, form } = await readMedia(c);
    const raw = form?.labels;
    const labels = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw])
      .flatMap((v) => (typeof v === 'string' ? v.split(',') : []))
      .map((s) => s.trim())
      .filter(Boolean);
    if (labels.length === 0) throw new DomainError('invalid_request', 'give at least one label (form field "labels")', { errors: [{ path: 'labels', message: 'missing' }] });
    const externalId = typeof form?.externalId === 'string' ? form.externalId : undefined;
    const hashed = await hashMedia(deps, bytes);
    const items = await shareHashes(
      deps,
      c.var.principal,
      hashList(hashed).map((h) => ({ type: h.type, value: h.value, quality: h.quality, labels, externalId })),
    );
    return c.json({ ...hashed, items }, 201);
  });
}
