/**
 * Long work done in slices, with a pause between them (a turn of the event loop on Node, nothing on
 * Workers), so that one large share, index update or audit page does not hold the thread.
 */

/** Calls `each` on consecutive slices of at most `size` items, awaiting `pause` (when given) between two. */
export async function inSlices<T>(items: readonly T[], size: number, pause: (() => Promise<void>) | undefined, each: (slice: T[]) => void): Promise<void> {
  for (let i = 0; i < items.length; i += size) {
    if (i > 0) await pause?.();
    each(items.slice(i, i + size));
  }
}
