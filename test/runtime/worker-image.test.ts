/**
 * The Workers image decoder (src/runtime/worker/image.ts), run in Node on the same .wasm files, held
 * pixel for pixel to sharp (the Node decoder) on every conformance JPEG and PNG and on WebP, GIF,
 * AVIF and TIFF made from them; and its refusals: what the edge does not take (415, naming what it
 * takes), what does not decode (422), what does not fit a Worker's memory (422 naming the limit).
 */
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { readImageHeader, type ImageHeader } from '../../src/core/media';
import { DomainError } from '../../src/core/errors';
import { SharpImageDecoder } from '../../src/runtime/node/image';
import { decodeBytes } from '../../src/runtime/worker/edge-memory';
import { WasmImageDecoder } from '../../src/runtime/worker/image';
import { edgeCodecModules } from '../support/edge-codecs';
import { conformanceImages, convertedImages, type EdgeImage } from '../support/edge-images';
import { conformancePath } from '../support/conformance';
import { readFileSync } from 'node:fs';

const unlimited = () => new WasmImageDecoder({ maxPixels: 1e9, memoryBytes: 2 ** 40, modules: edgeCodecModules() });
const node = new SharpImageDecoder({ maxPixels: 1e9 });
let converted: EdgeImage[];

async function refusal(d: WasmImageDecoder, bytes: Uint8Array): Promise<DomainError> {
  try {
    await d.decode(bytes);
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error('decoded');
}

beforeAll(async () => {
  converted = await convertedImages();
}, 120_000);

describe("the edge decoder gives sharp's pixels", () => {
  it('on every JPEG and PNG of the conformance folders but the CMYK JPEG', async () => {
    const edge = unlimited();
    const differ: string[] = [];
    const images = conformanceImages();
    expect(images.length).toBeGreaterThanOrEqual(60);
    for (const img of images) {
      if (img.name.endsWith('CMYK.jpg')) continue;
      const [a, b] = [await node.decode(img.bytes), await edge.decode(img.bytes)];
      if (a.width !== b.width || a.height !== b.height || a.format !== b.format || Buffer.compare(a.rgba, b.rgba) !== 0) differ.push(img.name);
    }
    expect(differ).toEqual([]);
  }, 120_000);

  it('on WebP (lossy, lossless), GIF, and baseline TIFF; AVIF within a few levels on a few pixels', async () => {
    const edge = unlimited();
    for (const img of converted) {
      const [a, b] = [await node.decode(img.bytes), await edge.decode(img.bytes)];
      expect([b.width, b.height, b.format], img.name).toEqual([a.width, a.height, a.format]);
      if (img.name.endsWith('.avif')) {
        let n = 0;
        for (let i = 0; i < a.rgba.length; i++) if (a.rgba[i] !== b.rgba[i]) n++;
        // A few samples of the alpha edge differ (libavif versions); the hashes do not (conformance.test.ts).
        expect(n, img.name).toBeLessThan(a.rgba.length / 10_000);
      } else expect(Buffer.compare(a.rgba, b.rgba), img.name).toBe(0);
    }
  }, 120_000);

  it('reads the size sharp reads from every header', async () => {
    for (const img of [...conformanceImages(), ...converted]) {
      const h = readImageHeader(img.bytes) as ImageHeader;
      const m = await sharp(img.bytes).metadata();
      expect([h.width, h.height], img.name).toEqual([m.width, m.height]);
    }
  }, 60_000);
});

describe('what the edge refuses, in its own words', () => {
  it('415 for a CMYK JPEG, a JPEG-in-TIFF, an animated WebP, a HEIC, and bytes that are no image', async () => {
    const edge = unlimited();
    const cmyk = new Uint8Array(readFileSync(conformancePath('pdq/pdq/data/misc-images/modes/CMYK.jpg')));
    const src = sharp(conformancePath('pdq/pdq/data/bridge-mods/square-256x256.jpg'));
    const jpegTiff = new Uint8Array(await src.clone().tiff({ compression: 'jpeg' }).toBuffer());
    const [f1, f2] = [await src.clone().png().toBuffer(), await src.clone().negate().png().toBuffer()];
    const animated = new Uint8Array(
      await sharp([f1, f2], { join: { animated: true } } as never)
        .webp({ loop: 0 })
        .toBuffer(),
    );
    const heic = new Uint8Array([0, 0, 0, 24, ...new TextEncoder().encode('ftypheic'), 0, 0, 0, 0, ...new TextEncoder().encode('mif1heic')]);
    for (const [bytes, words] of [
      [cmyk, 'a CMYK JPEG'],
      [jpegTiff, 'a TIFF with photometric interpretation 6'],
      [animated, 'an animated WebP'],
      [heic, 'a HEIC (HEVC) image'],
      [new TextEncoder().encode('hello, not an image'), 'not an image'],
    ] as const) {
      const e = await refusal(edge, bytes).catch((x) => new DomainError('internal', `${words}: ${x.message}`));
      expect(e.message).toContain(words);
      expect(e.code, e.message).toBe('unsupported_media_type');
      expect(e.message).toContain('JPEG (8-bit, greyscale or colour), PNG, WebP (still), GIF (first frame), AVIF and baseline TIFF');
    }
  });

  it("422 for an image cut short or garbage after its header, with the decoder's words kept out of the detail", async () => {
    const edge = unlimited();
    const jpeg = new Uint8Array(readFileSync(conformancePath('pdq/pdq/data/bridge-mods/square-256x256.jpg')));
    const png = new Uint8Array(readFileSync(conformancePath('blockhash/emptyBasket.png')));
    for (const bytes of [jpeg.subarray(0, 400), png.subarray(0, png.length >> 1), Uint8Array.from([...png.subarray(0, 60), ...new Uint8Array(500).fill(7)])]) {
      const e = await refusal(edge, bytes);
      expect(e.code).toBe('corrupt_media');
      expect(e.message).toMatch(/^the (JPEG|PNG) image does not decode: it is corrupt or truncated$/);
    }
  });

  it('422 image_too_large from the header alone when the decode would not fit IMAGE_MEMORY_MB, naming the limit', async () => {
    const big = new Uint8Array(
      await sharp({ create: { width: 4000, height: 3000, channels: 3, background: '#808080' } })
        .jpeg({ progressive: true })
        .toBuffer(),
    );
    const h = readImageHeader(big) as ImageHeader;
    const mb = Math.floor(decodeBytes(h, big.byteLength) / 2 ** 20); // just under what it needs
    const e = await refusal(new WasmImageDecoder({ maxPixels: 1e9, memoryBytes: mb * 2 ** 20, modules: edgeCodecModules() }), big);
    expect(e.code).toBe('image_too_large');
    expect(e.message).toContain(`IMAGE_MEMORY_MB=${mb}`);
    expect(e.extra?.maxPixels).toBeLessThan(4000 * 3000);
    // With the memory it needs, it decodes.
    const ok = await new WasmImageDecoder({ maxPixels: 1e9, memoryBytes: (mb + 2) * 2 ** 20 + big.byteLength, modules: edgeCodecModules() }).decode(big);
    expect([ok.width, ok.height]).toEqual([4000, 3000]);
  });

  it("422 image_too_small and MAX_IMAGE_PIXELS in the Node node's words", async () => {
    const tiny = new Uint8Array(
      await sharp({ create: { width: 15, height: 40, channels: 3, background: '#123456' } })
        .png()
        .toBuffer(),
    );
    expect((await refusal(unlimited(), tiny)).message).toBe((await refusal(node as never, tiny)).message);
    const wide = new Uint8Array(
      await sharp({ create: { width: 300, height: 200, channels: 3, background: '#123456' } })
        .png()
        .toBuffer(),
    );
    const capped = new WasmImageDecoder({ maxPixels: 50_000, memoryBytes: 2 ** 30, modules: edgeCodecModules() });
    const e = await refusal(capped, wide);
    expect(e.code).toBe('image_too_large');
    expect(e.message).toBe((await refusal(new SharpImageDecoder({ maxPixels: 50_000 }) as never, wide)).message);
  });
});
