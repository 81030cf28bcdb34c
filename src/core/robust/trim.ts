/**
 * Border and bar removal (issue 14, item 2): the bands people add around a picture to dodge
 * filters (uniform of any colour, noisy, a gradient; letterbox and pillarbox bars) and the chrome
 * of a phone screenshot (status bar, app bar, caption, reactions, navigation bar). Each returns the
 * box of the picture inside, or null when there is nothing to remove.
 */
import type { Box, Rgba } from './image';

export interface TrimOptions {
  /** A line belongs to a band while its mean per-pixel difference from the edge line is at most this (0..255). */
  lineTolerance: number;
  /**
   * ... and it has no structure: the means of its 16 segments lie within this of each other (noise
   * averages out, a picture's shapes do not), or it differs from the edge line by at most
   * `sameTolerance` (the columns of a vertical gradient are all alike).
   */
  structureTolerance: number;
  sameTolerance: number;
  /** A band thinner than this share of the side is no band (smooth edges of a picture are not trimmed). */
  minBand: number;
  /** No side loses more than this share. */
  maxBand: number;
}

export const TRIM_DEFAULTS: TrimOptions = { lineTolerance: 24, structureTolerance: 20, sameTolerance: 6, minBand: 0.03, maxBand: 0.4 };

/** A line of pixels: `count` pixels from byte offset `start`, `step` bytes apart. */
interface Line {
  start: number;
  step: number;
  count: number;
}

const rowLine = (img: Rgba, y: number): Line => ({ start: y * img.width * 4, step: 4, count: img.width });
const colLine = (img: Rgba, x: number): Line => ({ start: x * 4, step: img.width * 4, count: img.height });

/** Mean over the pixels of |a - b| averaged over R, G, B. */
function lineDiff(px: Uint8Array, a: Line, b: Line): number {
  let d = 0;
  for (let i = 0, p = a.start, q = b.start; i < a.count; i++, p += a.step, q += b.step) {
    d += Math.abs(px[p] - px[q]) + Math.abs(px[p + 1] - px[q + 1]) + Math.abs(px[p + 2] - px[q + 2]);
  }
  return d / (3 * a.count);
}

/** The spread (max - min) of the mean grey level of the line's 16 segments. */
function lineStructure(px: Uint8Array, l: Line): number {
  const n = Math.min(16, l.count);
  let lo = Infinity;
  let hi = -Infinity;
  for (let s = 0; s < n; s++) {
    const a = Math.floor((s * l.count) / n);
    const b = Math.floor(((s + 1) * l.count) / n);
    let sum = 0;
    for (let i = a, p = l.start + a * l.step; i < b; i++, p += l.step) sum += px[p] + px[p + 1] + px[p + 2];
    const m = sum / (3 * (b - a));
    if (m < lo) lo = m;
    if (m > hi) hi = m;
  }
  return hi - lo;
}

/** Whether the lines next to a structured edge line repeat it (the columns of a vertical gradient). */
function alike(img: Rgba, line: (i: number) => Line, size: number, o: TrimOptions): boolean {
  const k = Math.max(2, Math.ceil(size * o.minBand));
  for (let i = 1; i < k; i++) if (lineDiff(img.rgba, line(i), line(0)) > o.sameTolerance) return false;
  return true;
}

/** How many lines from an edge belong to its band (0 when thinner than minBand). */
function bandDepth(img: Rgba, size: number, line: (i: number) => Line, o: TrimOptions): number {
  const edge = line(0);
  const max = Math.floor(size * o.maxBand);
  let n = 0;
  while (n < max) {
    const l = line(n);
    const d = n === 0 ? 0 : lineDiff(img.rgba, l, edge);
    if (d > o.lineTolerance || (d > o.sameTolerance && lineStructure(img.rgba, l) > o.structureTolerance)) break;
    if (n === 0 && lineStructure(img.rgba, l) > o.structureTolerance && !alike(img, line, size, o)) break;
    n++;
  }
  return n < size * o.minBand ? 0 : n;
}

/** The picture inside uniform, noisy or graded bands on any side, or null when no side has one. */
export function trimBorders(img: Rgba, o: TrimOptions = TRIM_DEFAULTS): Box | null {
  const { width: w, height: h } = img;
  if (w < 8 || h < 8) return null;
  const top = bandDepth(img, h, (i) => rowLine(img, i), o);
  const bottom = bandDepth(img, h, (i) => rowLine(img, h - 1 - i), o);
  const left = bandDepth(img, w, (i) => colLine(img, i), o);
  const right = bandDepth(img, w, (i) => colLine(img, w - 1 - i), o);
  if (top + bottom + left + right === 0) return null;
  return { left, top, width: w - left - right, height: h - top - bottom };
}

export interface ScreenshotOptions {
  /** Only images at least this much taller than wide are taken for phone screenshots. */
  minAspect: number;
  /** A chrome row has at least this share of its pixels within `near` (luma) of its median. */
  flatShare: number;
  near: number;
  /** A separator row (the empty gap around the post) has this share within `separatorNear`. */
  separatorShare: number;
  separatorNear: number;
  /** No more than this share of the height is taken from either end. */
  maxBar: number;
  /** Bars thinner than this share of the height are not bars. */
  minBar: number;
}

export const SCREENSHOT_DEFAULTS: ScreenshotOptions = { minAspect: 1.5, flatShare: 0.6, near: 20, separatorShare: 0.99, separatorNear: 6, maxBar: 0.75, minBar: 0.03 };

/** Per row: the share of pixels within `near` of the row's median luma. */
function rowFlatness(img: Rgba, y: number, near: number): number {
  const { rgba, width } = img;
  const hist = new Uint32Array(256);
  const luma = new Uint8Array(width);
  for (let x = 0, q = y * width * 4; x < width; x++, q += 4) {
    const l = (rgba[q] * 299 + rgba[q + 1] * 587 + rgba[q + 2] * 114 + 500) / 1000;
    luma[x] = l;
    hist[luma[x]]++;
  }
  let median = 0;
  for (let acc = 0; median < 256; median++) if ((acc += hist[median]) * 2 >= width) break;
  let n = 0;
  for (let x = 0; x < width; x++) if (Math.abs(luma[x] - median) <= near) n++;
  return n / width;
}

/**
 * How deep the bars at one end of a phone screenshot reach: rows from the end while they are
 * chrome (mostly flat, with text and icons), cut after the last empty separator row before the
 * first row of the post when there is one (so a post's own sky is not taken), else at that row.
 */
function barDepth(img: Rgba, row: (i: number) => number, o: ScreenshotOptions): number {
  const max = Math.floor(img.height * o.maxBar);
  let lastSeparator = -1;
  let i = 0;
  for (; i < max; i++) {
    const y = row(i);
    if (rowFlatness(img, y, o.near) < o.flatShare) break;
    if (rowFlatness(img, y, o.separatorNear) >= o.separatorShare) lastSeparator = i;
  }
  if (i === max) return 0;
  const depth = lastSeparator >= img.height * o.minBar ? lastSeparator + 1 : i;
  return depth < img.height * o.minBar ? 0 : depth;
}

/** The post inside a phone screenshot's bars (rows only; trimBorders takes the margins after), or null. */
export function trimPhoneBars(img: Rgba, o: ScreenshotOptions = SCREENSHOT_DEFAULTS): Box | null {
  if (img.height < img.width * o.minAspect) return null;
  const top = barDepth(img, (i) => i, o);
  const bottom = barDepth(img, (i) => img.height - 1 - i, o);
  if ((top === 0 && bottom === 0) || img.height - top - bottom < img.height * 0.15) return null;
  return { left: 0, top, width: img.width, height: img.height - top - bottom };
}
