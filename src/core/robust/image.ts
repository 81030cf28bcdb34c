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
 * source pixels it covers, whole pixels only); an image already small enough is returned as is.
 */
export function downscaleBox(img: Rgba, maxSide: number): Rgba {
  const { width: w, height: h, rgba } = img;
  const f = Math.max(w, h) / maxSide;
  if (f <= 1) return img;
  const ow = Math.max(1, Math.round(w / f));
  const oh = Math.max(1, Math.round(h / f));
  const out = new Uint8Array(ow * oh * 4);
  const xs = Uint32Array.from({ length: ow + 1 }, (_, i) => Math.round((i * w) / ow));
  const ys = Uint32Array.from({ length: oh + 1 }, (_, i) => Math.round((i * h) / oh));
  const acc = new Float64Array(ow * 4);
  for (let oy = 0; oy < oh; oy++) {
    acc.fill(0);
    for (let y = ys[oy]; y < ys[oy + 1]; y++) {
      const row = y * w * 4;
      for (let ox = 0; ox < ow; ox++) {
        let r = 0,
          g = 0,
          b = 0,
          a = 0;
        for (let x = xs[ox], q = row + x * 4; x < xs[ox + 1]; x++, q += 4) {
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
  return { rgba: out, width: ow, height: oh };
}

/** The pixels of `box` (clamped to the image). */
export function cropBox(img: Rgba, box: Box): Rgba {
  const left = Math.max(0, Math.min(img.width - 1, Math.round(box.left)));
  const top = Math.max(0, Math.min(img.height - 1, Math.round(box.top)));
  const width = Math.max(1, Math.min(img.width - left, Math.round(box.width)));
  const height = Math.max(1, Math.min(img.height - top, Math.round(box.height)));
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
