import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { LABELS } from '../../core/hashes';
import { asQuery, hashList, hashMedia } from '../../services/hashing';
import { shareableImageHashes } from '../../services/robust-matching';
import { ROBUST_RULES } from '../../core/robust';
import { shareMediaItem } from '../../services/sharing';
import type { AppEnv } from '../env';
import { ExternalIdSchema, LabelsSchema } from '../hash-input';
import { readMedia } from '../media';
import { protectedRoute } from '../route';
import { mediaHashesSchema, OmittedHashSchema, problemResponses } from '../schemas';
import { parseOrThrow } from '../validation';
import { ItemShareSchema, ShareResultSchema } from './share';

const route = protectedRoute({
  method: 'post',
  path: '/v1/hashes/media',
  operationId: 'shareMedia',
  tags: ['hashes'],
  summary: 'Hash an image, a video, a PDF or a text and share its hashes',
  description:
    'Multipart form: `file` (the image, video, PDF or text) and `labels` (one field per label, or comma-separated). The media is hashed in memory and never stored. The hashes of one upload form one item (`item`), retracted and relabelled as one through /v1/items/{id}. An image shares md5 and sha256, and pdq and blockhash of the whole image and of its regions (inside borders or bars, a small rotation undone, centre and off-centre crops), each named by its variant; a perceptual hash below its quality gate (a flat image) is left out and listed in `omitted` with the reason; a video shares vpdq (its frames), md5 and sha256; a PDF shares pdf (its pages), tlsh (of its text, when it has enough), md5 and sha256; a text part (declared text/plain) shares tlsh, md5 and sha256.',
  scope: 'hashes:write',
  body: 'media',
  request: {
    body: {
      required: true,
      content: {
        'multipart/form-data': {
          schema: {
            type: 'object' as const,
            properties: {
              file: { type: 'string' as const, format: 'binary', description: 'The image, video, PDF or text (a text part declared text/plain).' },
              labels: {
                type: 'string' as const,
                description: `Label ids from GET /v1/labels (${LABELS.map((l) => l.id).join(', ')}): repeat the field or separate with commas.`,
                example: 'attack-footage,glorification',
              },
              externalId: { type: 'string' as const, maxLength: 200, description: 'Your own reference for this item.' },
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
      content: {
        'application/json': {
          schema: mediaHashesSchema({
            items: z.array(
              ShareResultSchema.extend({
                variant: z.string().optional().openapi({
                  description:
                    "An image's perceptual hash: the region it is of (whole, trim, screen, deskew, crop-…), as the item holds it (a hash the item already held keeps the variant it was first linked with).",
                }),
              }),
            ),
            item: ItemShareSchema,
            omitted: z.array(OmittedHashSchema).optional(),
          }),
        },
      },
    },
    ...problemResponses(409, 422, 501),
  },
});

/** The form's other fields, checked before the media is hashed (a video may take seconds to decode). */
const Fields = z.object({ labels: LabelsSchema, externalId: ExternalIdSchema.optional() });

/** Label fields as sent: repeated, comma-separated, or both. */
const labelList = (raw: unknown) =>
  (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw])
    .flatMap((v) => (typeof v === 'string' ? v.split(',') : [v]))
    .map((s) => (typeof s === 'string' ? s.trim() : s))
    .filter((s) => s !== '');

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const deps = c.var.deps;
    const { bytes, contentType, form } = await readMedia(c, ['file'], {
      form: '"file" (the image, video, PDF or text) and "labels" (one field per label, or comma-separated)',
    });
    const { labels, externalId } = parseOrThrow(Fields, { labels: labelList(form?.labels), externalId: form?.externalId });
    const hashed = await hashMedia(deps, bytes, { contentType, robust: 'enrol', admitted: c.var.imagePlace, signal: c.req.raw.signal });
    const media = { sha256: hashed.hashes.sha256.value, kind: hashed.kind };
    if (hashed.kind !== 'image') {
      const { results, item } = await shareMediaItem(
        deps,
        c.var.principal,
        hashList(hashed).map((h) => ({ ...asQuery(h), labels, externalId })),
        media,
      );
      return c.json({ ...hashed, items: results, item }, 201);
    }
    // An image: exact hashes always, each perceptual hash (of the whole and of its regions) above its
    // quality gate, all in one item, each linked by its variant (the exact hashes: `whole`).
    const { items: chosen, omitted } = shareableImageHashes(hashed);
    const { results, item } = await shareMediaItem(
      deps,
      c.var.principal,
      chosen.map((h) => ({ ...asQuery(h), labels, externalId, variant: h.variant })),
      media,
      // Gated already, by the robust rules' gate (a dim or flat image's PDQ of quality 30–49 is kept).
      { pdqMinQuality: ROBUST_RULES.minQuality.pdq },
    );
    return c.json({ ...hashed, items: results, item, ...(omitted.length ? { omitted } : {}) }, 201);
  });
}
