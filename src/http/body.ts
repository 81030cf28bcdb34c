/**
 * Reads a request body whole, with two clocks: `BODY_IDLE_TIMEOUT_MS` between chunks (a body that
 * stops arriving) and `BODY_TIMEOUT_MS` for all of it (one that trickles). Past either the request
 * is refused with 408 `request_timeout` in the node's words, the place it holds (an image slot,
 * taken before the body is read: route.ts) is given back at once, and the answer closes the
 * connection (problem.ts): the rest of the body will not come. Without these a client that sent
 * part of its body and nothing more held its place until Node cut the connection at 300 s.
 *
 * Shared by both runtimes: timers, and the body's chunks as the runtime reads them best (AppDeps
 * `bodyChunks`; Node: the socket's stream, about 0.1 ms a request cheaper than the web stream its
 * adapter would build), else the Request's web stream. The bytes are left where Hono keeps a body
 * read (`bodyCache`), so `c.req.arrayBuffer()`, `parseBody()` and `json()` read them, not the stream.
 */
import type { Context } from 'hono';
import { DomainError } from '../core/errors';
import type { AppEnv } from './env';

/** A route's limit on its body (http/route.ts limitBody), and the words of its 413. */
export interface BodyLimit {
  max: number;
  message: string;
}

export const bodyTooLarge = ({ max, message }: BodyLimit) => new DomainError('payload_too_large', message, { extra: { maxBytes: max } });

/** A body's chunks in order, as an async iterator gives them (the runtime's own source, or a web stream's reader). */
export interface BodyChunks {
  next(): Promise<IteratorResult<Uint8Array>>;
}

/** The runtime's own source of the body's chunks, else the Request's web stream; none for no body. */
function chunksOf(c: Context<AppEnv>): BodyChunks | undefined {
  const own = c.var.deps.bodyChunks?.(c.env);
  if (own) return own;
  const reader = c.req.raw.body?.getReader();
  return reader && { next: () => reader.read() as Promise<IteratorResult<Uint8Array>> };
}

/** A duration in the node's words: whole seconds as seconds, the rest in milliseconds. */
const duration = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`);

/** The body's length from Content-Length, when it is framed by one (not chunked). */
function declaredLength(c: Context<AppEnv>): number | undefined {
  const length = c.req.header('content-length');
  return length !== undefined && /^\d+$/.test(length) && c.req.header('transfer-encoding') === undefined ? Number(length) : undefined;
}

/** Resolves with 'late' after `ms`, unless cleared. */
function lateAfter(ms: number): { late: Promise<'late'>; clear: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), ms)));
  return { late, clear: () => clearTimeout(timer) };
}

/**
 * The whole body, read within the configured times; throws DomainError `request_timeout` (408) past
 * either, and `payload_too_large` (413) once a body sent without a Content-Length passes the
 * route's limit. Errors of the stream itself (a connection reset) pass through as they are.
 */
export async function readBody(c: Context<AppEnv>): Promise<Uint8Array<ArrayBuffer>> {
  // Read already (by a middleware before a validator, route.ts): the same bytes again.
  const cache = c.req.bodyCache as { arrayBuffer?: Promise<ArrayBuffer> };
  if (cache.arrayBuffer) return new Uint8Array(await cache.arrayBuffer);
  const { bodyIdleTimeoutMs: idleMs, bodyTimeoutMs: totalMs } = c.var.deps.limits;
  // Set for a body without a Content-Length; one with it was held to the limit from it.
  const limit = c.get('bodyLimit');
  const body = chunksOf(c);
  const chunks: Uint8Array[] = [];
  let received = 0;
  if (body) {
    // One clock at a time: the pause allowed, or what is left of the whole, whichever ends first.
    const deadline = performance.now() + totalMs;
    for (;;) {
      const left = deadline - performance.now();
      const wait = lateAfter(Math.max(0, Math.min(idleMs, left)));
      // A read left pending when the clock wins settles when the connection closes; the race has
      // already taken its rejection, so none goes unhandled.
      let next: IteratorResult<Uint8Array> | 'late';
      try {
        next = await Promise.race([body.next(), wait.late]);
      } finally {
        // Also when the stream fails (a connection reset): no clock left running.
        wait.clear();
      }
      if (next === 'late') throw left > idleMs ? stalled('idle', received, declaredLength(c), idleMs) : stalled('whole', received, declaredLength(c), totalMs);
      if (next.done) break;
      chunks.push(next.value);
      received += next.value.byteLength;
      if (limit && received > limit.max) throw bodyTooLarge(limit);
    }
  }
  const bytes = new Uint8Array(received);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  // Where Hono looks first for any later read of this body (HonoRequest's #cachedBody).
  cache.arrayBuffer = Promise.resolve(bytes.buffer);
  return bytes;
}

function stalled(why: 'idle' | 'whole', received: number, declared: number | undefined, ms: number): DomainError {
  const of = declared === undefined ? `${received} bytes` : `${received} of ${declared}`;
  const detail =
    why === 'idle'
      ? `the body stopped arriving: no bytes for ${duration(ms)} after ${of}`
      : `the body arrived too slowly: ${of}${declared === undefined ? '' : ' bytes'} in ${duration(ms)}, the longest this node waits for one request body`;
  return new DomainError('request_timeout', `${detail}; the connection is closed, send the request again`);
}
