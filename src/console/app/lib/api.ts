/**
 * Calls to the node's API with the session's access token. Every refusal becomes an ApiError in the
 * node's own words: RFC 9457 problem+json (`detail`, and `errors[]` for fields) or, from the token
 * endpoint, OAuth's `error_description`.
 */
import { member, text } from '../../../client/json';

export interface FieldProblem {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
    readonly title?: string,
    readonly errors: FieldProblem[] = [],
  ) {
    super(message);
  }
}

/** The error a failed response carries, read from its body. */
export async function errorOf(res: Response): Promise<ApiError> {
  let body: unknown = {};
  try {
    body = await res.json();
  } catch {
    // not JSON: fall back to the status line
  }
  const str = (k: string) => text(member(body, k));
  const listed = member(body, 'errors');
  const errors: FieldProblem[] = (Array.isArray(listed) ? listed : []).flatMap((e: unknown) => {
    const message = text(member(e, 'message'));
    return message === undefined ? [] : [{ path: text(member(e, 'path')) ?? '', message }];
  });
  const message = str('detail') ?? str('error_description') ?? str('title') ?? `${res.status} ${res.statusText || 'error'}`;
  return new ApiError(res.status, message, str('code') ?? str('error'), str('title'), errors);
}

export type TokenSource = { token(): Promise<string>; refresh(): Promise<string> };

let source: TokenSource | undefined;

export function useTokenSource(s: TokenSource | undefined): void {
  source = s;
}

export interface CallOptions {
  json?: unknown;
  query?: Record<string, string | number | boolean | undefined>;
  /** Public routes (metadata, JWKS, health): no token. */
  anonymous?: boolean;
}

export async function call<T>(method: string, path: string, opts: CallOptions = {}): Promise<T> {
  const qs = opts.query
    ? new URLSearchParams(
        Object.entries(opts.query)
          .filter(([, v]) => v !== undefined && v !== '')
          .map(([k, v]) => [k, String(v)]),
      ).toString()
    : '';
  const url = qs ? `${path}?${qs}` : path;
  const send = async (token?: string) =>
    fetch(url, {
      method,
      headers: {
        accept: 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(opts.json !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: opts.json !== undefined ? JSON.stringify(opts.json) : undefined,
      credentials: 'omit',
      cache: 'no-store',
    });
  if (!opts.anonymous && !source) throw new ApiError(401, 'you are signed out; sign in with your key');
  let res = await send(opts.anonymous || !source ? undefined : await source.token());
  // A token the node no longer takes (its signing key rotated away, say): one fresh token, one retry.
  if (res.status === 401 && !opts.anonymous && source) res = await send(await source.refresh());
  if (!res.ok) throw await errorOf(res);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}
