/** The part of omggif (a GIF decoder in plain JavaScript, no types of its own) the worker uses. */
declare module 'omggif' {
  export interface GifFrameInfo {
    x: number;
    y: number;
    width: number;
    height: number;
    transparent_index: number | null;
    interlaced: boolean;
  }
  export class GifReader {
    constructor(buf: Uint8Array);
    width: number;
    height: number;
    numFrames(): number;
    frameInfo(i: number): GifFrameInfo;
    decodeAndBlitFrameRGBA(i: number, pixels: Uint8Array): void;
  }
}
