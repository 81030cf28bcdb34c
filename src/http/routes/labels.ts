import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { hashTypeInfo, LABELS } from '../../core/hashes';
import type { AppEnv } from '../env';
import { protectedRoute } from '../route';
import { HashTypeSchema } from '../schemas';

const route = protectedRoute({
  method: 'get',
  path: '/v1/labels',
  operationId: 'listLabels',
  tags: ['hashes'],
  summary: 'The label vocabulary and the hash types',
  description: 'Every label a shared hash may carry (shares with any other label are refused), and every hash type the node takes with how it is compared.',
  scope: 'any',
  body: 'none',
  responses: {
    200: {
      description: 'The vocabulary.',
      content: {
        'application/json': {
          schema: z.object({
            labels: z.array(z.object({ id: z.string(), name: z.string(), description: z.string() })),
            hashTypes: z.array(
              z.object({
                type: HashTypeSchema,
                description: z.string(),
                metric: z.enum(['hamming', 'tlsh', 'equal']).openapi({ description: 'hamming: bits that differ; tlsh: TLSH distance; equal: equality.' }),
                defaultMaxDistance: z.number().int(),
                maxDistanceCap: z.number().int().openapi({ description: 'The largest maxDistance a match request may ask for.' }),
              }),
            ),
          }),
        },
      },
    },
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, (c) => c.json({ labels: LABELS.map((l) => ({ ...l })), hashTypes: hashTypeInfo() }, 200));
}
