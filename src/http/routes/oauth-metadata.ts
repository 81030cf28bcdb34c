import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { SCOPES } from '../../core/auth';
import { CLIENT_ALGS } from '../../services/tokens';
import type { AppEnv } from '../env';
import { publicRoute } from '../route';

const Metadata = z
  .object({
    issuer: z.string().openapi({ description: "The node's issuer identifier (PUBLIC_URL): the audience a client assertion names." }),
    token_endpoint: z.string(),
    jwks_uri: z.string(),
    grant_types_supported: z.array(z.string()),
    token_endpoint_auth_methods_supported: z.array(z.string()),
    token_endpoint_auth_signing_alg_values_supported: z.array(z.string()),
    scopes_supported: z.array(z.string()),
    response_types_supported: z.array(z.string()),
  })
  .openapi('AuthorizationServerMetadata');

const route = publicRoute({
  method: 'get',
  path: '/.well-known/oauth-authorization-server',
  operationId: 'getAuthorizationServerMetadata',
  body: 'none',
  tags: ['auth'],
  summary: 'OAuth 2.0 authorization server metadata (RFC 8414)',
  description:
    'What a standard OAuth client needs to get a token from this node by itself: the issuer, the token endpoint, private_key_jwt and its algorithms, the JWKS.',
  responses: { 200: { description: 'The metadata.', content: { 'application/json': { schema: Metadata } } } },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, (c) => {
    const issuer = c.var.deps.issuer;
    return c.json(
      {
        issuer,
        token_endpoint: `${issuer}/v1/oauth/token`,
        jwks_uri: `${issuer}/.well-known/jwks.json`,
        grant_types_supported: ['client_credentials'],
        token_endpoint_auth_methods_supported: ['private_key_jwt'],
        token_endpoint_auth_signing_alg_values_supported: [...CLIENT_ALGS],
        scopes_supported: [...SCOPES],
        // Only the client-credentials grant: no authorization endpoint, no response types.
        response_types_supported: [],
      },
      200,
      { 'cache-control': 'public, max-age=300' },
    );
  });
}
