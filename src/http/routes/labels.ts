import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { LABELS } from '../../core/hashes';
import { requireScope } from '../auth';
import type { AppEnv } from '../env';
import { AUTH_ERRORS, problemResponses } from '../schemas';

const route = createRoute({
  method: 'get',
  path: '/v1/labels',
  tags: ['hashes'],
  summary: 'The label vocabulary',
  description: 'Every label a shared hash may carry. Shares with any other label are refused.',
  security: [{ bearer: [] }],
  middleware: [requireScope('any')] as const,
  responses: {
    200: {
      description: 'The vocabulary.',
      content: { 'application/json': { schema: z.object({ labels: z.array(z.object({ id: z.string(), name: z.string(), description: z.string() })) }) } },
    },
    ...problemResponses(...AUTH_ERRORS),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, (c) => c.json({ labels: LABELS.map((l) => ({ ...l })) }, 200));
}
