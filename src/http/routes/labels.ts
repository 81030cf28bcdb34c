import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { LABELS } from '../../core/hashes';
import type { AppEnv } from '../env';
import { protectedRoute } from '../route';

const route = protectedRoute({
  method: 'get',
  path: '/v1/labels',
  operationId: 'listLabels',
  tags: ['hashes'],
  summary: 'The label vocabulary',
  description: 'Every label a shared hash may carry. Shares with any other label are refused.',
  scope: 'any',
  body: 'none',
  responses: {
    200: {
      description: 'The vocabulary.',
      content: { 'application/json': { schema: z.object({ labels: z.array(z.object({ id: z.string(), name: z.string(), description: z.string() })) }) } },
    },
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, (c) => c.json({ labels: LABELS.map((l) => ({ ...l })) }, 200));
}
