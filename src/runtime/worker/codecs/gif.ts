/**
 * GIF, first frame, as libvips (sharp) hands it to the hashers on Node, checked pixel for pixel
 * against sharp by test/runtime/worker-image.test.ts: the frame's palette colours on a canvas the
 * size of the logical screen; outside the frame and at its transparent index the canvas is black,
 * with alpha 0 when some frame of the file has a transparent colour and 255 when none has (libvips
 * then reads the GIF as RGB). Palette lookups are exact, so any correct decoder agrees; omggif is
 * plain JavaScript (no WebAssembly to bundle) and decodes the first frame without the others.
 */
import { GifReader } from 'omggif';
import { CodecError } from './emscripten';
import type { Pixels } from './pixels';

export function decodeGif(bytes: Uint8Array): Pixels {
  let r: GifReader;
  try {
    r = new GifReader(bytes);
  } catch (e) {
    throw new CodecError((e as Error).message, { cause: e });
  }
  const { width, height } = r;
  if (r.numFrames() === 0) throw new CodecError('no frame');
  const first = r.frameInfo(0);
  // libvips grows the canvas around a first frame that overflows the screen, with an offset this
  // decoder does not reproduce; such files are refused rather than hashed differently.
  if (first.x + first.width > width || first.y + first.height > height) throw new CodecError('the first frame lies outside the logical screen');
  const rgba = new Uint8Array(width * height * 4);
  try {
    r.decodeAndBlitFrameRGBA(0, rgba);
  } catch (e) {
    throw new CodecError((e as Error).message, { cause: e });
  }
  let transparent = false;
  for (let i = 0; i < r.numFrames() && !transparent; i++) transparent = r.frameInfo(i).transparent_index !== null;
  if (!transparent) for (let i = 3; i < rgba.length; i += 4) rgba[i] = 255;
  return { width, height, rgba };
}
