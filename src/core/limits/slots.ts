/**
 * A fixed number of slots for costly work (video decodes: each holds an ffmpeg process and the
 * video's bytes; image decodes and hashes: each holds the pixels), with a bounded queue. Work beyond
 * the slots waits its turn in order; beyond the queue it is refused at once with `busy` (503 with
 * Retry-After) rather than piling up memory.
 *
 * A place may be taken before the work's input exists (`reserve`): an upload's place is taken before
 * its body is read, so a request refused reads no body and one admitted counts against the queue
 * while its body arrives.
 */
import { cancelled, DomainError } from '../errors';

/** A place taken ahead: run the work in it once, or give it back. */
export interface SlotPlace {
  /** Runs `fn` in a slot, waiting for one if need be (never refused: the place was counted; `signal` aborted: left with `cancelled`). */
  run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Gives the place back if it was not used; harmless after `run` or a first release. */
  release(): void;
}

export class Slots {
  private running = 0;
  /** Places taken by `reserve` and not yet run or released. */
  private reserved = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly size: number,
    readonly queue: number,
    private readonly what = 'jobs',
  ) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`size must be a positive integer, got ${size}`);
    if (!Number.isInteger(queue) || queue < 0) throw new RangeError(`queue must be a whole number, got ${queue}`);
  }

  /**
   * Runs `fn` in a slot, after waiting for one if need be; the slot is freed however `fn` ends. An
   * abort of `signal` (the request's: its client has gone) while it waits takes it out of the queue
   * with `cancelled`, so a queue of abandoned uploads holds no place; once running, `fn` is the one
   * to stop.
   */
  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    this.admit();
    return this.runAdmitted(fn, signal);
  }

  /** Takes a place now (a slot or one in the queue), or refuses with `busy`. */
  reserve(): SlotPlace {
    this.admit();
    this.reserved++;
    let held = true;
    const giveBack = () => {
      if (!held) return false;
      held = false;
      this.reserved--;
      return true;
    };
    return {
      run: (fn, signal) => {
        if (!giveBack()) return Promise.reject(new Error('this place was already used or released'));
        return this.runAdmitted(fn, signal);
      },
      release: () => void giveBack(),
    };
  }

  /** In use and waiting (places reserved count as waiting), for /health. */
  load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length + this.reserved };
  }

  private admit(): void {
    if (this.running + this.reserved + this.waiting.length >= this.size + this.queue) {
      throw new DomainError('busy', `this node is at its limit of ${this.size} ${this.what} at once and ${this.queue} waiting; retry shortly`, {
        extra: { retryAfter: 5 },
      });
    }
  }

  private async runAdmitted<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) throw cancelled();
    if (this.running >= this.size) await this.wait(signal);
    else this.running++;
    try {
      return await fn();
    } finally {
      // Hand the slot straight to the next in line, or free it.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  /** Waits to be handed a slot; an abort first leaves the queue (nothing was handed over). */
  private wait(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const at = this.waiting.indexOf(handOver);
        if (at < 0) return; // already handed a slot: it runs, and frees it
        this.waiting.splice(at, 1);
        reject(cancelled());
      };
      const handOver = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      this.waiting.push(handOver);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
