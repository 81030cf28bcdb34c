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
 * the envelope's + each item's JSON + a comma between two. `groupOf`: consecutive items with the
 * same key (the hashes of one shared file: its item) go in one request when they fit in one, so a
 * file's share is one commit at the node, as its media share is; a group too large for one request
 * is split as the limits require.
 */
export function batches<T extends object>(
  items: readonly T[],
  limits: BatchLimits,
  envelope: (items: T[]) => unknown,
  what: string,
  groupOf?: (item: T) => string | undefined,
): T[][] {
  const fixed = byteLength(JSON.stringify(envelope([])));
  const sizes = items.map((item, i) => {
    const size = byteLength(JSON.stringify(item));
    const n = 'frames' in item && Array.isArray(item.frames) ? item.frames.length : 0;
    if (fixed + size > limits.maxBytes) {
      throw new NodeClientUsageError(
        `${what} ${i} alone is ${fixed + size} bytes of JSON, more than the ${limits.maxBytes} a request may hold${n ? ` (${n} frames)` : ''}; ` +
          "raise the node's MAX_JSON_BYTES (and this client's maxRequestBytes) to send it",
      );
    }
    if (n > limits.maxFrames) throw new NodeClientUsageError(`${what} ${i} has ${n} frames, more than the ${limits.maxFrames} a request may hold`);
    return { size, n };
  });
  const out: T[][] = [];
  let cur: T[] = [];
  let bytes = fixed;
  let frames = 0;
  const flush = () => {
    out.push(cur);
    cur = [];
    bytes = fixed;
    frames = 0;
  };
  const fits = (count: number, addBytes: number, addFrames: number) =>
    cur.length + count <= limits.maxItems && bytes + addBytes <= limits.maxBytes && frames + addFrames <= limits.maxFrames;
  let i = 0;
  while (i < items.length) {
    // The run of items from i with one group key (a single item when it has none).
    const key = groupOf?.(items[i]);
    let end = i + 1;
    if (key !== undefined) while (end < items.length && groupOf?.(items[end]) === key) end++;
    const run = sizes.slice(i, end);
    const runBytes = run.reduce((a, x) => a + x.size + 1, cur.length ? 0 : -1);
    const runFrames = run.reduce((a, x) => a + x.n, 0);
    // A run that fits a request of its own but not what is pending starts the next request.
    if (cur.length && !fits(end - i, runBytes, runFrames)) flush();
    for (let k = i; k < end; k++) {
      const { size, n } = sizes[k];
      const extra = (cur.length ? 1 : 0) + size;
      if (cur.length && !fits(1, extra, n)) flush();
      bytes += (cur.length ? 1 : 0) + size;
      frames += n;
      cur.push(items[k]);
    }
    i = end;
  }
  if (cur.length) out.push(cur);
  return out;
}
