/**
 * The helper thread's side of `MihHelper` (mih-helper.ts): takes its share of each batch's base
 * lookups on the index's shared tables and posts the hits back packed: per query it claimed, the
 * query, its hit count, then (id, distance) per hit.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort } from 'node:worker_threads';
import { MultiIndexHashing, searchBase, type MihJob } from '../../core/mih-index';
import { mulberry32 } from '../../core/prng';

const port = parentPort!;

/**
 * A job carries the index's current tables (SharedArrayBuffers). After a compaction the main thread
 * drops the old ones, but this thread's copies of them stay reachable from garbage only, and an idle
 * thread that allocates little rarely collects: each retired generation of tables would stay in
 * memory. So when a job brings new tables, the previous job's are collected at once (a full
 * collection of this small heap, a few ms, once per compaction).
 */
const collect = exposeGc();
let lastTables: ArrayBufferLike | null = null;

port.on('message', ({ id, job }: { id: number; job: MihJob }) => {
  const tables = job.tables.hashes.buffer;
  const retired = lastTables !== null && lastTables !== tables;
  lastTables = tables;
  try {
    const hits = searchBase(job);
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
  if (retired) setImmediate(() => collect?.());
});

/** V8's `gc`, made reachable in this thread (the flag is read when a context is created), or null. */
function exposeGc(): (() => void) | null {
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as () => void) : null;
  } catch {
    return null;
  }
}
warmUp();
port.postMessage({ ready: true });

/** Runs the search code on a small index of its own, so the first real batches find it compiled (~0.1 s, once). */
function warmUp(): void {
  const rnd = mulberry32(1);
  const n = 20_000;
  const hashes = Uint32Array.from({ length: n * 8 }, () => rnd());
  const index = MultiIndexHashing.build(Int32Array.from({ length: n }, (_, i) => i), hashes, 8, { offload: async (job) => searchBase(job), offloadAbove: 0 });
  for (let round = 0; round < 3; round++) void index.searchMany(hashes.subarray(0, 500 * 8), 31);
}
