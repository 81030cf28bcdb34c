/** Fills a memory index from the store at start, page by page: every active hash, every indexed video frame and PDF page. */
import type { MemoryMatchIndex } from '../core/hash-index';
import type { HashStore } from '../storage/types';

export async function loadIndex(store: HashStore, index: MemoryMatchIndex, pageSize = 50_000): Promise<number> {
  let total = 0;
  const loader = index.loader();
  // The hashes, then the frames of videos and the pages of PDFs (their own key space).
  for (const type of [undefined, 'vpdq', 'pdf'] as const) {
    let after = 0;
    for (;;) {
      const page = await store.listActive(after, pageSize, type);
      if (page.length === 0) break;
      loader.push(page);
      total += page.length;
      after = page[page.length - 1].seq;
    }
  }
  loader.finish();
  index.markReady();
  return total;
}
