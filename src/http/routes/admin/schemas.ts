import { z } from '@hono/zod-openapi';
import { ROLES } from '../../../core/auth';

export const JwkSchema = z
  .record(z.string(), z.unknown(), { error: (iss) => (iss.input === undefined ? undefined : 'jwk must be a JSON Web Key object') })
  .openapi({
    description: 'A public JWK: Ed25519 (`{"kty":"OKP","crv":"Ed25519","x":…}`) or P-256 (`{"kty":"EC","crv":"P-256","x":…,"y":…}`). Never the private half.',
  });

export const time = (description: string) => z.string().openapi({ format: 'date-time', description: `${description} (ISO 8601, UTC).` });

export const ClientSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    role: z.enum(ROLES),
    status: z.enum(['active', 'suspended']),
    scopes: z.array(z.string()),
    createdAt: time('When the client was admitted'),
    updatedAt: time('When its status last changed'),
    jwksUrl: z
      .string()
      .optional()
      .openapi({ description: 'A peer node registered by its JWKS URL: its keys are fetched from there (it has no registered keys).' }),
    keys: z.array(
      z.object({
        kid: z.string(),
        alg: z.string(),
        status: z.enum(['active', 'revoked']),
        createdAt: time('When the key was registered'),
        revokedAt: time('When the key was revoked').nullable(),
        jwk: JwkSchema,
      }),
    ),
  })
  .openapi('Client');

export const ClientIdParams = z.object({ id: z.string().max(100, 'a client id is at most 100 characters') });
