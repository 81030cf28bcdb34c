/**
 * The robust variants of an image: the hashes of its regions beside the whole image's. At
 * enrolment (sharing) the picture inside its borders or bars, a small rotation undone, and crops of
 * the picture; at query time the same without the crops (a crop of the shared image is found by the
 * crop stored at enrolment, and cut a little more to meet one), plus a few turns tried where a turn
 * cannot be read (`tilts`). Regions are hashed on a
 * working copy at most `workingSide` pixels on its longer side; the whole image's hashes are the
 * caller's, full-size and bit-exact.
 */
import { blockhashFromValues, blockhashSupports, blockhashValues } from '../blockhash';
import { WHOLE } from '../items';
import type { HashKernels } from '../kernels';
import { lumaFromRgba, pdqFromLuma, pdqFromRgba } from '../pdq';
import { cornerFill, deskew, findSkew, DESKEW_DEFAULTS, type DeskewOptions } from './deskew';
import { blockhashQualityOf } from './gates';
import { ROBUST_RULES, tiltVariant } from './rules';
import { areaMeans, cropBox, cutBox, downscaleBox, resampleArea, summedArea, type Box, type Cut, type Rgba } from './image';
import { cutSeams, SCREENSHOT_DEFAULTS, TRIM_DEFAULTS, trimBorders, trimPhoneBars, type ScreenshotOptions, type TrimOptions } from './trim';

export interface RobustHash {
  type: 'pdq' | 'blockhash';
  value: string;
  /** PDQ's quality, or blockhash's (gates.ts), 0..100. */
  quality: number;
  /** Which region of the image: `trim`, `screen`, `deskew`, `crop-…` (the caller adds `whole`). */
  variant: string;
}

export interface RobustOptions {
  workingSide: number;
  /** Cut the seam between a band and the picture where it looks like the band (trim.ts cutSeams). */
  seams: boolean;
  /** Crops stored at enrolment, by name. */
  crops: { name: string; cut: Cut }[];
  /**
   * The query's own crops, hashed by PDQ alone (`recrop-…`, the `search` class): a copy cut by an
   * amount between two stored crops (7.5 % of each side, a 4:3 picture cut to a square) meets one
   * of them once cut a little more. PDQ moves about 12 bits for every 1 % a side is cut, so a stored
   * crop is met only within about half a per cent a side (one side alone moves it as much); these
   * steps of 1 % (of the copy) from the nearest larger stored crop cover every centred cut, cut of
   * the two sides of one axis, or cut of one side alone, up to 20 % a side.
   */
  search: { name: string; cut: Cut }[];
  trim: TrimOptions;
  screenshot: ScreenshotOptions;
  deskew: DeskewOptions;
  /**
   * The query's centre, hashed by PDQ alone beside its regions (variant `centre`), cut as the stored
   * crop of the same cut (`crop-c20`): a logo in a corner and a caption band along an edge fall
   * outside it, so a watermarked copy meets the shared image's crop (null: none).
   */
  queryCentre: Cut | null;
  /**
   * A region's PDQ is taken of the region resampled by area to this many pixels a side (0: of the
   * region as it is). PDQ point-samples its 64 x 64 grid after a box filter whose width is a whole
   * number of pixels, so the same region at another scale (a copy halved, a post at a phone's width)
   * moved by 30 bits and more on textured pictures; resampled by area first it moves by a few.
   */
  pdqGrid: number;
  /** The query also hashes its trim trimmed again (`retrim`): a shared picture's own bands inside an added one. */
  retrim: boolean;
  /** Bands inside a cut box (a screenshot's post, a trim) not found from its edges are looked for this many lines in from each cut side (blended lines). */
  insideInset: number;
  /**
   * Turns a query tries undoing (degrees, clockwise positive; variants `tilt+1.25`, `tilt-3.75`, …)
   * when its corners share one fill colour and deskew read no turn: a drawing or a star chart on a
   * ground of the fill's own colour, turned, shows no edge to read the angle from. Each is undone as
   * deskew undoes a turn on a grown canvas and hashed by PDQ alone; spaced so that any turn up to 5°
   * lies within 1.25° of one (PDQ moves little for that).
   */
  tilts: number[];
  /**
   * The tilts are turned back on a copy this many pixels on its longer side: PDQ takes a region
   * resampled to `pdqGrid` a side anyway, and turning the 512-pixel working copy back four times
   * cost about 15 ms each.
   */
  tiltSide: number;
  /**
   * Tilts are tried only when the query's `scaled` PDQ (the unturned copy, hashed as they are) has
   * at least this quality: turning lifts PDQ's quality of a flat graphic by a few points (its turned
   * edges), which would let its tilts through the gate its own hashes are held at.
   */
  tiltMinQuality: number;
}

const centre = (f: number): Cut => ({ l: f, t: f, r: f, b: f });
const across = (f: number): Cut => ({ l: f, t: 0, r: f, b: 0 });
const upDown = (f: number): Cut => ({ l: 0, t: f, r: 0, b: f });
const side = (s: 'l' | 't' | 'r' | 'b', f: number): Cut => ({ l: 0, t: 0, r: 0, b: 0, [s]: f });
const SIDES = ['l', 'r', 't', 'b'] as const;
const percents = (xs: number[]) => xs.map((p) => ({ p, f: p / 100 }));
/** The stored crops' steps a side: the query's recrop steps (1–7 %) reach from one to the next. */
const STORED_STEPS = percents([5, 10, 15, 20]);
const SEARCH_STEPS = percents([1, 2, 3, 4, 5, 6, 7]);
/**
 * One side alone: crops stored at 10 and 20 %, and the query's recrops of 1–10 % of that side (of
 * the copy: a copy cut x and recut p is cut x + p (1 − x)) reach them from any cut up to 20 %; with
 * 9 % the largest, cuts of 10.5–11.5 % reached neither (review, 2026-12-05).
 */
const ONE_SIDE_STORED = percents([10, 20]);
const ONE_SIDE_STEPS = percents([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);

export const ROBUST_DEFAULTS: RobustOptions = {
  workingSide: 512,
  seams: true,
  crops: [
    ...STORED_STEPS.map(({ p, f }) => ({ name: `crop-c${p}`, cut: centre(f) })),
    ...STORED_STEPS.map(({ p, f }) => ({ name: `crop-h${p}`, cut: across(f) })),
    ...STORED_STEPS.map(({ p, f }) => ({ name: `crop-v${p}`, cut: upDown(f) })),
    ...SIDES.flatMap((s) => ONE_SIDE_STORED.map(({ p, f }) => ({ name: `crop-${s}${p}`, cut: side(s, f) }))),
    { name: 'crop-tl10', cut: { l: 0, t: 0, r: 0.1, b: 0.1 } },
    { name: 'crop-br10', cut: { l: 0.1, t: 0.1, r: 0, b: 0 } },
  ],
  search: [
    ...SEARCH_STEPS.map(({ p, f }) => ({ name: `recrop-c${p}`, cut: centre(f) })),
    ...SEARCH_STEPS.map(({ p, f }) => ({ name: `recrop-h${p}`, cut: across(f) })),
    ...SEARCH_STEPS.map(({ p, f }) => ({ name: `recrop-v${p}`, cut: upDown(f) })),
    ...SIDES.flatMap((s) => ONE_SIDE_STEPS.map(({ p, f }) => ({ name: `recrop-${s}${p}`, cut: side(s, f) }))),
  ],
  trim: TRIM_DEFAULTS,
  screenshot: SCREENSHOT_DEFAULTS,
  deskew: DESKEW_DEFAULTS,
  queryCentre: centre(0.2),
  pdqGrid: 64,
  retrim: true,
  insideInset: 2,
  tilts: [-3.75, -1.25, 1.25, 3.75],
  tiltSide: 160,
  tiltMinQuality: ROBUST_RULES.minQuality.pdq,
};

/** PDQ (of the region resampled to `pdqGrid` a side) and (unless `pdqOnly`) blockhash of a region, each with its quality. */
export function hashRegion(img: Rgba, kernels: HashKernels, variant: string, pdqOnly = false, pdqGrid = ROBUST_DEFAULTS.pdqGrid): RobustHash[] {
  const out = [pdqOf(pdqGrid > 0 ? resampleArea(img, pdqGrid, pdqGrid) : img, kernels, variant)];
  if (!pdqOnly && blockhashSupports(img.width, img.height, 16)) {
    // The block values once, for the hash and its quality.
    const values = blockhashValues(img.rgba, img.width, img.height, kernels.blockhash);
    out.push({ type: 'blockhash', value: blockhashFromValues(values, img.width, img.height), quality: blockhashQualityOf(values), variant });
  }
  return out;
}

function pdqOf(img: Rgba, kernels: HashKernels, variant: string): RobustHash {
  const p = pdqFromRgba(img.rgba, img.width, img.height, kernels.pdq);
  return { type: 'pdq', value: p.hash, quality: p.quality, variant };
}

/**
 * PDQ alone of boxes of the working copy: the crops a share stores, a query's recrops, its centre
 * and its whole copy. With a PDQ grid, each box's PDQ luma is resampled by area from one summed-area
 * table of the working copy's luma (a few thousand look-ups a box, no copy of it, one channel): the
 * 21 recrops of a query took about 30 ms when each was copied and resampled in RGB on its own. The
 * means are not rounded to bytes, so a box's hash can differ from hashRegion's of the same box by a
 * bit or two; every box, stored or queried, is hashed here.
 */
function boxHasher(work: Rgba, kernels: HashKernels, o: RobustOptions): (box: Box, variant: string) => RobustHash {
  if (o.pdqGrid <= 0) return (box, variant) => pdqOf(cropBox(work, box), kernels, variant);
  const n = o.pdqGrid;
  let table: ReturnType<typeof summedArea> | undefined;
  return (box, variant) => {
    table ??= summedArea(lumaFromRgba(work.rgba, work.width, work.height), work.width, work.height);
    const p = pdqFromLuma(areaMeans(table, box, n, n), n, n, kernels.pdq);
    return { type: 'pdq', value: p.hash, quality: p.quality, variant };
  };
}

/** The box as a region is cut: its seams cut away first when `seams` is on (cutSeams). */
const seamless = (work: Rgba, box: Box, o: RobustOptions): Box => (o.seams ? cutSeams(work, box) : box);

/** The regions both sides compute, by name: inside borders, inside a phone's bars, a small rotation undone. */
export const STORED_REGIONS = ['trim', 'screen', 'deskew'] as const;

/** The regions both sides compute: inside borders, inside a phone's bars, a small rotation undone. */
function sharedRegions(work: Rgba, o: RobustOptions): { variant: (typeof STORED_REGIONS)[number]; img: Rgba; box?: Box }[] {
  const out: { variant: (typeof STORED_REGIONS)[number]; img: Rgba; box?: Box }[] = [];
  const bars = trimPhoneBars(work, o.screenshot);
  // Inside a phone's bars, the post is cut of its solid margins left and right only (a narrow post):
  // looser trims at a phone's scale also ate into the picture.
  let post: Box | null = null;
  if (bars) {
    const inner = trimBorders(cropBox(work, bars), { ...o.trim, lineTolerance: o.trim.sameTolerance });
    post = inner ? { ...bars, left: bars.left + inner.left, width: inner.width } : bars;
    out.push({ variant: 'screen', img: cropBox(work, seamless(work, post, o)) });
  }
  // `trim`: the picture inside its bands. In a screenshot, inside the post's (a white sky the screen's
  // white ground took in part, fog, a letterbox), as the share cut them from the picture itself; the
  // screenshot's own edges (status and navigation bars) hold none. Else inside the image's.
  const box = (post && bandsInside(work, post, o)) ?? trimBorders(work, o.trim);
  if (box) {
    const cut = seamless(work, box, o);
    out.push({ variant: 'trim', img: cropBox(work, cut), box: cut });
  }
  const skew = findSkew(work, o.deskew);
  if (skew) {
    const back = deskew(work, skew.degrees, o.deskew, skew);
    if (back) out.push({ variant: 'deskew', img: back });
  }
  return out;
}

/**
 * The box cut of the bands inside it (trimBorders within the box), or null when it has none. When
 * the test from the box's edges finds none, it is tried again `insideInset` lines in from each side
 * where the box was cut out of the image: JPEG and resizing blend what was outside into those lines
 * (a grey line between a black bar and a white sky, a sky tinted by a green border, a post's last
 * line mixed with the screen's white), and a band test starting at such a line finds nothing.
 */
function bandsInside(work: Rgba, box: Box, o: RobustOptions): Box | null {
  const at = (inner: Box) => {
    const found = inner.width >= 16 && inner.height >= 16 ? trimBorders(cropBox(work, inner), o.trim) : null;
    if (!found) return null;
    // A side where no band was found stays where the box was.
    const left = found.left > 0 ? inner.left + found.left : box.left;
    const top = found.top > 0 ? inner.top + found.top : box.top;
    const right = found.left + found.width < inner.width ? inner.left + found.left + found.width : box.left + box.width;
    const bottom = found.top + found.height < inner.height ? inner.top + found.top + found.height : box.top + box.height;
    return { left, top, width: right - left, height: bottom - top };
  };
  const k = o.insideInset;
  const l = box.left > 0 ? k : 0;
  const t = box.top > 0 ? k : 0;
  const r = box.left + box.width < work.width ? k : 0;
  const b = box.top + box.height < work.height ? k : 0;
  return at(box) ?? (k > 0 ? at({ left: box.left + l, top: box.top + t, width: box.width - l - r, height: box.height - t - b }) : null);
}

/** The hashes a query adds to the whole image's: its regions inside borders and bars, or rotated back (read, or a few turns tried), and its centre. */
export function queryVariants(rgba: Uint8Array, width: number, height: number, kernels: HashKernels, o: RobustOptions = ROBUST_DEFAULTS): RobustHash[] {
  const work = downscaleBox({ rgba, width, height }, o.workingSide);
  const shared = sharedRegions(work, o);
  // `retrim`: the trim trimmed again. A shared picture with bands of its own (a white sky, a dark
  // foreground, a flat ground) is stored trimmed of them; a copy with a band added (a border, bars)
  // is trimmed of the added band, which stops where the colour changes: the shared picture whole,
  // its own bands and all. Cut again inside, it meets the stored trim, like with like.
  const trimmed = o.retrim ? shared.find((r) => r.variant === 'trim')?.box : undefined;
  const inner = trimmed && bandsInside(work, trimmed, o);
  const again = inner ? [{ variant: 'retrim', img: cropBox(work, seamless(work, inner, o)) }] : [];
  const regions = [...shared, ...again].flatMap((r) => hashRegion(r.img, kernels, r.variant, false, o.pdqGrid));
  const box = boxHasher(work, kernels, o);
  const cut = (c: Cut) => cutBox(work.width, work.height, c);
  const centre = o.queryCentre ? [box(cut(o.queryCentre), 'centre')] : [];
  // The whole image as the regions and crops are hashed (resampled by area): the stored crops are
  // met by it, like with like; the query's own PDQ (full-size, point-sampled) met them 4 points less often.
  const scaled = o.pdqGrid > 0 ? [box({ left: 0, top: 0, width: work.width, height: work.height }, 'scaled')] : [];
  const search = o.search.map((c) => box(cut(c.cut), c.name));
  const flat = scaled.length > 0 && scaled[0].quality < o.tiltMinQuality;
  return [...regions, ...(flat ? [] : tilted(work, shared, kernels, o)), ...centre, ...scaled, ...search];
}

/**
 * The query turned back by each of `o.tilts`, PDQ alone, when its corners share one fill colour and
 * deskew found no turn (a turn it read is undone already; corners of several colours are no fill).
 */
function tilted(work: Rgba, shared: { variant: string }[], kernels: HashKernels, o: RobustOptions): RobustHash[] {
  // Under 32 pixels a side deskew reads no turn either (findSkew): too small to say its corners are a fill.
  if (!o.tilts.length || work.width < 32 || work.height < 32) return [];
  if (shared.some((r) => r.variant === 'deskew') || !cornerFill(work, o.deskew.fillTolerance)) return [];
  const small = downscaleBox(work, o.tiltSide);
  return o.tilts.flatMap((degrees) => {
    const back = deskew(small, degrees, o.deskew);
    return back ? hashRegion(back, kernels, tiltVariant(degrees), true, o.pdqGrid) : [];
  });
}

/**
 * Every variant a share of an image stores a hash of (items' links, `POST /v1/hashes` `variant`): the
 * whole image, its regions and the crops. The rule table classes them (rules.ts storedClass); a
 * query's own variants (retrim, centre, scaled, tilts, recrops, rotations) are never stored.
 */
export const STORED_VARIANTS: readonly string[] = [WHOLE, ...STORED_REGIONS, ...ROBUST_DEFAULTS.crops.map((c) => c.name)];

/**
 * The hashes a share stores beside the whole image's: the query's regions, and the crops by PDQ
 * alone (blockhash of a crop met whole images of unrelated flat originals within 12 bits on the
 * evaluation; PDQ's nearest unrelated pair was 62 bits away).
 */
export function enrolmentVariants(rgba: Uint8Array, width: number, height: number, kernels: HashKernels, o: RobustOptions = ROBUST_DEFAULTS): RobustHash[] {
  const work = downscaleBox({ rgba, width, height }, o.workingSide);
  const regions = sharedRegions(work, o).flatMap((r) => hashRegion(r.img, kernels, r.variant, false, o.pdqGrid));
  const box = boxHasher(work, kernels, o);
  const crops = o.crops.map((c) => box(cutBox(work.width, work.height, c.cut), c.name));
  return [...regions, ...crops];
}
