/**
 * A second thread for large match batches (Node, 2+ cores): through its `offload` option,
 * `MultiIndexHashing` gives it each costly batch's base lookups (it claims chunks of queries until
 * none are left; the main thread takes whatever it left), on tables kept in SharedArrayBuffers (see
 * `searchMany` there for what stays consistent while the main thread keeps changing the index).
 *
 * The thread starts with `start()` (the node does at start-up) or at the first job. Until it is
 * running, and if it ever fails, it takes none of a batch: the calling thread does all of it
 * (slower, same answers).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { HammingHit } from '../../../core/hash-index';
import type { MihJob, MihJobHits, MihOffload } from '../../../core/hash-index';

interface Pending {
  resolve(hits: MihJobHits): void;
  reject(e: Error): void;
}

type Reply = { ready: true } | { id: number; packed: Int32Array } | { id: number; error: string };

export class MihHelper {
  private worker: Worker | null = null;
  private running = false;
  private stopped = false;
  private started: Promise<void> | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  /** Jobs the thread has answered, and the queries it looked up in them. */
  threadJobs = 0;
  threadQueries = 0;

  constructor(private readonly onError: (e: Error) => void = () => {}) {}

  /** A helper is worth having with a second core to run on. */
  static useful(): boolean {
    return availableParallelism() > 1;
  }

  /** Starts the thread; resolves once it takes jobs (or has failed: callers then do whole batches). */
  start(): Promise<void> {
    if (this.started) return this.started;
    this.started = new Promise<void>((resolve) => {
      if (this.stopped) return resolve();
      let worker: Worker;
      try {
        // From the sources, a boot file registers tsx in the thread; the bundle has the thread's JavaScript beside it.
        worker = new Worker(new URL(process.env.MHN_BUNDLED ? './mih-thread.js' : './thread-boot.mjs', import.meta.url));
      } catch (e) {
        // No thread: every batch stays on the calling thread.
        this.stopped = true;
        this.onError(e instanceof Error ? e : new Error(String(e)));
        return resolve();
      }
      this.worker = worker;
      worker.unref(); // held only while jobs are pending
      worker.on('message', (m: Reply) => {
        if ('ready' in m) {
          this.running = true;
          return resolve();
        }
        const p = this.pending.get(m.id);
        if (!p) return;
        this.settled(m.id);
        if ('packed' in m) {
          const hits = unpack(m.packed);
          this.threadJobs++;
          this.threadQueries += hits.length;
          p.resolve(hits);
        } else p.reject(new Error(`match helper thread: ${m.error}`));
      });
      const fail = (e: Error) => {
        resolve();
        if (this.worker !== worker) return; // stopped here
        void this.stop(e);
        this.onError(e);
      };
      worker.on('error', fail);
      worker.on('exit', (code) => fail(new Error(`match helper thread exited (code ${code})`)));
    });
    return this.started;
  }

  /** For `MihOptions.offload`: the thread's share of the job (none while it is not running). */
  readonly offload: MihOffload = (job: MihJob) => {
    const worker = this.worker;
    if (!worker || !this.running) {
      void this.start();
      return Promise.resolve([]);
    }
    const id = this.nextId++;
    try {
      worker.postMessage({ id, job });
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    if (this.pending.size === 0) worker.ref();
    return new Promise<MihJobHits>((resolve, reject) => this.pending.set(id, { resolve, reject }));
  };

  /** Stops the thread; jobs still pending there fail (their callers look the queries up themselves). */
  async close(): Promise<void> {
    this.stopped = true;
    await this.stop(new Error('match helper thread closed'));
  }

  private async stop(reason: Error): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.running = false;
    for (const [id, p] of this.pending) {
      this.settled(id);
      p.reject(reason);
    }
    await worker?.terminate();
  }

  private settled(id: number): void {
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker?.unref();
  }
}

function unpack(packed: Int32Array): MihJobHits {
  const out: MihJobHits = [];
  for (let at = 0; at < packed.length; ) {
    const query = packed[at++];
    const hits: HammingHit[] = [];
    for (let n = packed[at++]; n > 0; n--, at += 2) hits.push({ id: packed[at], distance: packed[at + 1] });
    out.push([query, hits]);
  }
  return out;
}
