/**
 * The node's ids on Node: UUIDv7 (RFC 9562), time-ordered, so new rows land at the end of the id
 * indexes (decisions.md). 48 bits of Unix milliseconds; then a 32-bit counter (in the 12 bits of
 * `rand_a` and the top 20 of `rand_b`) that starts at a random 31-bit value each new millisecond and
 * steps by one within it, so the ids one process makes sort in the order it made them (past the
 * counter's end the millisecond moves on); then 42 random bits.
 *
 * The random bytes come from a pool refilled 4 kB at a time: a 1000-hash share makes a thousand ids,
 * and a call into the system's generator for each (the `uuid` package's way) cost more than the rest
 * of the id.
 */
import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 4096;
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function uuidV7Source(now: () => number = Date.now): () => string {
  const pool = new Uint8Array(POOL_BYTES);
  let at = POOL_BYTES;
  let ms = -1;
  let seq = 0;
  const b = new Uint8Array(16);
  return () => {
    if (at + 16 > POOL_BYTES) {
      randomFillSync(pool);
      at = 0;
    }
    const r = pool.subarray(at, at + 16);
    at += 16;
    const t = now();
    if (t > ms) {
      ms = t;
      seq = ((r[6] & 0x7f) << 24) | (r[7] << 16) | (r[8] << 8) | r[9];
    } else {
      seq = (seq + 1) | 0;
      if (seq === 0) ms++;
    }
    b[0] = Math.floor(ms / 2 ** 40) & 0xff;
    b[1] = Math.floor(ms / 2 ** 32) & 0xff;
    b[2] = (ms >>> 24) & 0xff;
    b[3] = (ms >>> 16) & 0xff;
    b[4] = (ms >>> 8) & 0xff;
    b[5] = ms & 0xff;
    b[6] = 0x70 | ((seq >>> 28) & 0x0f);
    b[7] = (seq >>> 20) & 0xff;
    b[8] = 0x80 | ((seq >>> 14) & 0x3f);
    b[9] = (seq >>> 6) & 0xff;
    b[10] = ((seq << 2) & 0xff) | (r[10] & 0x03);
    b[11] = r[11];
    b[12] = r[12];
    b[13] = r[13];
    b[14] = r[14];
    b[15] = r[15];
    const h = (i: number) => HEX[b[i]];
    return `${h(0)}${h(1)}${h(2)}${h(3)}-${h(4)}${h(5)}-${h(6)}${h(7)}-${h(8)}${h(9)}-${h(10)}${h(11)}${h(12)}${h(13)}${h(14)}${h(15)}`;
  };
}
