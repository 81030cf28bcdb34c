import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { giveFeedback } from '../../services/sharing';
import type { AppEnv } from '../env';
import { plainText } from '../input';
import { protectedRoute } from '../route';
import { HashIdParams, problemResponses } from '../schemas';
import { shown } from '../../core/text';

const VERDICTS = ['confirm', 'dispute'] as const;

const route = protectedRoute({
  method: 'post',
  path: '/v1/hashes/{id}/feedback',
  operationId: 'giveFeedback',
  tags: ['hashes'],
  summary: 'Confirm or dispute a hash',
  description: 'Each member has one standing verdict per hash; giving another replaces it.',
  scope: 'feedback',
  body: 'json',
  request: {
    params: HashIdParams,
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .object({
              verdict: z.enum(VERDICTS, {
                error: (iss) => (iss.input === undefined ? undefined : `verdict must be confirm or dispute, got ${shown(iss.input)}`),
              }),
              reason: plainText(1000, 'reason').optional(),
            })
            .openapi('FeedbackRequest'),
        },
      },
    },
  },
  responses: {
    200: {
      description: "Your verdict and the hash's counts.",
      content: {
        'application/json': {
          schema: z.object({ id: z.string(), verdict: z.enum(VERDICTS), feedback: z.object({ confirm: z.number(), dispute: z.number() }) }),
        },
      },
    },
    ...problemResponses(404, 409),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { verdict, reason } = c.req.valid('json');
    return c.json(await giveFeedback(c.var.deps, c.var.principal, c.req.valid('param').id, verdict, reason ?? null), 200);
  });
}
