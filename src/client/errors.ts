/**
 * What a NodeClient call throws: the node answered with an error (NodeApiError, carrying the RFC 9457
 * problem or the OAuth error), or it could not be reached at all (NodeUnreachableError, naming the
 * URL and the cause, never only "fetch failed").
 */

import { isRecord, member, text } from './json';

/** A problem+json body (RFC 9457) as the node writes it, or an OAuth error body from the token endpoint. */
export interface ProblemBody {
  type?: string;
  title?: string;
  status?: number;
  code?: string;
  detail?: string;
  errors?: { path: string; message: string }[];
  /** OAuth token endpoint errors (RFC 6749 §5.2). */
  error?: string;
  error_description?: string;
  [extra: string]: unknown;
}

/** The node answered with an error status. `code` is the problem's stable code (or the OAuth `error`). */
export class NodeApiError extends Error {
  readonly status: number;
  readonly code: string | undefined;
  readonly problem: ProblemBody | undefined;
  readonly method: string;
  readonly url: string;
  /** Seconds from Retry-After, when the node sent one (429, 503). */
  readonly retryAfterS: number | undefined;

  constructor(args: { method: string; url: string; status: number; problem?: ProblemBody; retryAfterS?: number }) {
    const p = args.problem;
    const code = p?.code ?? p?.error;
    const detail = p?.detail ?? p?.error_description ?? p?.title;
    super(`${args.method} ${pathOf(args.url)}: ${args.status}${code ? ` ${code}` : ''}${detail ? `: ${detail}` : ''}`);
    this.name = 'NodeApiError';
    this.status = args.status;
    this.code = code;
    this.problem = p;
    this.method = args.method;
    this.url = args.url;
    this.retryAfterS = args.retryAfterS;
  }
}

/** No HTTP answer: connection refused, no such host, TLS failure, timeout, connection reset. */
export class NodeUnreachableError extends Error {
  readonly url: string;
  /** The lowest error code found in the cause chain (ECONNREFUSED, ENOTFOUND, …), if any. */
  readonly reason: string | undefined;

  constructor(url: string, cause: unknown) {
    const { words, code } = describeNetworkError(cause);
    super(`cannot reach the node at ${originOf(url)}: ${words}`, { cause });
    this.name = 'NodeUnreachableError';
    this.url = url;
    this.reason = code;
  }
}

/** A request that cannot be sent as asked (an item larger than a request may be, a bad option). */
export class NodeClientUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NodeClientUsageError';
  }
}

const CODE_WORDS: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is the node running, and on this port?)',
  ENOTFOUND: 'no such host (check the URL)',
  EAI_AGAIN: 'the host name could not be looked up (DNS)',
  ETIMEDOUT: 'the connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
  ECONNRESET: 'the connection was reset',
  UND_ERR_SOCKET: 'the connection was closed',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  EPIPE: 'the connection was closed while sending',
  CERT_HAS_EXPIRED: "the node's TLS certificate has expired",
  DEPTH_ZERO_SELF_SIGNED_CERT: "the node's TLS certificate is self-signed",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "the node's TLS certificate cannot be verified",
  ERR_TLS_CERT_ALTNAME_INVALID: "the node's TLS certificate is for another name",
};

/** The deepest useful words of a fetch failure: undici says "fetch failed" and keeps the reason in `cause`. */
export function describeNetworkError(e: unknown): { words: string; code: string | undefined } {
  const chain: unknown[] = [];
  for (let x: unknown = e; typeof x === 'object' && x !== null && chain.length < 6; x = member(x, 'cause')) {
    chain.push(x);
    // An AggregateError (several addresses tried, as for localhost: ::1 then 127.0.0.1): the first.
    const errs = member(x, 'errors');
    if (Array.isArray(errs) && errs[0] && typeof errs[0] === 'object') chain.push(errs[0]);
  }
  const code = [...chain]
    .reverse()
    .map((x) => text(member(x, 'code')))
    .find((c) => c !== undefined);
  const message =
    [...chain]
      .reverse()
      .map((x) => text(member(x, 'message')))
      .find((m) => m && m !== 'fetch failed') ?? (e instanceof Error ? e.message : String(e));
  if (code && CODE_WORDS[code]) return { words: `${CODE_WORDS[code]} [${message}]`, code };
  return { words: code && !message.includes(code) ? `${message} (${code})` : message, code };
}

function originOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return url;
  }
}

function pathOf(url: string): string {
  try {
    const u = new URL(url);
    return u.pathname + u.search;
  } catch {
    return url;
  }
}

/** A response body as a problem: its members when it is an object, a short text when it is text. */
export function problemBodyOf(body: unknown): ProblemBody | undefined {
  if (isRecord(body)) return body;
  const t = text(body);
  return t ? { detail: t.slice(0, 300) } : undefined;
}
