/**
 * Small rotations (issue 14, item 4): a picture rotated by a few degrees, its corners filled with one
 * colour, on a canvas grown to hold it (or kept at the picture's size, its corners cut off). Along
 * each side of the canvas, the fill runs in from the edge to the picture's border: a straight line
 * whose slope is tan θ (the long side of each fill triangle). The angle is the one whose lines fit
 * those four profiles best (a search over angles, each side's line free to sit at any depth, then a
 * least-squares fit on the points on the lines); the picture is rotated back and its own rectangle
 * cut out, its size read from where the lines lie.
 *
 * The picture's own pixels next to its border may look like the fill (a night sky on black corners,
 * a white background on white ones): they only make the fill run look deeper than the border, never
 * shallower. So a line is scored by the points on it and penalised by the points well above it (a
 * run that stops short of the line cannot be fill up to the picture), and the picture's dark or pale
 * stretches fall out as outliers instead of tilting the estimate.
 */
import { unrotate, type Rgba } from './image';

export interface DeskewOptions {
  /** Corner pixels within this (max over R, G, B) of their mean are one fill colour; fill pixels likewise. */
  fillTolerance: number;
  /** Angles (degrees) outside [min, max] are not undone. */
  minDegrees: number;
  maxDegrees: number;
  /** The finest step of the angle search (degrees; the first pass steps 4 times as far), before the fit refines the best. */
  step: number;
  /** Share of the canvas's perimeter whose fill runs must end on the fitted lines. */
  minSupport: number;
  /** Share of each side cut off the rotated-back picture (interpolated edges, leftover fill). */
  inset: number;
}

export const DESKEW_DEFAULTS: DeskewOptions = { fillTolerance: 40, minDegrees: 0.7, maxDegrees: 10, step: 0.05, minSupport: 0.15, inset: 0 };

/** Points the least-squares fit of the angle needs (refine), over the four sides. */
const MIN_FIT_POINTS = 60;

const px = (img: Rgba, x: number, y: number, k: number) => img.rgba[(y * img.width + x) * 4 + k];

/** The fill colour when the four corners share one, else null. */
export function cornerFill(img: Rgba, tol: number): [number, number, number] | null {
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

type Side = 'top' | 'bottom' | 'left' | 'right';

/**
 * One side's fill profile: for each position along the side, how deep the fill runs in before the
 * picture starts (positions whose run is under 2 pixels or reaches `cap`, half the canvas across,
 * are left out: -1).
 * `sign`: the profile's slope is sign × tan θ for a clockwise turn θ (top and right rise, bottom and
 * left fall, walking along x or y).
 */
interface Profile {
  depths: Int32Array;
  sign: 1 | -1;
}

function fillProfile(img: Rgba, fill: [number, number, number], tol: number, side: Side): Profile {
  const { width: w, height: h } = img;
  const along = side === 'top' || side === 'bottom' ? w : h;
  const cap = Math.floor((side === 'top' || side === 'bottom' ? h : w) / 2);
  const depths = new Int32Array(along);
  const isFill = (x: number, y: number) =>
    Math.abs(px(img, x, y, 0) - fill[0]) <= tol && Math.abs(px(img, x, y, 1) - fill[1]) <= tol && Math.abs(px(img, x, y, 2) - fill[2]) <= tol;
  for (let i = 0; i < along; i++) {
    let d = 0;
    for (; d < cap; d++) {
      const x = side === 'left' ? d : side === 'right' ? w - 1 - d : i;
      const y = side === 'top' ? d : side === 'bottom' ? h - 1 - d : i;
      if (!isFill(x, y)) break;
    }
    // A run of a pixel or none is the picture touching the canvas's side: no line there (most of
    // each side when the canvas kept the picture's size; else only the corners' touching points).
    depths[i] = d > 1 && d < cap ? d : -1;
  }
  return { depths, sign: side === 'top' || side === 'right' ? 1 : -1 };
}

/**
 * The best line of slope `slope` through a profile: its depth at position 0 (`offset`), how many
 * points lie within a pixel of it, and its score: those points less 4 × the points more than 2
 * pixels above it (shallower than the border: impossible for fill that runs up to the picture).
 */
function bestLine(p: Profile, slope: number): { offset: number; inliers: number; score: number } {
  const n = p.depths.length;
  const shift = Math.ceil(n * Math.abs(slope)) + 3;
  let top = 0;
  for (const d of p.depths) if (d > top) top = d;
  const size = top + 2 * shift + 3;
  const hist = new Int32Array(size);
  for (let i = 0; i < n; i++) {
    const d = p.depths[i];
    if (d >= 0) hist[Math.round(d - slope * i) + shift]++;
  }
  let best = { offset: 0, inliers: 0, score: 0 };
  let below = 0;
  for (let j = 1; j < size - 1; j++) {
    if (j >= 3) below += hist[j - 3];
    const inliers = hist[j - 1] + hist[j] + hist[j + 1];
    const score = inliers - 4 * below;
    if (score > best.score) best = { offset: j - shift, inliers, score };
  }
  return best;
}

/**
 * The slope (tan θ, clockwise positive) fitted by least squares to the points within 1.5 pixels of
 * each side's line, where the line lies at least 3.5 pixels deep. Runs under 2 pixels are not in a
 * profile, so where the line is shallower only the points that came out deeper than it remain, and
 * they would flatten the fit (a turn of 2° on a canvas of the picture's size, whose fill triangles
 * are a few pixels deep, read as 1.7°); chosen by where the line lies, the points keep their errors
 * on both sides.
 */
function refine(profiles: Profile[], lines: { offset: number }[], slope: number): { slope: number; points: number } {
  let num = 0;
  let den = 0;
  let points = 0;
  profiles.forEach((p, e) => {
    const s = p.sign * slope;
    const xs: number[] = [];
    const ds: number[] = [];
    p.depths.forEach((d, i) => {
      const line = s * i + lines[e].offset;
      if (d >= 0 && line >= 3.5 && Math.abs(d - line) <= 1.5) {
        xs.push(i);
        ds.push(d);
      }
    });
    if (xs.length < 2) return;
    points += xs.length;
    const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
    const md = ds.reduce((a, b) => a + b, 0) / ds.length;
    xs.forEach((x, k) => {
      num += p.sign * (x - mx) * (ds[k] - md);
      den += (x - mx) * (x - mx);
    });
  });
  return { slope: den > 0 ? num / den : slope, points };
}

/** A turn found: the clockwise angle, and the picture's size when its sides' lines say it (else null: the grown canvas's). */
export interface Skew {
  degrees: number;
  width: number | null;
  height: number | null;
}

/**
 * The turn of the picture on this canvas, or null when it does not look turned. The picture is
 * taken to be turned about the canvas's centre (a grown canvas, or one of the picture's own size
 * that cut its corners off); each side whose line holds at least a tenth of its length says how far
 * the picture's edge lies from the centre, and the farther of two opposite sides is taken (a line
 * the picture's own dark or pale stretches made lies deeper, nearer the centre).
 */
export function findSkew(img: Rgba, o: DeskewOptions = DESKEW_DEFAULTS): Skew | null {
  const { width: W, height: H } = img;
  if (W < 32 || H < 32) return null;
  const fill = cornerFill(img, o.fillTolerance);
  if (!fill) return null;
  const profiles = (['top', 'bottom', 'left', 'right'] as const).map((s) => fillProfile(img, fill, o.fillTolerance, s));
  let best = { deg: 0, score: -Infinity, inliers: 0, lines: profiles.map(() => ({ offset: 0, inliers: 0 })) };
  const tryAngle = (deg: number) => {
    const t = Math.tan((deg * Math.PI) / 180);
    const lines = profiles.map((p) => bestLine(p, p.sign * t));
    const score = lines.reduce((a, l) => a + l.score, 0);
    if (score > best.score) best = { deg, score, inliers: lines.reduce((a, l) => a + l.inliers, 0), lines };
  };
  // Coarse steps first (a line 500 points long still holds most of its points 4 steps off), then
  // fine ones around the best.
  const coarse = 4 * o.step;
  for (let k = -Math.round(o.maxDegrees / coarse); k <= Math.round(o.maxDegrees / coarse); k++) tryAngle(k * coarse);
  const around = best.deg;
  for (let k = -3; k <= 3; k++) if (k !== 0) tryAngle(around + k * o.step);
  if (best.inliers < o.minSupport * 2 * (W + H)) return null;
  // Fill triangles too shallow to hold MIN_FIT_POINTS points 3.5 pixels deep give no fit worth the
  // name (a turn under a degree or so in the picture's own frame, a thumbnail's, shapes on a plain
  // ground that line up: the search's best angle there can even have the wrong sign). This makes
  // such readings rarer, not impossible: most of those left on 128-px copies are still more than
  // 0.5° off (docs/eval.md, "Turned in its own frame").
  const fit = refine(profiles, best.lines, Math.tan((best.deg * Math.PI) / 180));
  if (fit.points < MIN_FIT_POINTS) return null;
  const slope = fit.slope;
  const degrees = (Math.atan(slope) * 180) / Math.PI;
  if (Math.abs(degrees) < o.minDegrees || Math.abs(degrees) > o.maxDegrees) return null;
  // Each side's depth at position 0, from the points on its line at the refined slope.
  const offsets = profiles.map((p, e) => {
    const s = p.sign * slope;
    let sum = 0;
    let n = 0;
    p.depths.forEach((d, i) => {
      if (d >= 0 && Math.abs(d - s * i - best.lines[e].offset) <= 1.5) {
        sum += d - s * i;
        n++;
      }
    });
    return n >= p.depths.length / 10 ? sum / n : null;
  });
  // The picture's edges: top y = H/2 - h/(2c) + t(x - W/2), bottom y = H/2 + h/(2c) + t(x - W/2),
  // left x = W/2 - w/(2c) - t(y - H/2), right x = W/2 + w/(2c) - t(y - H/2); depths measured from each side.
  const c = Math.cos((degrees * Math.PI) / 180);
  const t = slope;
  const [top, bottom, left, right] = offsets;
  const along = (a: number | null, b: number | null, cap: number) => {
    const xs = [a, b].filter((x): x is number => x !== null);
    return xs.length ? Math.min(cap, Math.max(...xs)) : null;
  };
  const height = along(top === null ? null : 2 * c * (H / 2 - (t * W) / 2 - top), bottom === null ? null : 2 * c * (H / 2 + (t * W) / 2 - bottom), H);
  const width = along(left === null ? null : 2 * c * (W / 2 + (t * H) / 2 - left), right === null ? null : 2 * c * (W / 2 - (t * H) / 2 - right), W);
  return { degrees, width, height };
}

/** The clockwise angle (degrees) by which the picture on this canvas was turned, or null when it does not look turned. */
export function estimateSkew(img: Rgba, o: DeskewOptions = DESKEW_DEFAULTS): number | null {
  return findSkew(img, o)?.degrees ?? null;
}

/**
 * The picture rotated back: `size` when the sides' lines gave it (unless far short of the grown
 * canvas's picture), else the grown canvas's: a canvas W x H of a w x h picture turned by θ has
 * W = w cos θ + h sin θ and H = w sin θ + h cos θ, solved for w and h. Less the inset.
 */
export function deskew(
  img: Rgba,
  degrees: number,
  o: DeskewOptions = DESKEW_DEFAULTS,
  size: { width: number | null; height: number | null } = { width: null, height: null },
): Rgba | null {
  const a = (Math.abs(degrees) * Math.PI) / 180;
  const c = Math.cos(a);
  const s = Math.sin(a);
  const d = c * c - s * s;
  // The lines' size is the finer (a canvas is whole pixels, and a pixel more shifts the picture by
  // half of one); far short of the grown canvas's, both sides' lines lay inside the picture.
  const pick = (lines: number | null, grown: number) => (lines !== null && lines > grown - 3 ? lines : grown);
  const w = pick(size.width, (img.width * c - img.height * s) / d);
  const h = pick(size.height, (img.height * c - img.width * s) / d);
  const ow = Math.round(w * (1 - 2 * o.inset));
  const oh = Math.round(h * (1 - 2 * o.inset));
  if (ow < 16 || oh < 16) return null;
  return unrotate(img, degrees, ow, oh);
}
