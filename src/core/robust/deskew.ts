/**
 * Small rotations (issue 14, item 4): a picture rotated by a few degrees on a canvas grown to hold
 * it, its corners filled with one colour. The angle is read from the fill triangles along the top
 * and bottom edges (each is a long shallow slope, tan θ, and a short steep one), the picture is
 * rotated back and its own rectangle cut out. Nothing is tried blindly: one estimate, one rotation.
 */
import { unrotate, type Rgba } from './image';

export interface DeskewOptions {
  /** Corner pixels within this (max over R, G, B) of their mean are one fill colour; fill pixels likewise. */
  fillTolerance: number;
  /** Angles (degrees) outside [min, max] are not undone. */
  minDegrees: number;
  maxDegrees: number;
  /** The top and bottom estimates must agree within this (degrees). */
  agreement: number;
  /** Share of each side cut off the rotated-back picture (interpolated edges, leftover fill). */
  inset: number;
}

export const DESKEW_DEFAULTS: DeskewOptions = { fillTolerance: 40, minDegrees: 0.7, maxDegrees: 10, agreement: 0.8, inset: 0.01 };

const px = (img: Rgba, x: number, y: number, k: number) => img.rgba[(y * img.width + x) * 4 + k];

/** The fill colour when the four corners share one, else null. */
function cornerFill(img: Rgba, tol: number): [number, number, number] | null {
  const { width: w, height: h } = img;
  const corners = [
    [0, 0],
    [w - 1, 0],
    [0, h - 1],
    [w - 1, h - 1],
  ];
  const mean: [number, number, number] = [0, 0, 0];
  for (const [x, y] of corners) for (let k = 0; k < 3; k++) mean[k] += px(img, x, y, k) / 4;
  for (const [x, y] of corners) for (let k = 0; k < 3; k++) if (Math.abs(px(img, x, y, k) - mean[k]) > tol) return null;
  return mean;
}

/** Per column, how many rows from the top (or the bottom) are fill before the picture starts (capped at half the height). */
function fillDepths(img: Rgba, fill: [number, number, number], tol: number, fromBottom: boolean): Float64Array {
  const { width: w, height: h } = img;
  const out = new Float64Array(w);
  const cap = Math.floor(h / 2);
  for (let x = 0; x < w; x++) {
    let d = 0;
    for (; d < cap; d++) {
      const y = fromBottom ? h - 1 - d : d;
      if (Math.abs(px(img, x, y, 0) - fill[0]) > tol || Math.abs(px(img, x, y, 1) - fill[1]) > tol || Math.abs(px(img, x, y, 2) - fill[2]) > tol) break;
    }
    out[x] = d;
  }
  return out;
}

/**
 * The clockwise angle (degrees) read from one edge's fill depths, or null. Along the top edge of a
 * picture turned clockwise, the depth falls from the left end to the picture's top-left corner over
 * a short run, then rises slowly to the right end: the long run's slope is tan θ. Along the bottom
 * edge it is mirrored. The slope is measured between 20 % and 80 % of the long run (its ends are
 * where JPEG and the corner blur it).
 */
function edgeAngle(depths: Float64Array, bottom: boolean): number | null {
  const w = depths.length;
  let lo = 0;
  for (let x = 1; x < w; x++) if (depths[x] < depths[lo]) lo = x;
  const longOnRight = w - 1 - lo > lo;
  const a = longOnRight ? lo : 0;
  const b = longOnRight ? w - 1 : lo;
  const run = b - a;
  if (run < w * 0.5) return null;
  const x1 = Math.round(a + run * 0.2);
  const x2 = Math.round(a + run * 0.8);
  const avg = (x: number) => {
    let s = 0,
      n = 0;
    for (let i = Math.max(0, x - 2); i <= Math.min(w - 1, x + 2); i++, n++) s += depths[i];
    return s / n;
  };
  const slope = Math.abs(avg(x2) - avg(x1)) / (x2 - x1);
  const deg = (Math.atan(slope) * 180) / Math.PI;
  // Top edge: the long run on the right means clockwise. Bottom edge: on the left.
  const clockwise = bottom ? !longOnRight : longOnRight;
  return clockwise ? deg : -deg;
}

/** The clockwise angle by which the picture on this canvas was turned, or null when it does not look turned. */
export function estimateSkew(img: Rgba, o: DeskewOptions = DESKEW_DEFAULTS): number | null {
  if (img.width < 32 || img.height < 32) return null;
  const fill = cornerFill(img, o.fillTolerance);
  if (!fill) return null;
  const top = edgeAngle(fillDepths(img, fill, o.fillTolerance, false), false);
  const bottom = edgeAngle(fillDepths(img, fill, o.fillTolerance, true), true);
  if (top === null || bottom === null || Math.abs(top - bottom) > o.agreement) return null;
  const deg = (top + bottom) / 2;
  return Math.abs(deg) < o.minDegrees || Math.abs(deg) > o.maxDegrees ? null : deg;
}

/**
 * The picture rotated back: the canvas W x H of a w x h picture turned by θ has W = w cos θ + h sin θ
 * and H = w sin θ + h cos θ, solved for w and h, less the inset.
 */
export function deskew(img: Rgba, degrees: number, o: DeskewOptions = DESKEW_DEFAULTS): Rgba | null {
  const a = (Math.abs(degrees) * Math.PI) / 180;
  const c = Math.cos(a);
  const s = Math.sin(a);
  const d = c * c - s * s;
  const w = (img.width * c - img.height * s) / d;
  const h = (img.height * c - img.width * s) / d;
  const ow = Math.round(w * (1 - 2 * o.inset));
  const oh = Math.round(h * (1 - 2 * o.inset));
  if (ow < 16 || oh < 16) return null;
  return unrotate(img, degrees, ow, oh);
}
