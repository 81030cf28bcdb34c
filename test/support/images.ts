/** Test images made in memory with sharp. */
import sharp from 'sharp';

/** Deterministic noise, so every 32-byte run of the encoded file is distinctive. */
export function noisePixels(width: number, height: number, seed = 1, channels = 3): Buffer {
  const buf = Buffer.alloc(width * height * channels);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < buf.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    buf[i] = s & 0xff;
  }
  return buf;
}

export async function noiseImage(format: 'png' | 'jpeg' | 'webp' | 'gif' | 'avif' | 'tiff', width = 64, height = 48, seed = 1): Promise<Buffer> {
  return sharp(noisePixels(width, height, seed), { raw: { width, height, channels: 3 } })
    .toFormat(format)
    .toBuffer();
}

/** A smooth gradient with a block pattern: a "natural-ish" image whose perceptual hashes are stable under re-encoding. */
export async function patternImage(format: 'png' | 'jpeg', width = 320, height = 240, variant = 0): Promise<Buffer> {
  const px = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const block = ((Math.floor(x / 40) + Math.floor(y / 40) + variant) % 3) * 80;
      px[i] = (x * 255) / width;
      px[i + 1] = block;
      px[i + 2] = (y * 255) / height;
    }
  return sharp(px, { raw: { width, height, channels: 3 } })
    .toFormat(format)
    .toBuffer();
}
