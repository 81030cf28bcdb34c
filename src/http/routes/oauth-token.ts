import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { CLOCK_SKEW_S, issueAccessToken, JTI_MAX_LENGTH, OAuthError, TOKEN_PATH, tokenRequestOf } from '../../services/tokens';
import type { AppEnv } from '../env';
import { publicRoute } from '../route';

const OAuthErrorSchema = z
  .object({
    error: z.enum(['invalid_request', 'invalid_client', 'unsupported_grant_type', 'invalid_scope', 'invalid_grant']),
    error_description: z.string(),
  })
  .openapi('OAuthError');

const route = publicRoute({
  method: 'post',
  path: TOKEN_PATH,
  operationId: 'getToken',
  body: 'form',
  tags: ['auth'],
  summary: 'Get an access token (client credentials, private_key_jwt)',
  description: `OAuth 2.0 client credentials with a client assertion (RFC 7523): a JWT you sign with your own key, with \`iss\` = \`sub\` = your client id, \`aud\` = the node's issuer identifier (its public URL) or this URL under it, \`exp\` at most 5 minutes ahead, \`iat\` (if given) not ahead of the node's clock by more than ${CLOCK_SKEW_S} s, and a fresh \`jti\` (a string of 1 to ${JTI_MAX_LENGTH} characters). Each parameter at most once (RFC 6749 §3.2; a parameter sent empty counts as left out). Returns a 10-minute access token signed by the node.`,
  request: {
    body: {
      required: true,
      content: {
        'application/x-www-form-urlencoded': {
          schema: {
            type: 'object' as const,
            properties: {
              grant_type: { type: 'string' as const, enum: ['client_credentials'] },
              client_assertion_type: { type: 'string' as const, enum: ['urn:ietf:params:oauth:client-assertion-type:jwt-bearer'] },
              client_assertion: { type: 'string' as const, description: 'The signed assertion (compact JWS, EdDSA or ES256).' },
              client_id: { type: 'string' as const, description: "Optional; when sent, it must equal the assertion's `iss`." },
              scope: {
                type: 'string' as const,
                description: "Optional: a space-separated subset of your role's scopes. Left out, empty or only spaces: all of your role's scopes.",
              },
            },
            required: ['grant_type', 'client_assertion_type', 'client_assertion'],
          },
        },
      },
    },
  },
  responses: {
    200: {
      description: 'An access token.',
      content: {
        'application/json': {
          schema: z
            .object({ access_token: z.string(), token_type: z.literal('Bearer'), expires_in: z.number().int(), scope: z.string() })
            .openapi('TokenResponse'),
        },
      },
    },
    400: { description: 'Malformed request, unsupported grant or scope.', content: { 'application/json': { schema: OAuthErrorSchema } } },
    401: { description: 'Client authentication failed.', content: { 'application/json': { schema: OAuthErrorSchema } } },
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const deps = c.var.deps;
    const noStore = { 'cache-control': 'no-store', pragma: 'no-cache' };
    try {
      if (!(c.req.header('content-type') ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) {
        throw new OAuthError('invalid_request', 'send the token request as application/x-www-form-urlencoded');
      }
      // all: a parameter sent twice comes as an array, which tokenRequestOf refuses.
      const token = await issueAccessToken(deps, tokenRequestOf(await c.req.parseBody({ all: true })));
      return c.json(token, 200, noStore);
    } catch (e) {
      if (!(e instanceof OAuthError)) throw e;
      // No WWW-Authenticate on a 401: the client authenticated with an assertion, not an HTTP
      // scheme (RFC 6749 §5.2), and a Bearer challenge here made standard clients report the
      // challenge instead of the error below.
      return c.json({ error: e.error, error_description: e.description }, e.status, noStore);
    }
  });
}
