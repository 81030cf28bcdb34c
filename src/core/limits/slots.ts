/**
 * A fixed number of slots for costly work (video decodes: each holds an ffmpeg process and the
 * video's bytes), with a bounded queue. Work beyond the slots waits its turn in order; beyond the
 * queue it is refused at once with `busy` (503 with Retry-After) rather than piling up memory.
 */
import { DomainError } from '../errors';

export class Slots {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly size: number,
    readonly queue: number,
    private readonly what = 'jobs',
  ) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`size must be a positive integer, got ${size}`);
    if (!Number.isInteger(queue) || queue < 0) throw new RangeError(`queue must be a whole number, got ${queue}`);
  }

  /** Runs `fn` in a slot, after waiting for one if need be; the slot is freed however `fn` ends. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.size) {
      if (this.waiting.length >= this.queue) {
        throw new DomainError('busy', `this node is at its limit of ${this.size} ${this.what} at once and ${this.queue} waiting; retry shortly`, { extra: { retryAfter: 5 } });
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else this.running++;
    try {
      return await fn();
    } finally {
      // Hand the slot straight to the next in line, or free it.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  /** In use and waiting, for /health. */
  load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }
}
