/**
 * Splitting large share and match calls into requests the node takes: at most `maxItems` items, at
 * most `maxBytes` of JSON body, and at most `maxFrames` vPDQ frames in all. Items keep their order;
 * a video with thousands of frames is what makes the byte and frame limits bite long before the item
 * count. One item that alone exceeds a limit cannot be split (a vPDQ hash is its whole frame list)
 * and is refused before anything is sent.
 */
import { NodeClientUsageError } from './errors';

export interface BatchLimits {
  /** Items per request: the node's MAX_BATCH (default 1000). */
  maxItems: number;
  /** JSON body bytes per request: the node's MAX_JSON_BYTES (default 2 MiB). */
  maxBytes: number;
  /** vPDQ frames in all per request (the node: VIDEO_MAX_FRAMES per match, ten times that per share). */
  maxFrames: number;
}

const te = new TextEncoder();
const byteLength = (s: string) => te.encode(s).byteLength;

/**
 * Groups `items` into the arrays of consecutive requests. `envelope(items)` is the whole body for a
 * list of items (`{"items":[...]}` with any options), measured once empty: a body's size is then
 * the envelope's + each item's JSON + a comma between two.
 */
export function batches<T extends object>(items: readonly T[], limits: BatchLimits, envelope: (items: T[]) => unknown, what: string): T[][] {
  const fixed = byteLength(JSON.stringify(envelope([])));
  const out: T[][] = [];
  let cur: T[] = [];
  let bytes = fixed;
  let frames = 0;
  items.forEach((item, i) => {
    const size = byteLength(JSON.stringify(item));
    const n = 'frames' in item && Array.isArray(item.frames) ? item.frames.length : 0;
    if (fixed + size > limits.maxBytes) {
      throw new NodeClientUsageError(
        `${what} ${i} alone is ${fixed + size} bytes of JSON, more than the ${limits.maxBytes} a request may hold${n ? ` (${n} frames)` : ''}; ` +
          "raise the node's MAX_JSON_BYTES (and this client's maxRequestBytes) to send it",
      );
    }
    if (n > limits.maxFrames) throw new NodeClientUsageError(`${what} ${i} has ${n} frames, more than the ${limits.maxFrames} a request may hold`);
    const extra = (cur.length ? 1 : 0) + size;
    if (cur.length && (cur.length >= limits.maxItems || bytes + extra > limits.maxBytes || frames + n > limits.maxFrames)) {
      out.push(cur);
      cur = [];
      bytes = fixed;
      frames = 0;
    }
    bytes += (cur.length ? 1 : 0) + size;
    frames += n;
    cur.push(item);
  });
  if (cur.length) out.push(cur);
  return out;
}
