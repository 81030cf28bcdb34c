/** The benches' test image, made here rather than read from disk. */
import sharp from 'sharp';
import { uniform } from '../../core/prng';

/** A deterministic photograph-like JPEG (quality 85, 4:2:0): colour gradients, discs with hard edges, texture. */
export async function syntheticJpeg(width: number, height: number): Promise<Buffer> {
  const rgb = new Uint8Array(width * height * 3);
  const rand = uniform(0x2545f491);
  const discs = Array.from({ length: 24 }, () => ({
    x: rand() * width,
    y: rand() * height,
    r: 40 + rand() * 200,
    c: [rand() * 255, rand() * 255, rand() * 255],
  }));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let c = [128 + 100 * Math.sin(x / 173 + y / 311), 128 + 90 * Math.sin(x / 97 - y / 229 + 1), 128 + 80 * Math.cos((x + y) / 401)];
      for (const d of discs) if ((x - d.x) ** 2 + (y - d.y) ** 2 < d.r * d.r) c = d.c;
      const t = 12 * (rand() - 0.5) + 6 * Math.sin(x * 0.9) * Math.sin(y * 1.3);
      for (let k = 0; k < 3; k++) rgb[(y * width + x) * 3 + k] = Math.max(0, Math.min(255, Math.round(c[k] + t)));
    }
  }
  return sharp(rgb, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 85, chromaSubsampling: '4:2:0' })
    .toBuffer();
}
