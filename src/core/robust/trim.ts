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
  /**
   * A structured edge line (not uniform) starts a band only when the lines after it repeat it within
   * this (the columns of a vertical gradient band are one column, to JPEG's noise); the smooth edge
   * of a picture (a defocused or hazy border, a motion blur) changes a little with every line.
   */
  repeatTolerance: number;
  /**
   * ... and only when it is smooth: no two pixels `2` apart along it differ by more than this (mean
   * over R, G, B). A gradient band's column drifts a level or two a pixel; a flag's or a logo's edge
   * line steps from one flat field to the next (Finland's white and blue), and lines repeating it
   * are the picture's own fields, not a band.
   */
  maxStep: number;
  /**
   * A loose band's lines keep the edge line's mean colour within this, plus four standard errors of
   * the lines' own noise (noise averages out along a line; a picture's grainy edge drifts in colour).
   */
  meanTolerance: number;
  /**
   * A band whose edge line is uniform (its pixels' mean deviation from the line's mean at most
   * `uniformDeviation`) and repeated by the next line (within `uniformStep`) is a solid or graded
   * band: it goes on through lines that repeat the edge line (`sameTolerance`) or are uniform and
   * within `uniformStep` of the line before. These strict bands are cut first, then the loose test
   * of noisy bands (no structure, within `lineTolerance`) on what is left. 0: the loose test alone.
   */
  uniformDeviation: number;
  uniformStep: number;
  /** A band thinner than this share of the image's shorter side is no band (smooth edges of a picture are not trimmed). */
  minBand: number;
  /** No side loses more than this share; a solid or graded band (which holds nothing of the picture) up to `maxSolidBand`. */
  maxBand: number;
  maxSolidBand: number;
  /** ... as long as the picture left keeps this share of the width and of the height. */
  minSolidKeep: number;
}

export const TRIM_DEFAULTS: TrimOptions = {
  lineTolerance: 24,
  structureTolerance: 20,
  sameTolerance: 6,
  repeatTolerance: 2,
  maxStep: 24,
  meanTolerance: 3,
  uniformDeviation: 2.5,
  uniformStep: 3,
  minBand: 0.015,
  maxBand: 0.4,
  maxSolidBand: 0.8,
  minSolidKeep: 0.25,
};

/** A line of pixels: `count` pixels from byte offset `start`, `step` bytes apart. */
interface Line {
  start: number;
  step: number;
  count: number;
}

/** Row y between columns `from` and `to` (exclusive), column x between rows `from` and `to`. */
const rowLine = (img: Rgba, y: number, from = 0, to = img.width): Line => ({ start: (y * img.width + from) * 4, step: 4, count: to - from });
const colLine = (img: Rgba, x: number, from = 0, to = img.height): Line => ({ start: (from * img.width + x) * 4, step: img.width * 4, count: to - from });

/** Mean over the pixels of |a - b| averaged over R, G, B. */
function lineDiff(px: Uint8Array, a: Line, b: Line): number {
  let d = 0;
  for (let i = 0, p = a.start, q = b.start; i < a.count; i++, p += a.step, q += b.step) {
    d += Math.abs(px[p] - px[q]) + Math.abs(px[p + 1] - px[q + 1]) + Math.abs(px[p + 2] - px[q + 2]);
  }
  return d / (3 * a.count);
}

/** Mean over the pixels of |pixel - the line's mean colour|, averaged over R, G, B. */
function lineDeviation(px: Uint8Array, l: Line): number {
  const mean = [0, 0, 0];
  for (let i = 0, p = l.start; i < l.count; i++, p += l.step) for (let k = 0; k < 3; k++) mean[k] += px[p + k];
  for (let k = 0; k < 3; k++) mean[k] /= l.count;
  let d = 0;
  for (let i = 0, p = l.start; i < l.count; i++, p += l.step) d += Math.abs(px[p] - mean[0]) + Math.abs(px[p + 1] - mean[1]) + Math.abs(px[p + 2] - mean[2]);
  return d / (3 * l.count);
}

/** The mean of channel k (0..2) along a line. */
function lineMean(px: Uint8Array, l: Line, k: number): number {
  let sum = 0;
  for (let i = 0, p = l.start + k; i < l.count; i++, p += l.step) sum += px[p];
  return sum / l.count;
}

/** The spread (max - min) of the mean grey level of the line's segments. */
function lineStructure(px: Uint8Array, l: Line): number {
  // 16 segments, each of at least 16 pixels (so that noise averages out on a short line too).
  const n = Math.max(1, Math.min(16, Math.floor(l.count / 16)));
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

/** The largest difference between two pixels 2 apart along the line, averaged over R, G, B. */
function lineStep(px: Uint8Array, l: Line): number {
  let max = 0;
  for (let i = 2, p = l.start + 2 * l.step; i < l.count; i++, p += l.step) {
    const q = p - 2 * l.step;
    const d = Math.abs(px[p] - px[q]) + Math.abs(px[p + 1] - px[q + 1]) + Math.abs(px[p + 2] - px[q + 2]);
    if (d > max) max = d;
  }
  return max / 3;
}

/** Whether the lines next to a smooth structured edge line repeat it (the columns of a vertical gradient). */
function alike(img: Rgba, line: (i: number) => Line, minLines: number, o: TrimOptions): boolean {
  if (lineStep(img.rgba, line(0)) > o.maxStep) return false;
  const k = Math.max(2, Math.ceil(minLines));
  for (let i = 1; i < k; i++) if (lineDiff(img.rgba, line(i), line(0)) > o.repeatTolerance) return false;
  return true;
}

/** Whether an edge line is solid: uniform, and the next line within uniformStep of it. */
function solidEdge(img: Rgba, line: (i: number) => Line, o: TrimOptions): boolean {
  return lineDeviation(img.rgba, line(0)) <= o.uniformDeviation && lineDiff(img.rgba, line(1), line(0)) <= o.uniformStep;
}

/**
 * How many lines from an edge belong to its band (0 when thinner than minBand). `strict`: a solid
 * or graded band (uniform lines, each near the one before) or lines repeating the edge line (the
 * columns of a vertical gradient); `loose`: also lines without structure near the edge line (noise).
 */
function bandDepth(img: Rgba, size: number, line: (i: number) => Line, o: TrimOptions, strict: boolean, minLines: number): number {
  const edge = line(0);
  const uniform = (l: Line) => lineDeviation(img.rgba, l) <= o.uniformDeviation;
  const solid = strict && size > 1 && solidEdge(img, line, o);
  const max = Math.floor(size * (strict ? o.maxSolidBand : o.maxBand));
  // A loose band keeps its edge line's colour: a line drifts when its mean colour is further from the
  // edge line's than meanTolerance plus four standard errors of the two lines' noise.
  const edgeMean = [0, 1, 2].map((k) => lineMean(img.rgba, edge, k));
  const edgeDev = lineDeviation(img.rgba, edge);
  const drifts = (l: Line) => {
    const dev = lineDeviation(img.rgba, l);
    const slack = o.meanTolerance + (4 * 1.25 * Math.sqrt(dev * dev + edgeDev * edgeDev)) / Math.sqrt(l.count);
    return edgeMean.some((m, k) => Math.abs(lineMean(img.rgba, l, k) - m) > slack);
  };
  let n = 0;
  while (n < max) {
    const l = line(n);
    if (n === 0) {
      if (!solid && (strict || lineStructure(img.rgba, l) > o.structureTolerance) && !alike(img, line, minLines, o)) break;
    } else {
      const d = lineDiff(img.rgba, l, edge);
      if (strict) {
        if (!solid ? d > o.repeatTolerance : d > o.sameTolerance && !(uniform(l) && lineDiff(img.rgba, l, line(n - 1)) <= o.uniformStep)) break;
      } else if (d > o.lineTolerance || (d > o.sameTolerance && lineStructure(img.rgba, l) > o.structureTolerance) || drifts(l)) break;
    }
    n++;
  }
  return n < minLines ? 0 : n;
}

type Side = 'top' | 'bottom' | 'left' | 'right';
const SIDES: Side[] = ['top', 'bottom', 'left', 'right'];

/** The mean colour of a solid edge (solidEdge), or null. */
function solidColour(img: Rgba, line: (i: number) => Line, o: TrimOptions): number[] | null {
  const edge = line(0);
  if (edge.count < 2 || !solidEdge(img, line, o)) return null;
  return [0, 1, 2].map((k) => lineMean(img.rgba, edge, k));
}

/** One pass of trimBorders: strict or loose bands on every side, or null when none. */
function trimPass(img: Rgba, o: TrimOptions, strict: boolean): Box | null {
  const { width: w, height: h } = img;
  if (w < 8 || h < 8) return null;
  // Bands are as thick on every side (a border is a share of the shorter side): measured against it.
  const minLines = Math.min(w, h) * o.minBand;
  const sides = (l: number, t: number, r: number, b: number): Record<Side, number> => {
    const at: Record<Side, [number, (i: number) => Line]> = {
      top: [h, (i) => rowLine(img, i, l, w - r)],
      bottom: [h, (i) => rowLine(img, h - 1 - i, l, w - r)],
      left: [w, (i) => colLine(img, i, t, h - b)],
      right: [w, (i) => colLine(img, w - 1 - i, t, h - b)],
    };
    const depth = (s: Side, least: number) => bandDepth(img, at[s][0], at[s][1], o, strict, least);
    const d = { top: depth('top', minLines), bottom: depth('bottom', minLines), left: depth('left', minLines), right: depth('right', minLines) };
    if (!strict) return d;
    // The plain ground around a drawing (clip art on white): its margins are often thinner than a
    // band on some sides, and a copy with a border of the ground's colour is cut to the drawing on
    // every side. A solid edge of the colour of a band found on another side is cut however thin.
    // (Not when every margin is thin: cut to the drawing, two different bunches of clip-art grapes
    // met within the region thresholds, 2026-12-03.)
    const ground = SIDES.map((s) => solidColour(img, at[s][1], o));
    const same = (a: number[] | null, b: number[] | null) => a !== null && b !== null && a.every((v, k) => Math.abs(v - b[k]) <= o.uniformStep);
    SIDES.forEach((s, i) => {
      if (d[s] === 0 && ground[i] && SIDES.some((x, j) => d[x] > 0 && same(ground[i], ground[j]))) d[s] = depth(s, 1);
    });
    return d;
  };
  // Whole lines first; then each side again along the lines between the bands found across it, so
  // that the rows of a pillarboxed picture (black, picture, black) are not taken for the columns of
  // a gradient band, nor the columns of a letterboxed one.
  const first = sides(0, 0, 0, 0);
  if (first.top + first.bottom + first.left + first.right === 0) return null;
  const { top, bottom, left, right } = sides(first.left, first.top, first.right, first.bottom);
  if (top + bottom + left + right === 0 || top + bottom >= h - 8 || left + right >= w - 8) return null;
  return { left, top, width: w - left - right, height: h - top - bottom };
}

/**
 * The picture inside uniform, noisy or graded bands on any side, or null when no side has one.
 * Strict bands first (solid, graded, repeated lines: what an edit adds, cut to the line), then the
 * loose test on what is left: a bordered or letterboxed copy then gets the same loose cut as the
 * shared picture itself, whose edges may be dark or pale and flat (the loose test alone ate into
 * them from a black or white band and cut the copy differently from the original).
 */
export function trimBorders(img: Rgba, o: TrimOptions = TRIM_DEFAULTS): Box | null {
  if (o.uniformDeviation <= 0) return trimPass(img, o, false);
  // Bands up to maxSolidBand, unless they leave a sliver: a flat wallpaper's small logo or a
  // gradient's middle strip, whose blockhash met unrelated images within 8 bits; then up to maxBand.
  const keeps = (b: Box) => b.width >= img.width * o.minSolidKeep && b.height >= img.height * o.minSolidKeep;
  const wide = trimPass(img, o, true);
  const strict = wide && !keeps(wide) ? trimPass(img, { ...o, maxSolidBand: o.maxBand }, true) : wide;
  return strict ?? trimPass(img, o, false);
}

export interface ScreenshotOptions {
  /** Only images at least this much taller than wide are taken for phone screenshots. */
  minAspect: number;
  /**
   * A separator row (the empty rows between the parts of a screen) has this share of its pixels
   * within `separatorNear` (luma) of its median: a screen's background is flat to the level, a
   * photo's pale sky is not (2, was 6: the sky's rows split the post).
   */
  separatorShare: number;
  separatorNear: number;
  /**
   * ... and its median luma within this of the screen's background: the median whose flat rows form
   * the most separate runs (the app's white or dark ground, which shows between every part of the
   * screen). A picture's own flat rows (a clear blue sky, fog) have their own colour and stay in the
   * post; they split it before (2026-12-03). Counted in runs, not rows: a tall clear sky is one run
   * of more rows than the screen's ground has.
   */
  backgroundNear: number;
  /** The post is the tallest block of rows between separators, and must fill between these shares of the height (0.06: a 4:1 panorama). */
  minPost: number;
  maxPost: number;
}

export const SCREENSHOT_DEFAULTS: ScreenshotOptions = {
  minAspect: 1.5,
  separatorShare: 0.99,
  separatorNear: 2,
  backgroundNear: 8,
  minPost: 0.06,
  maxPost: 0.85,
};

/** Per row: its median luma and the share of its pixels within `near` of it. */
function rowFlatness(img: Rgba, y: number, near: number): { median: number; share: number } {
  const { rgba, width } = img;
  const hist = new Uint32Array(256);
  const luma = new Uint8Array(width);
  for (let x = 0, q = y * width * 4; x < width; x++, q += 4) {
    luma[x] = (rgba[q] * 299 + rgba[q + 1] * 587 + rgba[q + 2] * 114 + 500) / 1000;
    hist[luma[x]]++;
  }
  let median = 0;
  for (let acc = 0; median < 256; median++) if ((acc += hist[median]) * 2 >= width) break;
  let n = 0;
  for (let x = 0; x < width; x++) if (Math.abs(luma[x] - median) <= near) n++;
  return { median, share: n / width };
}

/**
 * A screen's background: the median luma (within `near`) whose flat rows form the most separate runs,
 * ties to the one with more rows (-1: no flat row). The ground shows between the parts of a screen
 * (status bar, app bar, post, caption lines, reactions, message field), a run between each two; a
 * picture's own flat rows (a clear sky) are one run, however tall.
 */
function screenBackground(rows: { median: number }[], flat: boolean[], near: number): number {
  let background = -1;
  let best = [0, 0];
  // A sky with a little noise has rows of its colour that are flat only here and there: a run is
  // counted once it has this many flat rows, and fewer rows of its colour that are not flat do not
  // end it. A screen's separators and parts (a bar, a caption's line of text) are taller.
  const least = Math.max(3, Math.round(rows.length / 200));
  for (let v = 0; v < 256; v++) {
    let runs = 0;
    let count = 0;
    let inRun = 0;
    let gap = 0;
    rows.forEach((r, y) => {
      const nearV = Math.abs(r.median - v) <= near;
      if (flat[y] && nearV) {
        count++;
        if (++inRun === least) runs++;
        gap = 0;
      } else if (!(inRun > 0 && nearV && ++gap < least)) {
        inRun = 0;
        gap = 0;
      }
    });
    if (runs > best[0] || (runs === best[0] && count > best[1])) {
      best = [runs, count];
      background = v;
    }
  }
  return best[0] > 0 ? background : -1;
}

/**
 * The post inside a phone screenshot (rows only; trimBorders takes its side margins after), or null.
 * A screen is blocks of rows (status bar, app bar, the post, caption lines, reactions, message
 * field, navigation bar) between empty separator rows of the screen's background; the post is the
 * tallest block.
 */
export function trimPhoneBars(img: Rgba, o: ScreenshotOptions = SCREENSHOT_DEFAULTS): Box | null {
  if (img.height < img.width * o.minAspect) return null;
  const rows = Array.from({ length: img.height }, (_, y) => rowFlatness(img, y, o.separatorNear));
  const flat = rows.map((r) => r.share >= o.separatorShare);
  const background = screenBackground(rows, flat, o.separatorNear);
  let best = { top: 0, height: 0 };
  let start = -1;
  for (let y = 0; y <= img.height; y++) {
    const separator = y === img.height || (flat[y] && Math.abs(rows[y].median - background) <= o.backgroundNear);
    if (!separator && start < 0) start = y;
    if (separator && start >= 0) {
      if (y - start > best.height) best = { top: start, height: y - start };
      start = -1;
    }
  }
  if (best.height < img.height * o.minPost || best.height > img.height * o.maxPost) return null;
  return { left: 0, top: best.top, width: img.width, height: best.height };
}

/**
 * The box less its seams: on each side where a band was cut (the box does not reach the image's
 * edge), the box's first line is cut too when it looks more like the band's last line outside the
 * box than like the next line in. That is where JPEG's blocks and resizing blend band and picture; a
 * coloured line left beside a white sky moved PDQ by 30 bits. A line of the picture itself (the thin
 * frame of a drawing on a white ground) looks like the picture and is kept.
 */
export function cutSeams(img: Rgba, box: Box): Box {
  const { left, top, width, height } = box;
  if (width < 10 || height < 10) return box;
  const right = left + width - 1;
  const bottom = top + height - 1;
  const seam = (outside: Line, first: Line, next: Line) => lineDiff(img.rgba, first, outside) < lineDiff(img.rgba, first, next);
  const l = left > 0 && seam(colLine(img, left - 1, top, bottom + 1), colLine(img, left, top, bottom + 1), colLine(img, left + 1, top, bottom + 1)) ? 1 : 0;
  const r =
    right < img.width - 1 && seam(colLine(img, right + 1, top, bottom + 1), colLine(img, right, top, bottom + 1), colLine(img, right - 1, top, bottom + 1))
      ? 1
      : 0;
  const t = top > 0 && seam(rowLine(img, top - 1, left, right + 1), rowLine(img, top, left, right + 1), rowLine(img, top + 1, left, right + 1)) ? 1 : 0;
  const b =
    bottom < img.height - 1 && seam(rowLine(img, bottom + 1, left, right + 1), rowLine(img, bottom, left, right + 1), rowLine(img, bottom - 1, left, right + 1))
      ? 1
      : 0;
  return { left: left + l, top: top + t, width: width - l - r, height: height - t - b };
}
