/**
 * RGBA images as the robust room handles them (4 bytes a pixel, row-major), and the geometric
 * operations it needs: a box-filter downscale to a working copy, a crop by fractions or pixels, and a
 * rotation back by a small angle. Pure: pixels in, new pixels out.
 */

export interface Rgba {
  rgba: Uint8Array;
  width: number;
  height: number;
}

/** A rectangle inside an image, in pixels. */
export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * The image scaled down so its longer side is at most `maxSide` (each output pixel the mean of the
 * source pixels it covers, whole pixels only, rounded half up); an image already small enough is
 * returned as is.
 *
 * The sums are integers, so any order of adding gives the same bytes. The usual case adds packed:
 * a pixel read as one little-endian 32-bit word is R | G << 8 | B << 16 | A << 24, so `word &
 * 0x00ff00ff` holds R and B in two 16-bit lanes and `(word >>> 8) & 0x00ff00ff` G and A; adding up
 * to 257 such values (257 * 255 < 2^16) never carries from one lane into the next, so a box of at
 * most 257 pixels is summed with two integer additions a pixel instead of four (a 1080p image's boxes
 * are 16 pixels; a 40 Mpx one's at most 256). The means come from a table per box size. Boxes larger
 * than that, and pixels not aligned on 4 bytes, take the plain loop over the bytes.
 */
export function downscaleBox(img: Rgba, maxSide: number): Rgba {
  const { width: w, height: h } = img;
  const f = Math.max(w, h) / maxSide;
  if (f <= 1) return img;
  const ow = Math.max(1, Math.round(w / f));
  const oh = Math.max(1, Math.round(h / f));
  const xs = boxEdges(w, ow);
  const ys = boxEdges(h, oh);
  const packed = LITTLE_ENDIAN && img.rgba.byteOffset % 4 === 0 && widest(xs) * widest(ys) <= PACKED_MAX_BOX;
  const rgba = packed ? downscalePacked(img, xs, ys) : downscaleBytes(img, xs, ys);
  return { rgba, width: ow, height: oh };
}

/** The source columns (rows) of output column (row) i are edges[i] to edges[i + 1] - 1. */
function boxEdges(size: number, out: number): Uint32Array {
  return Uint32Array.from({ length: out + 1 }, (_, i) => Math.round((i * size) / out));
}

const widest = (edges: Uint32Array): number => {
  let m = 0;
  for (let i = 1; i < edges.length; i++) m = Math.max(m, edges[i] - edges[i - 1]);
  return m;
};

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
/** The most pixels whose 8-bit values fit a 16-bit lane: 257 * 255 = 65535. */
const PACKED_MAX_BOX = 257;
const LANES = 0x00ff00ff;

function downscalePacked(img: Rgba, xs: Uint32Array, ys: Uint32Array): Uint8Array {
  const { width: w, rgba } = img;
  const ow = xs.length - 1;
  const oh = ys.length - 1;
  // Int32, not Uint32: an element above 2^31 would be a double in the loop; the bits are the same.
  const words = new Int32Array(rgba.buffer, rgba.byteOffset, img.width * img.height);
  const out = new Uint8Array(ow * oh * 4);
  // Per output column of the current band: R | B << 16 and G | A << 16, as int32 bit patterns.
  const rb = new Int32Array(ow);
  const ga = new Int32Array(ow);
  const means = new MeanTables();
  for (let oy = 0; oy < oh; oy++) {
    rb.fill(0);
    ga.fill(0);
    for (let y = ys[oy]; y < ys[oy + 1]; y++) {
      const row = y * w;
      for (let ox = 0, x = xs[0]; ox < ow; ox++) {
        let a = rb[ox];
        let b = ga[ox];
        for (const end = xs[ox + 1]; x < end; x++) {
          const p = words[row + x];
          a = (a + (p & LANES)) | 0;
          b = (b + ((p >>> 8) & LANES)) | 0;
        }
        rb[ox] = a;
        ga[ox] = b;
      }
    }
    const rows = ys[oy + 1] - ys[oy];
    for (let ox = 0, o = oy * ow * 4; ox < ow; ox++, o += 4) {
      const mean = means.of(rows * (xs[ox + 1] - xs[ox]));
      out[o] = mean[rb[ox] & 0xffff];
      out[o + 1] = mean[ga[ox] & 0xffff];
      out[o + 2] = mean[rb[ox] >>> 16];
      out[o + 3] = mean[ga[ox] >>> 16];
    }
  }
  return out;
}

/** Math.round(sum / n) for every sum of n 8-bit values, one table per n (a box has at most four sizes). */
class MeanTables {
  private readonly tables = new Map<number, Uint8Array>();

  of(n: number): Uint8Array {
    let t = this.tables.get(n);
    if (!t) {
      t = new Uint8Array(255 * n + 1);
      for (let s = 0; s < t.length; s++) t[s] = Math.round(s / n);
      this.tables.set(n, t);
    }
    return t;
  }
}

/** The same means one byte at a time, for any box size and alignment. */
function downscaleBytes(img: Rgba, xs: Uint32Array, ys: Uint32Array): Uint8Array {
  const { width: w, rgba } = img;
  const ow = xs.length - 1;
  const oh = ys.length - 1;
  const out = new Uint8Array(ow * oh * 4);
  const acc = new Float64Array(ow * 4);
  for (let oy = 0; oy < oh; oy++) {
    acc.fill(0);
    for (let y = ys[oy]; y < ys[oy + 1]; y++) {
      for (let ox = 0, q = (y * w + xs[0]) * 4; ox < ow; ox++) {
        let r = 0,
          g = 0,
          b = 0,
          a = 0;
        for (let x = xs[ox]; x < xs[ox + 1]; x++, q += 4) {
          r += rgba[q];
          g += rgba[q + 1];
          b += rgba[q + 2];
          a += rgba[q + 3];
        }
        acc[ox * 4] += r;
        acc[ox * 4 + 1] += g;
        acc[ox * 4 + 2] += b;
        acc[ox * 4 + 3] += a;
      }
    }
    const rows = ys[oy + 1] - ys[oy];
    for (let ox = 0; ox < ow; ox++) {
      const n = rows * (xs[ox + 1] - xs[ox]);
      for (let c = 0; c < 4; c++) out[(oy * ow + ox) * 4 + c] = Math.round(acc[ox * 4 + c] / n);
    }
  }
  return out;
}

/**
 * The image resampled to exactly `width` x `height` by area: each output pixel is the mean of the
 * source area it covers, partial pixels weighted by the share they cover (alpha set opaque). Unlike
 * point sampling, the result hardly depends on the source's size: a region and the same region of a
 * copy at half or twice the scale give nearly the same pixels. Enlarging repeats pixels.
 */
export function resampleArea(img: Rgba, width: number, height: number): Rgba {
  const { rgba, width: w, height: h } = img;
  const xs = areaWeights(w, width);
  const ys = areaWeights(h, height);
  // Columns first, one source row at a time, into a float plane of width x h (R, G, B).
  const rows = new Float64Array(width * h * 3);
  for (let y = 0; y < h; y++) {
    const src = y * w * 4;
    for (let x = 0, o = y * width * 3; x < width; x++, o += 3) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let k = xs.start[x]; k < xs.start[x + 1]; k++) {
        const q = src + xs.index[k] * 4;
        const f = xs.weight[k];
        r += rgba[q] * f;
        g += rgba[q + 1] * f;
        b += rgba[q + 2] * f;
      }
      rows[o] = r;
      rows[o + 1] = g;
      rows[o + 2] = b;
    }
  }
  const out = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0, o = y * width * 4; x < width; x++, o += 4) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let k = ys.start[y]; k < ys.start[y + 1]; k++) {
        const q = (ys.index[k] * width + x) * 3;
        const f = ys.weight[k];
        r += rows[q] * f;
        g += rows[q + 1] * f;
        b += rows[q + 2] * f;
      }
      out[o] = Math.min(255, Math.round(r));
      out[o + 1] = Math.min(255, Math.round(g));
      out[o + 2] = Math.min(255, Math.round(b));
      out[o + 3] = 255;
    }
  }
  return { rgba: out, width, height };
}

/** Per output position i of `out`: the source positions start[i]..start[i+1]-1 it covers and their weights (summing to 1). */
function areaWeights(size: number, out: number): { start: Uint32Array; index: Uint32Array; weight: Float64Array } {
  const step = size / out;
  const start = new Uint32Array(out + 1);
  const index: number[] = [];
  const weight: number[] = [];
  for (let i = 0; i < out; i++) {
    start[i] = index.length;
    const a = i * step;
    const b = (i + 1) * step;
    for (let s = Math.floor(a); s < Math.min(size, Math.ceil(b)); s++) {
      const f = Math.min(b, s + 1) - Math.max(a, s);
      if (f > 1e-9) {
        index.push(s);
        weight.push(f / step);
      }
    }
  }
  start[out] = index.length;
  return { start, index: Uint32Array.from(index), weight: Float64Array.from(weight) };
}

/**
 * The sums of a plane (one value a pixel, row-major: PDQ's luma) over [0, x) x [0, y) for every
 * 0 <= x <= width, 0 <= y <= height (a summed-area table): any box's mean, whole or partial pixels,
 * from a few look-ups. Built once for a working copy, it resamples its many crops by area without
 * copying them.
 */
export interface SummedArea {
  width: number;
  height: number;
  /** (width + 1) x (height + 1) corners, in binary64. */
  sums: Float64Array;
}

export function summedArea(plane: ArrayLike<number>, width: number, height: number): SummedArea {
  const stride = width + 1;
  const sums = new Float64Array(stride * (height + 1));
  for (let y = 0; y < height; y++) {
    let run = 0;
    const above = y * stride;
    const row = above + stride;
    for (let x = 0, q = y * width; x < width; x++, q++) {
      run += plane[q];
      sums[row + x + 1] = sums[above + x + 1] + run;
    }
  }
  return { width, height, sums };
}

/**
 * `box` of the table's plane (clamped as cropBox clamps) resampled by area to `width` x `height`:
 * each value the mean of the box's part it covers, partial pixels weighted by the share covered,
 * as resampleArea averages. Inside a pixel the table's sum grows bilinearly, so a corner between
 * pixels is the bilinear blend of the four around it, exactly.
 */
export function areaMeans(t: SummedArea, box: Box, width: number, height: number): Float32Array {
  const b = clampBox(t.width, t.height, box);
  const stride = t.width + 1;
  const { sums } = t;
  // Where the output's column and row edges fall in the table: whole index and fraction.
  const edges = (from: number, size: number, n: number, last: number) => {
    const at = new Uint32Array(n + 1);
    const frac = new Float64Array(n + 1);
    for (let i = 0; i <= n; i++) {
      const v = from + (i * size) / n;
      const k = Math.min(last - 1, Math.floor(v));
      at[i] = k;
      frac[i] = v - k;
    }
    return { at, frac };
  };
  const xs = edges(b.left, b.width, width, t.width);
  const ys = edges(b.top, b.height, height, t.height);
  // The table at every corner of the output grid.
  const cols = width + 1;
  const corners = new Float64Array(cols * (height + 1));
  for (let j = 0; j <= height; j++) {
    const r0 = ys.at[j] * stride;
    const r1 = r0 + stride;
    const fy = ys.frac[j];
    for (let i = 0; i <= width; i++) {
      const c = xs.at[i];
      const fx = xs.frac[i];
      const a = sums[r0 + c];
      const top = a + (sums[r0 + c + 1] - a) * fx;
      const d = sums[r1 + c];
      corners[j * cols + i] = top + (d + (sums[r1 + c + 1] - d) * fx - top) * fy;
    }
  }
  const out = new Float32Array(width * height);
  const area = (b.width / width) * (b.height / height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const q = y * cols + x;
      out[y * width + x] = (corners[q + cols + 1] - corners[q + cols] - corners[q + 1] + corners[q]) / area;
    }
  }
  return out;
}

/** The box in whole pixels, clamped to a width x height image (at least one pixel). */
function clampBox(w: number, h: number, box: Box): Box {
  const left = Math.max(0, Math.min(w - 1, Math.round(box.left)));
  const top = Math.max(0, Math.min(h - 1, Math.round(box.top)));
  return {
    left,
    top,
    width: Math.max(1, Math.min(w - left, Math.round(box.width))),
    height: Math.max(1, Math.min(h - top, Math.round(box.height))),
  };
}

/** The pixels of `box` (clamped to the image). */
export function cropBox(img: Rgba, box: Box): Rgba {
  const { left, top, width, height } = clampBox(img.width, img.height, box);
  const out = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    const from = ((y + top) * img.width + left) * 4;
    out.set(img.rgba.subarray(from, from + width * 4), y * width * 4);
  }
  return { rgba: out, width, height };
}

/** Fractions of each side to cut: left, top, right, bottom (0..1). */
export interface Cut {
  l: number;
  t: number;
  r: number;
  b: number;
}

/** The box left after cutting fractions of the sides, rounded as the edits people make round them. */
export function cutBox(width: number, height: number, c: Cut): Box {
  const left = Math.round(width * c.l);
  const top = Math.round(height * c.t);
  return { left, top, width: width - left - Math.round(width * c.r), height: height - top - Math.round(height * c.b) };
}

/**
 * A `width` x `height` image whose pixel (u, v) is the source's pixel at the point that (u, v),
 * taken about the output's centre, lands on when rotated `degrees` clockwise about the source's
 * centre (bilinear). Undoes a clockwise rotation by `degrees` of an image of this size.
 */
export function unrotate(img: Rgba, degrees: number, width: number, height: number): Rgba {
  const a = (degrees * Math.PI) / 180;
  const c = Math.cos(a);
  const s = Math.sin(a);
  const { rgba, width: W, height: H } = img;
  const out = new Uint8Array(width * height * 4);
  const cx = W / 2;
  const cy = H / 2;
  for (let v = 0; v < height; v++) {
    const py = v + 0.5 - height / 2;
    for (let u = 0; u < width; u++) {
      const px = u + 0.5 - width / 2;
      const sx = Math.min(W - 1, Math.max(0, px * c - py * s + cx - 0.5));
      const sy = Math.min(H - 1, Math.max(0, px * s + py * c + cy - 0.5));
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const x1 = Math.min(W - 1, x0 + 1);
      const y1 = Math.min(H - 1, y0 + 1);
      const fx = sx - x0;
      const fy = sy - y0;
      const o = (v * width + u) * 4;
      for (let k = 0; k < 4; k++) {
        const top = rgba[(y0 * W + x0) * 4 + k] * (1 - fx) + rgba[(y0 * W + x1) * 4 + k] * fx;
        const bottom = rgba[(y1 * W + x0) * 4 + k] * (1 - fx) + rgba[(y1 * W + x1) * 4 + k] * fx;
        out[o + k] = Math.round(top * (1 - fy) + bottom * fy);
      }
    }
  }
  return { rgba: out, width, height };
}
