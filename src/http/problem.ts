/**
 * One function turns every error into RFC 9457 problem+json. Clients branch on `code`; `detail`
 * is for people. No stack trace or internal message leaves the node.
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { DomainError, type ErrorCode, type FieldProblem } from '../core/errors';

const STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  invalid_request: 400,
  invalid_json: 400,
  batch_too_large: 400,
  unauthenticated: 401,
  invalid_token: 401,
  forbidden: 403,
  insufficient_scope: 403,
  client_suspended: 403,
  not_found: 404,
  method_not_allowed: 405,
  request_timeout: 408,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  corrupt_media: 422,
  undecodable_media: 422,
  image_too_small: 422,
  image_too_large: 422,
  low_quality: 422,
  video_unavailable: 501,
  document_unavailable: 501,
  unprocessable: 422,
  rate_limited: 429,
  not_implemented: 501,
  not_ready: 503,
  busy: 503,
  // Not a standard status (nginx's): the answer is never sent, the client has gone; the log says 499.
  cancelled: 499 as ContentfulStatusCode,
  // The node's fault, not the client's, and not passing: a retry (what 503 asks for) cannot help.
  audit_log_broken: 500,
  internal: 500,
};

const TITLES: Partial<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  499: 'Client Closed Request',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};

export interface Problem {
  type: string;
  title: string;
  status: ContentfulStatusCode;
  detail: string;
  code: ErrorCode;
  errors?: FieldProblem[];
  [k: string]: unknown;
}

function problemOf(err: DomainError): Problem {
  const status = STATUS[err.code];
  return {
    type: `https://media-hash-node.dev/problems/${err.code.replace(/_/g, '-')}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail: err.message,
    code: err.code,
    ...(err.errors ? { errors: err.errors } : {}),
    ...(err.extra ?? {}),
  };
}

/**
 * Maps anything thrown to a DomainError: ours pass through, framework errors by status, the rest is
 * a bug (500). A framework's own message never reaches the client; it travels as the cause.
 */
export function toDomainError(err: unknown): DomainError {
  if (err instanceof DomainError) return err;
  if (err instanceof HTTPException) {
    const s = err.status;
    const cause = err.message || undefined;
    if (s === 400) {
      if (/json/i.test(err.message))
        return new DomainError('invalid_json', 'the request body is not valid JSON', { errors: [{ path: 'body', message: 'not valid JSON' }], cause });
      return new DomainError('invalid_request', 'the request body could not be read', { errors: [{ path: 'body', message: 'malformed' }], cause });
    }
    if (s === 413) return new DomainError('payload_too_large', 'the request body is larger than this node accepts', { cause });
    if (s === 415) return new DomainError('unsupported_media_type', 'this operation does not take that Content-Type', { cause });
    if (s === 401) return new DomainError('unauthenticated', 'authentication required', { cause });
    if (s === 403) return new DomainError('forbidden', 'forbidden', { cause });
    if (s === 404) return new DomainError('not_found', 'not found', { cause });
    if (s === 429) return new DomainError('rate_limited', 'too many requests', { cause });
  }
  // The database's write lock held past the busy timeout (another process writing a large batch,
  // a backup): not a bug, and worth a retry.
  if (databaseBusy(err))
    return new DomainError('busy', 'the database is busy with another writer; retry in a moment', { extra: { retryAfter: 1 }, cause: err });
  return new DomainError('internal', 'an internal error occurred; it has been logged');
}

/** Whether an error, or one of its causes, is SQLite's "database is locked" (libsql and D1 alike). */
function databaseBusy(err: unknown): boolean {
  let e = err;
  for (let depth = 0; typeof e === 'object' && e !== null && depth < 5; depth++) {
    const code = 'code' in e ? e.code : undefined;
    const message = 'message' in e ? String(e.message) : '';
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' || /\b(SQLITE_BUSY|database is locked)\b/.test(message)) return true;
    e = 'cause' in e ? e.cause : undefined;
  }
  return false;
}

export function renderProblem(c: Context, err: DomainError): Response {
  const p = problemOf(err);
  return c.body(JSON.stringify(p), p.status, problemHeaders(err, p));
}

/** The same document outside a Hono app (e.g. while the node is still starting). */
export function problemResponse(err: DomainError): Response {
  const p = problemOf(err);
  return new Response(JSON.stringify(p), { status: p.status, headers: problemHeaders(err, p) });
}

function problemHeaders(err: DomainError, p: Problem): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/problem+json' };
  if (p.status === 401)
    headers['www-authenticate'] =
      `Bearer realm="media-hash-node", error="${err.code === 'invalid_token' ? 'invalid_token' : 'invalid_request'}", error_description="${err.message.replace(/"/g, "'")}"`;
  if (err.code === 'insufficient_scope')
    headers['www-authenticate'] = `Bearer realm="media-hash-node", error="insufficient_scope", error_description="${err.message.replace(/"/g, "'")}"`;
  // The rest of the body is not coming, or not in time (408), or is not read (413, refused part-way
  // through a chunked body, whose reader is left holding the socket): the connection is not kept for
  // another request (RFC 9110 §15.5.9), and on Node the socket is closed once the answer is out.
  // Kept alive after a 413, the Node adapter cut it some 500 ms later under the client's next request.
  if (p.status === 408 || p.status === 413) headers.connection = 'close';
  if ((p.status === 429 || p.status === 503) && typeof err.extra?.retryAfter === 'number') headers['retry-after'] = String(err.extra.retryAfter);
  return headers;
}
