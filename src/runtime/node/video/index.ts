/**
 * The video room of the Node runtime: the ffmpeg decoder (ffmpeg.ts), the child processes it runs
 * (processes.ts) and the loopback server that hands them the video from memory (loopback.ts).
 */
export { FfmpegVideoDecoder, type FfmpegDecoderOptions } from './ffmpeg';
