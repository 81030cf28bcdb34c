/** The image room of the Node runtime: sharp as the node's image decoder (sharp.ts). */
export { SharpImageDecoder, type SharpDecoderOptions } from './sharp';
