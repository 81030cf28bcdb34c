/**
 * The first middleware of every request: a request id (the client's `X-Request-Id` when it is a
 * plain short token, else a new one), echoed back; then, once the response is made, one log line
 * and the request metrics; a log line of its own for a refused authentication (with the node's
 * reason), for a request body that timed out, and for each admin action.
 *
 * Routes are named by their template (`/v1/hashes/:id`), never the raw path, so neither the log
 * nor the metrics grow with every id. Nothing of the request's headers or body is logged but the
 * client id a token request claims; the response's problem code and detail are the node's words.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { TOKEN_PATH } from '../services/tokens';
import type { AppEnv } from './env';

/** A client's request id is kept when it is this plain: short enough that no token or key fits. */
const REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,64}$/;

/** The route label of a request that matched no route (404s), so random paths make no new series. */
export const UNMATCHED_ROUTE = '(unmatched)';

/** Problem codes that mean the caller's credentials were refused. */
const AUTH_CODES = new Set(['unauthenticated', 'invalid_token', 'insufficient_scope', 'client_suspended', 'forbidden']);

/** The caller's request id when it is plain enough to keep, else a new one. */
export function requestIdOf(given: string | undefined, newId: () => string): string {
  return given !== undefined && REQUEST_ID.test(given) ? given : newId();
}

/** The template of the route that answered: the last matched entry that is not middleware (`use`). */
export function routeOf(c: Context): string {
  const routes = matchedRoutes(c);
  for (let i = routes.length - 1; i >= 0; i--) if (routes[i].method !== 'ALL') return routes[i].path;
  return UNMATCHED_ROUTE;
}

export function observe(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { deps } = c.var;
    const elapsed = deps.metrics.timer();
    const reqId = requestIdOf(c.req.header('x-request-id'), deps.newId);
    c.set('requestId', reqId);
    await next();
    try {
      c.res.headers.set('x-request-id', reqId);
    } catch {
      // a response with immutable headers (none of ours): served without the echo
    }
    const seconds = elapsed();
    const route = routeOf(c);
    const method = c.req.method;
    const status = c.res.status;
    deps.metrics.requestDone(route, method, status, seconds);

    const principal = c.get('principal');
    const problem = status >= 400 ? await problemOf(c) : undefined;
    deps.logger.info(
      {
        event: 'request',
        reqId,
        method,
        route,
        status,
        durationMs: Math.round(seconds * 1e4) / 10,
        ...(principal ? { clientId: principal.clientId, role: principal.role } : {}),
        ...(problem ? { code: problem.code } : {}),
      },
      `${method} ${route} ${status}`,
    );

    if (problem && (AUTH_CODES.has(problem.code) || (route === TOKEN_PATH && problem.oauth))) {
      const claimed = problem.oauth ? await claimedClientId(c) : undefined;
      deps.logger.warn(
        { event: 'auth_failure', reqId, method, route, status, code: problem.code, reason: problem.detail, ...(claimed ? { claimedClientId: claimed } : {}) },
        `authentication refused: ${problem.detail}`,
      );
    }
    // A body that stopped arriving or came too slowly (http/body.ts): who, and how far it got.
    if (problem?.code === 'request_timeout') {
      deps.logger.warn(
        { event: 'body_timeout', reqId, method, route, ...(principal ? { clientId: principal.clientId } : {}), reason: problem.detail },
        `request body timed out: ${problem.detail}`,
      );
    }
    if (principal?.role === 'admin' && method !== 'GET' && method !== 'HEAD') {
      const result = status < 400 ? await createdId(c) : undefined;
      deps.logger.info(
        {
          event: 'admin_action',
          reqId,
          actor: principal.clientId,
          action: `${method} ${route}`,
          target: c.req.param(),
          status,
          ...(result ? { resultId: result } : {}),
          ...(problem ? { code: problem.code } : {}),
        },
        `admin ${principal.clientId}: ${method} ${route} ${status}`,
      );
    }
  };
}

/** A member of a parsed JSON value, if it is an object that has it. */
const member = (v: unknown, key: string): unknown => (typeof v === 'object' && v !== null ? Reflect.get(v, key) : undefined);

/**
 * The code and detail of an error response: problem+json, or the token endpoint's OAuth error JSON
 * (`oauth`: the route read the form and refused it).
 */
async function problemOf(c: Context): Promise<{ code: string; detail: string; oauth: boolean }> {
  const type = c.res.headers.get('content-type') ?? '';
  if (/^application\/(problem\+)?json/.test(type)) {
    try {
      const body: unknown = await c.res.clone().json();
      const oauth = typeof member(body, 'error') === 'string' && member(body, 'code') === undefined;
      const code = member(body, oauth ? 'error' : 'code');
      const detail = member(body, oauth ? 'error_description' : 'detail');
      if (typeof code === 'string') return { code, detail: typeof detail === 'string' ? detail.slice(0, 500) : '', oauth };
    } catch {
      // not JSON after all
    }
  }
  return { code: `http_${c.res.status}`, detail: '', oauth: false };
}

/** The `id` of what an admin action made (a new client), from its JSON answer. */
async function createdId(c: Context): Promise<string | undefined> {
  if (c.res.status !== 201 || !/^application\/json/.test(c.res.headers.get('content-type') ?? '')) return undefined;
  try {
    const id = member(await c.res.clone().json(), 'id');
    return typeof id === 'string' && REQUEST_ID.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The client id a refused token request claimed (the assertion's `iss`, read without trusting it),
 * for "who failed to sign in". The assertion itself is never logged; the form was parsed by the
 * route already (Hono keeps it).
 */
async function claimedClientId(c: Context): Promise<string | undefined> {
  try {
    const form = await c.req.parseBody();
    if (typeof form.client_id === 'string' && REQUEST_ID.test(form.client_id)) return form.client_id;
    const jwt = typeof form.client_assertion === 'string' ? form.client_assertion.split('.') : [];
    if (jwt.length !== 3) return undefined;
    const iss = member(JSON.parse(new TextDecoder().decode(base64url(jwt[1]))), 'iss');
    return typeof iss === 'string' && REQUEST_ID.test(iss) ? iss : undefined;
  } catch {
    return undefined;
  }
}

function base64url(s: string): Uint8Array {
  const bin = atob(
    s
      .replace(/-/g, '+')
      .replace(/_/g, '/')
      .padEnd(Math.ceil(s.length / 4) * 4, '='),
  );
  return Uint8Array.from(bin, (ch) => ch.charCodeAt(0));
}
