/**
 * Route definitions with what every route shares derived from a few options, so that a route file
 * says only what is its own:
 *
 * - `scope` (protectedRoute) gives both the OpenAPI `security` entry and the middleware that checks
 *   the token, the scope and the client's rate limit; public routes declare `security: []`;
 * - `body` gives the body's size limit (refused from Content-Length before it is read, or cut off
 *   when streamed) and, for JSON, the Content-Type the route takes, refused in the node's words
 *   naming what came instead (and, with `mediaRoute`, where media goes);
 * - request schemas are parsed with the node's words (validation.ts), and the error responses every
 *   such route can give (400, 401, 403, 413, 415, 429) are listed in the document for it.
 */
import { createRoute, z, type RouteConfig } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import type { Scope } from '../core/auth';
import { DomainError } from '../core/errors';
import { firstInvalidUtf8, shown } from '../core/text';
import { requireScope } from './auth';
import { bodyTooLarge, readBody, type BodyLimit } from './body';
import type { AppEnv } from './env';
import { problemResponses, type ProblemStatus } from './schemas';
import { withNodeWords } from './validation';

/**
 * What a route's body is. json: JSON up to MAX_JSON_BYTES, Content-Type application/json. form: the
 * token endpoint's small form, up to MAX_JSON_BYTES. media: an image or a text (up to MAX_BODY_BYTES
 * when declared image/* or text/plain), a PDF (up to PDF_MAX_BYTES when declared application/pdf),
 * or a video or multipart form (up to the largest of VIDEO_MAX_BYTES, PDF_MAX_BYTES and
 * MAX_BODY_BYTES). none: no body is read; one larger than MAX_JSON_BYTES is still refused.
 */
export type BodyKind = 'json' | 'form' | 'media' | 'none';

interface RouteOptions {
  /** Every operation has one: client generators name their methods after it. */
  operationId: string;
  body: BodyKind;
  /** For a JSON route: the route that takes the same request as media, named when media arrives here. */
  mediaRoute?: string;
}

type Definition<P extends string> = Omit<RouteConfig, 'path' | 'security' | 'middleware' | 'operationId'> & { path: P };

/** The body's limit for this request, in bytes, and the words of its 413. */
function limitOf(kind: BodyKind, c: Context<AppEnv>): BodyLimit {
  const { limits, video, documents } = c.var.deps;
  const json = limits.maxJsonBytes;
  if (kind === 'json')
    return { max: json, message: `the JSON body is larger than ${json} bytes, the most this node takes in one JSON request; send fewer items per request` };
  if (kind === 'form') return { max: json, message: `the form body is larger than ${json} bytes, the most this node takes in a form` };
  if (kind === 'none') return { max: json, message: `this operation takes no body, and this one is larger than ${json} bytes` };
  const image = limits.maxBodyBytes;
  const any = Math.max(image, video.maxBytes, documents.maxBytes);
  // Each kind's own limit, from the configuration (a 413 that named one figure for both once told a
  // member that a PDF may be as large as a video).
  const each = `a video up to ${video.maxBytes} bytes (video/* or multipart), a PDF up to ${documents.maxBytes} (application/pdf or multipart), an image or a text up to ${image}`;
  // A body declared image/* or text/plain is held to the image limit from its Content-Length, one
  // declared application/pdf to the PDF limit; a video or a multipart form may be larger (what is
  // found inside is held to its own limit once read: media.ts).
  const type = (c.req.header('content-type') ?? '').toLowerCase();
  const declared = type.startsWith('image/') ? 'image' : type.startsWith('text/plain') ? 'text' : null;
  if (declared && image < any) {
    return {
      max: image,
      message: `the ${declared} is larger than ${image} bytes, the most this node takes for an image or a text (it takes ${each})`,
    };
  }
  if (type.startsWith('application/pdf') && documents.maxBytes < any) {
    return { max: documents.maxBytes, message: `the PDF is larger than ${documents.maxBytes} bytes, the most this node takes for a PDF (it takes ${each})` };
  }
  return { max: any, message: `the request body is larger than ${any} bytes, the most this node takes in one upload (it takes ${each})` };
}

/**
 * Refuses a body over the route's limit: from its Content-Length before anything is read, or, sent
 * without one (chunked), once the limit is passed while it is read (body.ts, which takes the limit
 * from here). A chunked body is read where any other is (after the token's check and the image
 * place); on a route that reads none it is never read (the Node adapter discards what comes), so an
 * unauthenticated client cannot make the node hold one while it trickles in.
 * A body within its declared length is left untouched (reading `raw.body` here would make the Node
 * adapter build a full Request for every call).
 */
export function limitBody(kind: BodyKind): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const limit = limitOf(kind, c);
    const length = c.req.header('content-length');
    if (length !== undefined && c.req.header('transfer-encoding') === undefined) {
      if (!/^\d+$/.test(length))
        throw new DomainError('invalid_request', 'Content-Length is not a number', { errors: [{ path: 'content-length', message: length }] });
      if (Number(length) > limit.max) throw bodyTooLarge(limit);
      return next();
    }
    c.set('bodyLimit', limit);
    return next();
  };
}

/** What @hono/zod-openapi's validator takes as JSON; anything else is refused first, in our words. */
const JSON_TYPE = /^application\/([a-z-.]+\+)?json(;\s*[a-zA-Z0-9-]+=([^;]+))*$/i;

function requireJson(method: string, path: string, mediaRoute: string | undefined): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const type = c.req.header('content-type');
    if (type !== undefined && JSON_TYPE.test(type)) return next();
    const got = type === undefined ? 'no Content-Type' : `Content-Type ${shown(type)}`;
    const media = mediaRoute ? `; an image, video, PDF or text goes to ${method.toUpperCase()} ${mediaRoute}` : '';
    throw new DomainError(
      'unsupported_media_type',
      `${method.toUpperCase()} ${path} takes a JSON body (Content-Type: application/json), and this request has ${got}${media}`,
      {
        extra: { accepts: ['application/json'] },
      },
    );
  };
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A JSON body is UTF-8 (RFC 8259 §8.1) or it is refused: the platform's `Request.json()` puts U+FFFD
 * in place of bytes that are not, and the replaced text would be stored (an externalId, a reason)
 * as if the client had sent it. The text decoded here is where `c.req.json()` (the validator) reads.
 */
const utf8Body: MiddlewareHandler<AppEnv> = async (c, next) => {
  const bytes = await readBody(c);
  // Nothing at all is said as such (the parser's "not valid JSON" reads as a malformed body); the code stays invalid_json.
  if (bytes.byteLength === 0)
    throw new DomainError('invalid_json', 'the request body is empty; send a JSON object (Content-Type: application/json)', {
      errors: [{ path: 'body', message: 'empty' }],
    });
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    throw new DomainError('invalid_json', `the request body is not valid JSON: it is not UTF-8 (byte ${at} starts no UTF-8 character)`, {
      errors: [{ path: 'body', message: `not UTF-8 at byte ${at}` }],
    });
  }
  // hono keeps each body read as its promise (request.js #cachedBody), though its type says string;
  // without this, c.req.json() would decode the bytes again (without the check: already done).
  (c.req.bodyCache as { text?: Promise<string> }).text = Promise.resolve(text);
  return next();
};

/**
 * A body read before the handler: the token endpoint's form, and a body a validator parses (a zod
 * schema of a multipart form): read here within the body's times (body.ts), parsed from Hono's copy.
 */
const bodyFirst: MiddlewareHandler<AppEnv> = async (c, next) => {
  await readBody(c);
  return next();
};

/**
 * bodyFirst for a media route whose validator parses a multipart form (HMA's lookup upload): only a
 * form is read here; another type (an image sent raw) is refused unread by the validator (415)
 * rather than read whole first, holding an image place while it arrives.
 */
const formFirst: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (/^\s*multipart\/form-data\b/i.test(c.req.header('content-type') ?? '')) await readBody(c);
  return next();
};

/**
 * A body declared image/* takes its place among the image slots (services/deps.ts ImageSettings)
 * before it is read: when they and their queue are full it is refused with 503 busy unread, so the
 * image bodies held at once are bounded by the slots and the queue, not by the clients. The place is
 * given back when the request ends, if the hashing did not use it (the body was not an image, or was
 * refused). Runs after the token's check: an unauthenticated request takes no place.
 */
const reserveImagePlace: MiddlewareHandler<AppEnv> = async (c, next) => {
  const type = (c.req.header('content-type') ?? '').toLowerCase();
  const images = c.var.deps.images;
  if (!type.startsWith('image/')) return next();
  const place = images.slots.reserve();
  c.set('imagePlace', place);
  try {
    await next();
  } finally {
    place.release();
  }
};

/** The zod schemas of the request's body, one per content type: a validator parses each. */
function bodySchemas(request: RouteConfig['request']): z.ZodType[] {
  return Object.values(request?.body?.content ?? {})
    .map((media) => (media && 'schema' in media ? media.schema : undefined))
    .filter((schema) => schema instanceof z.ZodType);
}

/** The request's schemas parse with the node's words. */
function requestInNodeWords(request: RouteConfig['request']): void {
  if (!request) return;
  if (request.query) withNodeWords(request.query);
  if (request.params) withNodeWords(request.params);
  for (const schema of bodySchemas(request)) withNodeWords(schema);
}

/** The problems any route of this kind can answer, beside its own. */
function commonProblems(kind: BodyKind, request: RouteConfig['request'], isProtected: boolean) {
  const statuses: ProblemStatus[] = [];
  const validated = Boolean(request?.query || request?.params || kind === 'json' || kind === 'media');
  if (validated) statuses.push(400);
  if (isProtected) statuses.push(401, 403);
  // A body that stops arriving, or arrives too slowly (body.ts).
  if (kind !== 'none') statuses.push(408);
  statuses.push(413);
  if (kind === 'json' || kind === 'media') statuses.push(415);
  if (isProtected) statuses.push(429);
  // Media: the image (or video, or PDF) slots and their queues are full.
  if (kind === 'media') statuses.push(503);
  return problemResponses(...statuses);
}

function define<P extends string, R extends Definition<P>>(route: R & RouteOptions, security: { bearer: string[] }[], middleware: MiddlewareHandler<AppEnv>[]) {
  const { body, mediaRoute, ...rest } = route;
  requestInNodeWords(rest.request);
  const own: MiddlewareHandler<AppEnv>[] = [limitBody(body), ...middleware];
  if (body === 'json') own.push(requireJson(rest.method, rest.path, mediaRoute), utf8Body);
  if (body === 'media') own.push(reserveImagePlace);
  if (body === 'form') own.push(bodyFirst);
  else if (body === 'media' && bodySchemas(rest.request).length > 0) own.push(formFirst);
  return createRoute({
    ...rest,
    security,
    middleware: own,
    responses: { ...commonProblems(body, rest.request, security.length > 0), ...rest.responses },
  });
}

/**
 * A route that needs a token holding `scope` (any one of several; 'any': any valid token). The
 * OpenAPI `security` entry lists the same scopes the middleware checks (test/http/security.test.ts).
 */
export function protectedRoute<P extends string, R extends Definition<P>>(route: R & RouteOptions & { scope: Scope | readonly Scope[] | 'any' }) {
  const { scope, ...rest } = route;
  const scopes: Scope[] = scope === 'any' ? [] : typeof scope === 'string' ? [scope] : [...scope];
  return define(rest, [{ bearer: scopes }], [requireScope(scope === 'any' ? 'any' : scopes)]);
}

/** A route anyone may call: `security: []` says so in the document. */
export function publicRoute<P extends string, R extends Definition<P>>(route: R & RouteOptions) {
  return define(route, [], []);
}
