import { z } from '@hono/zod-openapi';
import { ROLES } from '../../../core/auth';

export const JwkSchema = z
  .record(z.string(), z.unknown())
  .openapi({ description: 'A public JWK: Ed25519 (`{"kty":"OKP","crv":"Ed25519","x":…}`) or P-256 (`{"kty":"EC","crv":"P-256","x":…,"y":…}`). Never the private half.' });

export const ClientSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    role: z.enum(ROLES),
    status: z.enum(['active', 'suspended']),
    scopes: z.array(z.string()),
    createdAt: z.number().int().openapi({ description: 'ms since the epoch' }),
    updatedAt: z.number().int(),
    jwksUrl: z.string().optional().openapi({ description: 'A peer node registered by its JWKS URL: its keys are fetched from there (it has no registered keys).' }),
    keys: z.array(z.object({ kid: z.string(), alg: z.string(), status: z.enum(['active', 'revoked']), createdAt: z.number().int(), revokedAt: z.number().int().nullable(), jwk: JwkSchema })),
  })
  .openapi('Client');

export const ClientIdParams = z.object({ id: z.string().min(1).max(100) });
