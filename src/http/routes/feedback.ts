import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { giveFeedback } from '../../services/sharing';
import { requireScope } from '../auth';
import type { AppEnv } from '../env';
import { AUTH_ERRORS, problemResponses, plainText } from '../schemas';

const route = createRoute({
  method: 'post',
  path: '/v1/hashes/{id}/feedback',
  tags: ['hashes'],
  summary: 'Confirm or dispute a hash',
  description: 'Each member has one standing verdict per hash; giving another replaces it.',
  security: [{ bearer: ['feedback'] }],
  middleware: [requireScope('feedback')] as const,
  request: {
    params: z.object({ id: z.string().min(1).max(100) }),
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({ verdict: z.enum(['confirm', 'dispute']), reason: plainText(1000, 'reason').optional() }).openapi('FeedbackRequest'),
        },
      },
    },
  },
  responses: {
    200: {
      description: 'Your verdict and the hash\'s counts.',
      content: { 'application/json': { schema: z.object({ id: z.string(), verdict: z.enum(['confirm', 'dispute']), feedback: z.object({ confirm: z.number(), dispute: z.number() }) }) } },
    },
    ...problemResponses(400, ...AUTH_ERRORS, 404, 409),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { verdict, reason } = c.req.valid('json');
    return c.json(await giveFeedback(c.var.deps, c.var.principal, c.req.valid('param').id, verdict, reason ?? null), 200);
  });
}
