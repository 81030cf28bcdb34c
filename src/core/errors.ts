/**
 * The one error type that travels up from core, storage and services. The HTTP layer maps `code`
 * to a status and renders RFC 9457 problem+json; clients branch on `code`, never on `detail`.
 */
export type ErrorCode =
  | 'invalid_request' // 400: malformed input; `errors` names each field
  | 'invalid_json' // 400
  | 'batch_too_large' // 400
  | 'unauthenticated' // 401
  | 'invalid_token' // 401
  | 'forbidden' // 403
  | 'insufficient_scope' // 403
  | 'client_suspended' // 403
  | 'not_found' // 404
  | 'method_not_allowed' // 405: a known path asked with a method it does not take (Allow names those it does)
  | 'conflict' // 409
  | 'request_timeout' // 408: the body stopped arriving (BODY_IDLE_TIMEOUT_MS) or took too long (BODY_TIMEOUT_MS); the connection is closed
  | 'payload_too_large' // 413
  | 'unsupported_media_type' // 415
  | 'corrupt_media' // 422: its first bytes say image or video, but it does not decode (corrupt or truncated)
  | 'undecodable_media' // 422: decodes, but holds nothing the node can hash (no video stream, no frame size, ...)
  | 'image_too_small' // 422
  | 'image_too_large' // 422: too many pixels (decompression bomb guard)
  | 'low_quality' // 422
  | 'video_unavailable' // 501: no ffmpeg on this node (images keep working)
  | 'document_unavailable' // 501: no PDF renderer on this node (images, text and URLs keep working)
  | 'unprocessable' // 422
  | 'rate_limited' // 429
  | 'not_ready' // 503
  | 'busy' // 503: at a capacity limit (e.g. video decodes); retry after `retryAfter` s
  | 'cancelled' // 499 (nginx's "client closed request"): the client went away first; never reaches it, only the log and the metrics
  | 'not_implemented' // 501
  | 'audit_log_broken' // 500: the node's own audit log has a missing or out-of-order entry; no newer tree head can be signed until an operator repairs it
  | 'internal'; // 500: a bug of ours, never anything a client sent

export interface FieldProblem {
  /** JSON pointer-ish path of the offending field, e.g. `items/3/value`. */
  path: string;
  message: string;
}

export class DomainError extends Error {
  readonly code: ErrorCode;
  readonly errors?: FieldProblem[];
  /** Extra members for the problem document (e.g. `retryAfter`). */
  readonly extra?: Record<string, unknown>;

  /**
   * `message` is the node's own words, for the client. `cause` is what a decoder or library said
   * (sharp's, ffmpeg's text): it goes to the node's log, never into a response.
   */
  constructor(code: ErrorCode, message: string, opts: { errors?: FieldProblem[]; extra?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'DomainError';
    this.code = code;
    this.errors = opts.errors;
    this.extra = opts.extra;
  }
}

/** What a caught value says: an Error's message, anything else as text. */
export const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** A caught Error's name (`TimeoutError`, `SyntaxError`), or undefined for anything else. */
export const errorNameOf = (e: unknown): string | undefined => (e instanceof Error ? e.name : undefined);

/** The work of a request whose connection closed (its client gone, or cut at the node's stop) is stopped: decoders killed, queue places freed. */
export const cancelled = (): DomainError =>
  new DomainError(
    'cancelled',
    'the connection closed before the answer was ready (the client went away, or the node cut it at the end of its stop, SHUTDOWN_TIMEOUT_MS); the work for it was stopped',
  );

/** Throws `cancelled` once `signal` (the request's) has aborted. */
export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw cancelled();
}
