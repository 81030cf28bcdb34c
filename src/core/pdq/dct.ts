/**
 * PDQ from the 64x64 downsample on: quality from image gradients, the 16x16 low-frequency block of
 * the 2-D DCT-II, and one bit per coefficient (above the median or not).
 *
 * All arithmetic is binary32 as in the reference (see downscale.ts for why `Math.fround` after
 * each operation is exact). Sums are accumulated in the reference's order (k = 0..63).
 */
import { PDQ_GRID } from './downscale';

const fround = Math.fround;
const N = PDQ_GRID; // 64
const K = 16; // coefficients kept per axis (frequencies 1..16; the DC term is dropped)

/**
 * DCT-II basis rows for frequencies 1..16 over 64 samples: D[u][x] = sqrt(2/64) cos(pi/128 (u+1)(2x+1)).
 * The scale is a binary32 constant; the product is formed in binary64 and stored as binary32.
 */
const DCT = (() => {
  const scale = fround(Math.sqrt(2 / N));
  const d = new Float32Array(K * N);
  for (let i = 0; i < K; i++) {
    for (let j = 0; j < N; j++) d[i * N + j] = scale * Math.cos((Math.PI / 2 / N) * (i + 1) * (2 * j + 1));
  }
  return d;
})();

/** B = D A D^T: the 16x16 block (row-major) of the DCT of the 64x64 plane A (row-major). */
export function dct64To16(a: Float32Array): Float32Array {
  // T = D A. Each T[i][j] is summed over k = 0..63 in that order, as the reference sums it; the
  // loop runs k outside j so it reads A row by row (about twice as fast), and a Float32Array
  // element stores each partial sum rounded to binary32, as fround did.
  const t = new Float32Array(K * N);
  for (let i = 0; i < K; i++) {
    const di = i * N;
    for (let k = 0; k < N; k++) {
      const d = DCT[di + k];
      const ak = k * N;
      for (let j = 0; j < N; j++) t[di + j] += fround(d * a[ak + j]);
    }
  }
  const b = new Float32Array(K * K); // B = T D^T
  for (let i = 0; i < K; i++) {
    const ti = i * N;
    for (let j = 0; j < K; j++) {
      const dj = j * N;
      let s = 0;
      for (let k = 0; k < N; k++) s = fround(s + fround(t[ti + k] * DCT[dj + k]));
      b[i * K + j] = s;
    }
  }
  return b;
}

/**
 * 0..100: the sum of significant neighbour differences of the 64x64 plane (each difference as a
 * truncated percentage of full scale), divided by 90. Flat images score near 0; the reference
 * recommends not trusting hashes below 50.
 */
export function pdqQuality(a: Float32Array): number {
  let sum = 0;
  const step = (u: number, v: number): number => Math.abs(Math.trunc(fround(fround(fround(u - v) * 100) / 255)));
  for (let i = 0; i < N - 1; i++) {
    for (let j = 0; j < N; j++) sum += step(a[i * N + j], a[(i + 1) * N + j]);
  }
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N - 1; j++) sum += step(a[i * N + j], a[i * N + j + 1]);
  }
  return Math.min(100, Math.trunc(sum / 90));
}

/**
 * The median as the reference computes it (Torben Mogensen's selection by bisection on values, no
 * sorting). For an even count it returns the lower middle value, so exactly half the coefficients
 * (or fewer, with ties) end up above it.
 */
function torbenMedian(m: Float32Array): number {
  const n = m.length;
  const half = (n + 1) >> 1;
  let min = m[0];
  let max = m[0];
  for (let i = 1; i < n; i++) {
    if (m[i] < min) min = m[i];
    if (m[i] > max) max = m[i];
  }
  let less = 0;
  let greater = 0;
  let equal = 0;
  let guess = 0;
  let maxLtGuess = 0;
  let minGtGuess = 0;
  for (;;) {
    guess = fround(fround(min + max) / 2);
    less = 0;
    greater = 0;
    equal = 0;
    maxLtGuess = min;
    minGtGuess = max;
    for (let i = 0; i < n; i++) {
      const x = m[i];
      if (x < guess) {
        less++;
        if (x > maxLtGuess) maxLtGuess = x;
      } else if (x > guess) {
        greater++;
        if (x < minGtGuess) minGtGuess = x;
      } else {
        equal++;
      }
    }
    if (less <= half && greater <= half) break;
    if (less > greater) max = maxLtGuess;
    else min = minGtGuess;
  }
  if (less >= half) return maxLtGuess;
  if (less + equal >= half) return guess;
  return minGtGuess;
}

const HEX = '0123456789abcdef';

/**
 * The 256 bits as the reference prints them. Bit k = 16 i + j is set when coefficient (i, j) is
 * above the median; the hash is sixteen 16-bit words, word i holding row i with bit j = column j,
 * printed most significant first: word 15 first, each as 4 hex digits. So the first hex digit
 * holds coefficients (15,15), (15,14), (15,13), (15,12) and the last (0,3)..(0,0).
 */
export function pdqBitsToHex(b: Float32Array): string {
  const median = torbenMedian(b);
  let hex = '';
  for (let i = K - 1; i >= 0; i--) {
    let w = 0;
    for (let j = 0; j < K; j++) if (b[i * K + j] > median) w |= 1 << j;
    hex += HEX[(w >> 12) & 15] + HEX[(w >> 8) & 15] + HEX[(w >> 4) & 15] + HEX[w & 15];
  }
  return hex;
}
