/**
 * Benchmark of video hashing: the system's ffmpeg decoding (served over loopback HTTP, as the node
 * does) and PDQ on every sampled frame, for an SD and an HD clip of the vPDQ conformance videos,
 * sampled once a second (the node's default) and at every frame (how vPDQ's reference outputs
 * were made). "decode only" iterates the same frames without hashing them, to split the cost.
 *
 *   npm run bench -- --only video
 *   npx tsx src/cli/bench/video.ts [--quick]
 *
 * Needs ffmpeg on PATH and the conformance data in ../shared/conformance (or CONFORMANCE_DIR).
 */
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildHashKernels } from '../../core/kernels';
import { hashVideo, type VideoDecodeOptions } from '../../core/video';
import { FfmpegVideoDecoder } from '../../runtime/node/video';
import { conformanceFile } from './conformance';
import { formatTable, type BenchTable } from './types';

export type { BenchTable };

const CLIPS = [
  { label: 'SD', name: 'chair-orig-22-sd-bar' },
  { label: 'HD', name: 'pattern-hd-no-bar' },
];
const LIMITS: VideoDecodeOptions = { secondsPerFrame: 1, maxFrames: 100_000, maxDurationSeconds: 3600, timeoutMs: 600_000 };

const conformanceVideo = (name: string) => conformanceFile('pdq', 'tmk', 'sample-videos', `${name}.mp4`);

export async function run(opts: { quick?: boolean } = {}): Promise<BenchTable> {
  const runs = opts.quick ? 1 : 3;
  const decoder = new FfmpegVideoDecoder();
  await decoder.available();
  const { pdq } = buildHashKernels();
  const rows: (string | number)[][] = [];
  for (const clip of CLIPS) {
    const bytes = conformanceVideo(clip.name);
    for (const [sampling, secondsPerFrame] of [
      ['1 fps', 1],
      ['every frame', 0],
    ] as const) {
      const limits = { ...LIMITS, secondsPerFrame };
      const first = await hashVideo(decoder, bytes, limits, pdq); // warm-up: JIT, page cache
      const hashed = median(await times(runs, () => hashVideo(decoder, bytes, limits, pdq)));
      const decodeOnly = median(await times(runs, () => decodeAll(decoder, bytes, limits)));
      const n = first.frames.length;
      rows.push([
        `${clip.label} ${clip.name}`,
        `${first.width}x${first.height}`,
        first.durationSeconds.toFixed(1),
        sampling,
        n,
        (hashed / 1000).toFixed(2),
        Math.round(n / (hashed / 1000)),
        (first.durationSeconds / (hashed / 1000)).toFixed(1),
        Math.round(n / (decodeOnly / 1000)),
      ]);
    }
  }
  return {
    title: 'Video hashing (ffmpeg decode + PDQ per sampled frame)',
    columns: ['clip', 'size', 'seconds', 'sampling', 'frames hashed', 'wall s (median)', 'frames hashed / s', 'video s per wall s', 'decode only: frames / s'],
    rows,
    notes: [
      `${runs} timed run(s) per row after one warm-up; whole pipeline per run: loopback server, ffprobe, ffmpeg (its default threads), RGBA over a pipe, PDQ on the main thread.`,
      'At 1 fps ffmpeg still decodes every frame (H.264 needs them) but converts and ships only the sampled ones.',
      `ffmpeg: ${await ffmpegVersion(decoder)}; ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}.`,
    ],
  };
}

async function decodeAll(decoder: FfmpegVideoDecoder, bytes: Uint8Array, limits: VideoDecodeOptions): Promise<number> {
  const video = await decoder.open(bytes, limits);
  let n = 0;
  for await (const _ of video.frames()) n++;
  return n;
}

async function times(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

async function ffmpegVersion(decoder: FfmpegVideoDecoder): Promise<string> {
  return (await decoder.versionLine()).replace(/\s+Copyright.*$/, '');
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  run({ quick: process.argv.includes('--quick') }).then((table) => console.log(formatTable(table)));
}
