/**
 * The node's ids on Node: UUIDv7 (RFC 9562), time-ordered, so new rows land at the end of the id
 * indexes (decisions.md). The `uuid` package lays out the bits; this source keeps the millisecond
 * and the 32-bit counter (random at each new millisecond, then one step per id, so the ids one
 * process makes sort in the order it made them; past the counter's end the millisecond moves on) and
 * hands it random bytes from a pool refilled 4 kB at a time: a 1000-hash share makes a thousand ids,
 * and a call into the system's generator for each (the package's own way) cost more than the rest
 * of the id.
 */
import { randomFillSync } from 'node:crypto';
import { v7 } from 'uuid';

const POOL_BYTES = 4096;

export function uuidV7Source(now: () => number = Date.now): () => string {
  const pool = new Uint8Array(POOL_BYTES);
  let at = POOL_BYTES;
  let msecs = -1;
  let seq = 0;
  return () => {
    if (at + 16 > POOL_BYTES) {
      randomFillSync(pool);
      at = 0;
    }
    const random = pool.subarray(at, at + 16);
    at += 16;
    const t = now();
    if (t > msecs) {
      msecs = t;
      seq = ((random[6] & 0x7f) << 24) | (random[7] << 16) | (random[8] << 8) | random[9];
    } else {
      seq = (seq + 1) | 0;
      if (seq === 0) msecs++;
    }
    return v7({ random, msecs, seq });
  };
}
