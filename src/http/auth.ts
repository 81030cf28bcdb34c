/**
 * The one place a caller's identity enters a request: `authenticate` reads the bearer token through
 * the configured Authenticator, checks the scope and the client's rate limit, and puts the Principal
 * on the context.
 */
import { createMiddleware } from 'hono/factory';
import type { Scope } from '../core/auth';
import { DomainError } from '../core/errors';
import type { AppEnv } from './env';

/**
 * Passes when the caller holds any one of `scopes` (`any`: any authenticated caller). Routes list the
 * same scopes in their OpenAPI `security` entry; test/http/security.test.ts holds the two together.
 */
export function requireScope(scopes: readonly Scope[] | 'any') {
  return createMiddleware<AppEnv>(async (c, next) => {
    const principal = await c.var.deps.authenticator.authenticate(c.req.header('authorization'));
    if (scopes !== 'any' && !scopes.some((s) => principal.scopes.includes(s))) {
      const need = scopes.map((s) => `"${s}"`).join(' or ');
      throw new DomainError('insufficient_scope', `this operation needs the scope ${need}; your token carries: ${principal.scopes.join(' ') || 'none'}`, {
        extra: { requiredScope: scopes.join(' ') },
      });
    }
    const limiter = c.var.deps.rateLimiter;
    const wait = limiter ? limiter.take(principal.clientId, c.var.deps.now()) : 0;
    if (wait > 0) throw new DomainError('rate_limited', `too many requests from this client; retry in ${wait} s`, { extra: { retryAfter: wait } });
    c.set('principal', principal);
    await next();
  });
}
