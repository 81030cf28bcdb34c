/**
 * The helper thread's side of `MihHelper` (helper.ts; bundled as dist/mih-thread.js): takes its share of each batch's base
 * lookups on the index's shared tables and posts the hits back packed: per query it claimed, the
 * query, its hit count, then (id, distance) per hit.
 */
import { parentPort } from 'node:worker_threads';
import { MihScratch, MultiIndexHashing, searchBase, type MihJob } from '../../../core/hash-index';
import { mulberry32 } from '../../../core/prng';

const port = parentPort!;
/** This thread's search buffers, reused by every job. */
const scratch = new MihScratch();
port.on('message', ({ id, job }: { id: number; job: MihJob }) => {
  try {
    const hits = searchBase(job, scratch);
    let size = 2 * hits.length;
    for (const [, list] of hits) size += 2 * list.length;
    const packed = new Int32Array(size);
    let at = 0;
    for (const [query, list] of hits) {
      packed[at++] = query;
      packed[at++] = list.length;
      for (const h of list) {
        packed[at++] = h.id;
        packed[at++] = h.distance;
      }
    }
    port.postMessage({ id, packed }, [packed.buffer]);
  } catch (e) {
    port.postMessage({ id, error: e instanceof Error ? e.message : String(e) });
  }
});
warmUp();
port.postMessage({ ready: true });

/** Runs the search code on a small index of its own, so the first real batches find it compiled (~0.1 s, once). */
function warmUp(): void {
  const rnd = mulberry32(1);
  const n = 20_000;
  const hashes = Uint32Array.from({ length: n * 8 }, () => rnd());
  const index = MultiIndexHashing.build(
    Int32Array.from({ length: n }, (_, i) => i),
    hashes,
    8,
    { offload: async (job) => searchBase(job, scratch), offloadAbove: 0 },
  );
  for (let round = 0; round < 3; round++) void index.searchMany(hashes.subarray(0, 500 * 8), 31);
}
