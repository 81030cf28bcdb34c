/**
 * The one place a caller's identity enters a request: `authenticate` reads the bearer token through
 * the configured Authenticator and puts the Principal on the context; `requireScope` checks it.
 */
import { createMiddleware } from 'hono/factory';
import type { Scope } from '../core/auth';
import { DomainError } from '../core/errors';
import type { AppEnv } from './env';

export function requireScope(scope: Scope | 'any') {
  return createMiddleware<AppEnv>(async (c, next) => {
    const principal = await c.var.deps.authenticator.authenticate(c.req.header('authorization'));
    if (scope !== 'any' && !principal.scopes.includes(scope)) {
      throw new DomainError('insufficient_scope', `this operation needs the scope "${scope}"; your token carries: ${principal.scopes.join(' ') || 'none'}`, {
        extra: { requiredScope: scope },
      });
    }
    c.set('principal', principal);
    await next();
  });
}
