/**
 * A fetch that tries again when the node says "not now": 429 (rate limited), 503 (starting, or
 * decodes busy) and 408 (the request's body stopped arriving: a stalled link between here and the
 * node). It waits what `Retry-After` says when the node sends it (seconds or an HTTP date), else an
 * exponential backoff with full jitter; both capped at `maxDelayMs`. A request the node refused with
 * 408, 429 or 503 was not carried out, so sending it again is safe for every method.
 * A network failure (no answer at all) becomes a NodeUnreachableError naming the URL and the cause.
 */
import { NodeUnreachableError } from './errors';

export type FetchLike = (input: Request) => Promise<Response>;

export interface RetryOptions {
  /** Retries after the first attempt (default 5). 0 turns retrying off. */
  retries?: number;
  /** First backoff step (default 250 ms); doubled each retry. */
  baseDelayMs?: number;
  /** No wait is longer than this (default 30 s), whatever Retry-After says. */
  maxDelayMs?: number;
  /** Statuses retried (default 408, 429, 503). */
  statuses?: readonly number[];
}

export interface RetryEnv {
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  now: () => number;
  /** Told of each wait, e.g. for a CLI to say why it pauses. */
  onRetry?: (info: { url: string; status: number; attempt: number; delayMs: number }) => void;
}

const DEFAULTS = { retries: 5, baseDelayMs: 250, maxDelayMs: 30_000, statuses: [408, 429, 503] } as const;

/** Seconds to wait from a Retry-After header: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - nowMs) / 1000);
}

/** The wait before retry number `attempt` (1-based). */
export function retryDelayMs(attempt: number, retryAfterS: number | undefined, o: Required<Omit<RetryOptions, 'statuses'>>, random: () => number): number {
  if (retryAfterS !== undefined) {
    // What the node asked for, plus up to 10 % so that many clients told the same second spread out.
    return Math.min(o.maxDelayMs, retryAfterS * 1000 * (1 + 0.1 * random()));
  }
  return Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** (attempt - 1)) * random();
}

/**
 * Sends the request `make` builds for each attempt (`last` says no retry follows), through `inner`,
 * until the answer is not a retried status or the retries are spent.
 */
export async function sendWithRetries(
  make: (last: boolean) => Request | Promise<Request>,
  inner: FetchLike,
  opts: RetryOptions,
  env: RetryEnv,
): Promise<Response> {
  const o = { ...DEFAULTS, ...opts };
  for (let attempt = 0; ; attempt++) {
    const last = attempt >= o.retries;
    const req = await make(last);
    let res: Response;
    try {
      res = await inner(req);
    } catch (e) {
      if (typeof e === 'object' && e !== null && 'name' in e && e.name === 'AbortError') throw e;
      throw new NodeUnreachableError(req.url, e);
    }
    if (last || !o.statuses.includes(res.status)) return res;
    const delayMs = retryDelayMs(attempt + 1, parseRetryAfter(res.headers.get('retry-after'), env.now()), o, env.random);
    // Free the connection: the body of a refusal is not needed.
    await res.body?.cancel().catch(() => undefined);
    env.onRetry?.({ url: req.url, status: res.status, attempt: attempt + 1, delayMs });
    await env.sleep(delayMs);
  }
}

/**
 * Wraps `inner`. The request is cloned before each attempt but the last (a body can be read once).
 * `prepare` runs before each attempt (the client sets Authorization there, so a retry after a long
 * wait carries a fresh token).
 */
export function retryingFetch(inner: FetchLike, opts: RetryOptions, env: RetryEnv, prepare?: (req: Request) => Promise<Request> | Request): FetchLike {
  return (request) =>
    sendWithRetries(
      async (last) => {
        const req = last ? request : request.clone();
        return prepare ? prepare(req) : req;
      },
      inner,
      opts,
      env,
    );
}
