/**
 * Quality gates (issue 14, item 6). PDQ has its own quality (0..100, the reference's gradient sum);
 * blockhash has none, and a flat image (a logo on a plain ground, a text poster, a flag) hashes to
 * bits decided by ties: most blocks equal their band's median, and the hash says more about the
 * tie-breaking than about the image. blockhashQuality is the share (0..100) of blocks that stand
 * clear of their band's median by more than 1 % of the largest block value.
 */
import { blockhashSupports, blockhashValues, type BlockhashKernels } from '../blockhash';
import type { Rgba } from './image';

export function blockhashQualityOf(values: Float64Array): number {
  let max = 0;
  for (const v of values) if (v > max) max = v;
  if (max === 0) return 0;
  const eps = max * 0.01;
  const band = values.length / 4;
  let clear = 0;
  for (let i = 0; i < 4; i++) {
    const sorted = values.slice(i * band, (i + 1) * band).sort();
    const m = (sorted[band / 2 - 1] + sorted[band / 2]) / 2;
    for (let j = i * band; j < (i + 1) * band; j++) if (Math.abs(values[j] - m) > eps) clear++;
  }
  return Math.round((100 * clear) / values.length);
}

/** blockhashQualityOf the image's block values (16 a side, method 2); 0 for an image under 16 px a side. */
export function blockhashQuality(img: Rgba, kernels: BlockhashKernels | null): number {
  if (!blockhashSupports(img.width, img.height, 16)) return 0;
  return blockhashQualityOf(blockhashValues(img.rgba, img.width, img.height, kernels, 2, 16));
}
