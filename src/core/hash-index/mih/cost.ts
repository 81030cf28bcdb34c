/**
 * The cost model: which radius to look each piece up at (a plan) and how many pieces to cut a hash
 * into, chosen by modelled nanoseconds per query. The constants are fitted to src/cli/bench runs on
 * a 2-core VM (Node 20).
 */
import { filterBits, shapeOf, type Shape } from './layout';

export interface Plan {
  radii: Int32Array; // rho_i, -1 = piece not looked up
  bounds: Int32Array; // rho_i + rho_partner + 1: the largest d_i + d_partner an entry may have
  probes: number; // buckets looked up per query
  cost: number; // modelled nanoseconds per query
}

// In rough nanoseconds: a bucket lookup, a posting entry scanned, an entry that passes the filter
// and is checked against the hash array (a random read), a slot of a linear scan.
const COST_PROBE = 60;
const COST_ENTRY = 3;
const COST_VERIFY = 100;
export const COST_SCAN = 13;
const BUDGET_PER_HASH = 64;
const BUDGET_FLOOR = 64 << 20;

/**
 * Plans remembered per shape, filter, radius and size class (a quarter octave of n): the optimum
 * moves little within a class, and solving it costs milliseconds. One per index, kept across its
 * compactions.
 */
export class Planner {
  private readonly memo = new Map<string, Plan>();

  /** `tuneRadius`: the radius the piece count is chosen for. */
  constructor(private readonly tuneRadius: number) {}

  planOf(shape: Shape, n: number, f: number, r: number): Plan {
    const cls = Math.round(4 * Math.log2(Math.max(1, n)));
    const key = `${shape.m}/${shape.widths.join(',')}/${f}/${r}/${cls}`;
    let plan = this.memo.get(key);
    if (!plan) {
      plan = planFor(shape, Math.round(2 ** (cls / 4)), f, r);
      this.memo.set(key, plan);
    }
    return plan;
  }

  /**
   * Among even piece counts with widths 12..24 bits: the fastest that fits the memory budget, else
   * the smallest. A step per candidate (solving a candidate's plan takes milliseconds).
   */
  *chooseShape(bits: number, n: number): Generator<void, Shape> {
    let fastest: [Shape, number] | null = null;
    let smallest: [Shape, number] | null = null;
    const r = Math.min(this.tuneRadius, bits - 1);
    for (let m = 2 * Math.ceil(bits / 48); m <= Math.floor(bits / 12); m += 2) {
      const shape = shapeOf(bits, m);
      let bytes = 4 * (m + 1) * n; // postings and ids
      for (let i = 0; i < m; i++) bytes += 4 * 2 ** shape.widths[i]; // offsets
      const cost = this.planOf(shape, Math.max(1, n), filterBits(shape, n), r).cost;
      if (bytes <= Math.max(BUDGET_PER_HASH * n, BUDGET_FLOOR) && (!fastest || cost < fastest[1])) fastest = [shape, cost];
      if (!smallest || bytes < smallest[1]) smallest = [shape, bytes];
      yield;
    }
    return (fastest ?? smallest ?? [shapeOf(bits, Math.max(1, Math.ceil(bits / 16)))])[0];
  }
}

/**
 * Radii for every piece: the cheapest under the cost model such that sum(rho_i + 1) > r. Units are
 * spent per pair (a pair with radii a, b takes a + b + 2 units and gets the bound a + b + 1), by
 * dynamic programming over pairs, because the filter couples the two radii of a pair.
 */
function planFor(shape: Shape, n: number, f: number, r: number): Plan {
  const need = r + 1;
  const groups: [number, number][] = [];
  for (let i = 0; i < shape.m; i += 2) groups.push([i, shape.partner[i]]);
  let dp = new Float64Array(need + 1).fill(Infinity);
  dp[0] = 0;
  const choices: Int32Array[] = []; // per group, per units reached: (units before, a, b), packed
  const cost = pieceCosts(n, f);
  for (const [a, b] of groups) {
    const wa = shape.widths[a];
    const wb = b >= 0 ? shape.widths[b] : -1;
    const opt = new Float64Array(need + 1).fill(Infinity);
    const optRadii = new Int32Array(need + 1);
    for (let ra = -1; ra <= Math.min(wa, need - 1); ra++) {
      for (let rb = -1; rb <= Math.min(wb, need - 1); rb++) {
        const units = Math.min(need, ra + rb + 2);
        const bound = ra + rb + 1;
        const c = b >= 0 ? cost(wa, ra, bound) + cost(wb, rb, bound) : pieceCostUnfiltered(wa, ra, n);
        if (c < opt[units]) [opt[units], optRadii[units]] = [c, (ra + 1) * 64 + (rb + 1)];
      }
    }
    const next = new Float64Array(need + 1).fill(Infinity);
    const choice = new Int32Array(need + 1);
    for (let u0 = 0; u0 <= need; u0++) {
      if (dp[u0] === Infinity) continue;
      for (let u = 0; u <= need; u++) {
        const nu = Math.min(need, u0 + u);
        if (dp[u0] + opt[u] < next[nu]) [next[nu], choice[nu]] = [dp[u0] + opt[u], u0 * 4096 + optRadii[u]];
      }
    }
    dp = next;
    choices.push(choice);
  }
  const radii = new Int32Array(shape.m).fill(-1);
  const bounds = new Int32Array(shape.m).fill(-1);
  for (let g = groups.length - 1, u = need; g >= 0; g--) {
    const c = choices[g][u];
    const [a, b] = groups[g];
    radii[a] = ((c >>> 6) & 63) - 1;
    if (b >= 0) radii[b] = (c & 63) - 1;
    bounds[a] = radii[a] + (b >= 0 ? radii[b] + 1 : 0);
    if (b >= 0) bounds[b] = bounds[a];
    u = c >>> 12;
  }
  let probes = 0;
  for (let i = 0; i < shape.m; i++) if (radii[i] >= 0) probes += ballSize(shape.widths[i], radii[i]);
  return { radii, bounds, probes, cost: dp[need] };
}

/**
 * Modelled cost of looking up one piece of `width` bits at radius rho, its entries kept while
 * d_piece + d_filter <= bound: sum over k <= rho of C(width, k) probes, each scanning the bucket's
 * entries and verifying those the f-bit filter lets through. The binomials and the filter's CDF
 * are tabulated once per plan (the solver asks for thousands of (width, rho, bound) triples).
 */
function pieceCosts(n: number, f: number): (width: number, rho: number, bound: number) => number {
  const cdf = new Float64Array(f + 1);
  for (let x = 0; x <= f; x++) cdf[x] = binomialCdf(f, x);
  const binoms = new Map<number, Float64Array>();
  const memo = new Map<number, number>();
  return (width, rho, bound) => {
    const key = (width * 128 + rho + 1) * 256 + bound + 128;
    let c = memo.get(key);
    if (c !== undefined) return c;
    let b = binoms.get(width);
    if (!b) binoms.set(width, (b = Float64Array.from({ length: width + 1 }, (_, k) => binomial(width, k))));
    const occupancy = n / 2 ** width;
    c = 0;
    for (let k = 0; k <= rho; k++) {
      const x = bound - k;
      c += b[k] * (COST_PROBE + occupancy * (COST_ENTRY + COST_VERIFY * (x < 0 ? 0 : x >= f ? 1 : cdf[x])));
    }
    memo.set(key, c);
    return c;
  };
}

/** The cost of an unpaired piece: no filter, every entry of a probed bucket verified. */
function pieceCostUnfiltered(width: number, rho: number, n: number): number {
  const occupancy = n / 2 ** width;
  let c = 0;
  for (let k = 0; k <= rho; k++) c += binomial(width, k) * (COST_PROBE + occupancy * (COST_ENTRY + COST_VERIFY));
  return c;
}

/** P(Binomial(f, 1/2) <= x): the share of random entries an f-bit filter lets through. */
function binomialCdf(f: number, x: number): number {
  if (x < 0) return 0;
  if (x >= f) return 1;
  let s = 0;
  for (let i = 0; i <= x; i++) s += binomial(f, i);
  return s / 2 ** f;
}

function binomial(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
  return Math.round(c);
}

/** How many keys lie within `radius` bits of a `width`-bit key: the buckets one piece's lookup probes. */
export function ballSize(width: number, radius: number): number {
  let size = 0;
  for (let k = 0; k <= radius; k++) size += binomial(width, k);
  return size;
}
