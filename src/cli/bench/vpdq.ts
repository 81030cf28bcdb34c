/**
 * vPDQ conformance report: our frame hashes (the system's ffmpeg, as the node decodes) against
 * vPDQ's reference outputs (../shared/conformance/pdq/vpdq/sample-hashes/*.txt) at the same frame
 * numbers, and the vPDQ verdict of each video against chair-orig-22-sd-bar. Decoders differ in
 * their YUV -> RGB rounding, so this is reported (README), not asserted bit-exact; the tests hold
 * the loose bounds (test/runtime/video.test.ts).
 *
 *   npm run bench -- --only vpdq
 *   npx tsx src/cli/bench/vpdq.ts [--quick]
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildHashKernels } from '../../core/kernels';
import { hammingHex, THRESHOLDS } from '../../core/hashes';
import { hashVideo, parseVpdqText, vpdqMatch, type VideoDecodeOptions, type VideoFrameHash } from '../../core/video';
import { FfmpegVideoDecoder } from '../../runtime/node/video';
import { conformanceFile } from './conformance';
import { formatTable, type BenchTable } from './types';
import { must } from '../args';

const VIDEOS = [
  'chair-orig-22-sd-bar',
  'chair-22-sd-grey-bar',
  'chair-22-with-small-logo-bar',
  'doorknob-hd-no-bar',
  'pattern-hd-no-bar',
  'pattern-sd-grey-bar',
];
const ORIGINAL = 'chair-orig-22-sd-bar';
const MIN_QUALITY = THRESHOLDS.vpdq.frameMinQuality;
const LIMITS: VideoDecodeOptions = { secondsPerFrame: 1, maxFrames: 100_000, maxDurationSeconds: 3600, timeoutMs: 600_000 };

const video = (name: string) => conformanceFile('pdq', 'tmk', 'sample-videos', `${name}.mp4`);
/** vPDQ's reference output (every frame). */
const reference = (name: string) => parseVpdqText(conformanceFile('pdq', 'vpdq', 'sample-hashes', `${name}.txt`).toString('utf8'));

interface Distances {
  frames: number;
  median: number;
  worst: number;
  worstUsable: number;
  identical: number;
}

function distances(ours: VideoFrameHash[], ref: VideoFrameHash[]): Distances {
  const byIndex = new Map(ref.map((f) => [f.index, f]));
  const pairs = ours.flatMap((f) => {
    const r = byIndex.get(f.index);
    return r ? [[f, r] as const] : [];
  });
  const d = pairs.map(([a, b]) => hammingHex(a.hash, b.hash)).sort((x, y) => x - y);
  const usable = pairs.filter(([, b]) => b.quality >= MIN_QUALITY).map(([a, b]) => hammingHex(a.hash, b.hash));
  return {
    frames: d.length,
    median: d[d.length >> 1],
    worst: d[d.length - 1],
    worstUsable: Math.max(0, ...usable),
    identical: d.filter((x) => x === 0).length,
  };
}

export async function run(opts: { quick?: boolean } = {}): Promise<BenchTable> {
  const decoder = new FfmpegVideoDecoder();
  await decoder.available();
  const { pdq } = buildHashKernels();
  const oneFps = new Map<string, VideoFrameHash[]>();
  const rows: (string | number)[][] = [];
  for (const name of VIDEOS) oneFps.set(name, (await hashVideo(decoder, video(name), LIMITS, pdq)).frames);
  for (const name of VIDEOS) {
    const ref = reference(name);
    const a = distances(must(oneFps.get(name), name), ref);
    const every = opts.quick ? null : distances((await hashVideo(decoder, video(name), { ...LIMITS, secondsPerFrame: 0 }, pdq)).frames, ref);
    const m = vpdqMatch(must(oneFps.get(name), name), must(oneFps.get(ORIGINAL), ORIGINAL));
    rows.push([
      name,
      a.frames,
      a.median,
      a.worst,
      a.worstUsable,
      `${a.identical}/${a.frames}`,
      every ? `${every.frames}` : '-',
      every ? every.median : '-',
      every ? every.worst : '-',
      every ? `${every.identical}/${every.frames}` : '-',
      m.queryMatchPercent.toFixed(1),
      m.matched ? 'yes' : 'no',
    ]);
  }
  return {
    title: 'vPDQ: our frame hashes against the reference outputs, and matches with chair-orig-22-sd-bar',
    columns: [
      'video',
      '1 fps: frames',
      'median bits',
      'worst',
      `worst, quality >= ${MIN_QUALITY}`,
      'identical',
      'every frame: frames',
      'median',
      'worst',
      'identical',
      `query frames within ${THRESHOLDS.vpdq.frameMaxDistance} of ${ORIGINAL} (%)`,
      `matches (>= ${THRESHOLDS.vpdq.queryMatchPercent} %)`,
    ],
    rows,
    notes: [
      "Distances: Hamming bits between our PDQ of a frame and the reference file's at the same frame number (the reference hashes every frame; we sample frames 0, 30, 60, ... at 1 fps).",
      `Match: the vPDQ rule on our 1 fps hashes (quality >= ${MIN_QUALITY}, distinct hashes, query share >= ${THRESHOLDS.vpdq.queryMatchPercent} %, candidate share >= ${THRESHOLDS.vpdq.candidateMatchPercent}), as the node applies it.`,
      `ffmpeg: ${(await decoder.versionLine()).replace(/\s+Copyright.*$/, '')}; Node ${process.version}; ${new Date().toISOString().slice(0, 10)}.`,
    ],
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  run({ quick: process.argv.includes('--quick') }).then((table) => console.log(formatTable(table)));
}
