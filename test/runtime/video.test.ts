/**
 * Video hashing through the system's ffmpeg, against vPDQ's reference outputs
 * (../shared/conformance/pdq: tmk/sample-videos/*.mp4 and vpdq/sample-hashes/*.txt, every frame
 * hashed). Needs ffmpeg and ffprobe on PATH (Debian: apt-get install ffmpeg).
 *
 * Every variant of a video below is made in memory through ffmpeg's pipes; the decoder serves the
 * bytes over loopback HTTP. The last tests check that no byte of any of them reached a file.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/core/errors';
import { hammingHex } from '../../src/core/hashes';
import { buildHashKernels } from '../../src/core/kernels';
import {
  hashVideo,
  isVideo,
  parseVpdqText,
  sniffVideoContainer,
  usableFrames,
  vpdqMatch,
  type VideoDecodeOptions,
  type VideoFrameHash,
  type VideoHashes,
} from '../../src/core/video';
import { FfmpegVideoDecoder } from '../../src/runtime/node/video';
import { conformancePath } from '../support/conformance';
import { conformanceVideo, ffmpegPipe, requireFfmpeg } from '../support/ffmpeg';

const VIDEOS = [
  'chair-orig-22-sd-bar',
  'chair-22-sd-grey-bar',
  'chair-22-with-small-logo-bar',
  'doorknob-hd-no-bar',
  'pattern-hd-no-bar',
  'pattern-sd-grey-bar',
];
const CHAIR_EDITS = ['chair-22-sd-grey-bar', 'chair-22-with-small-logo-bar'];
const OTHERS = ['doorknob-hd-no-bar', 'pattern-hd-no-bar', 'pattern-sd-grey-bar'];
const EVERY_FRAME: VideoDecodeOptions = { secondsPerFrame: 0, maxFrames: 10_000, maxDurationSeconds: 600, timeoutMs: 50_000 };
const ONE_FPS: VideoDecodeOptions = { ...EVERY_FRAME, secondsPerFrame: 1 };
// Hashing every frame of all six takes about 20 s on two cores; by default the three short ones.
const EVERY_FRAME_VIDEOS = process.env.VPDQ_EVERY_FRAME === 'all' ? VIDEOS : ['doorknob-hd-no-bar', 'pattern-hd-no-bar', 'pattern-sd-grey-bar'];

const decoder = new FfmpegVideoDecoder();
const video = conformanceVideo;
const fed: Buffer[] = []; // every byte string given to the decoder, for the no-disk check
const { pdq: kernels } = buildHashKernels();
const hash = (bytes: Buffer, opts: VideoDecodeOptions, d = decoder) => (fed.push(bytes), hashVideo(d, bytes, opts, kernels));

function reference(name: string): VideoFrameHash[] {
  return parseVpdqText(readFileSync(conformancePath('pdq', 'vpdq', 'sample-hashes', `${name}.txt`), 'utf8'));
}

/** ffmpeg and ffprobe processes that are children of this one (zombies included). */
function childDecoders(): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue;
    }
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === process.pid && /^ff(mpeg|probe)$/.test(comm)) out.push(`${pid} ${comm}`);
  }
  return out;
}

async function domainError(p: Promise<unknown>): Promise<DomainError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  if (!(e instanceof DomainError)) throw new Error(`expected a DomainError, got ${e instanceof Error ? e.stack : String(e)}`);
  return e;
}

// The private temp folder: ffmpeg inherits it, so anything it wrote would land here.
const realTmp = tmpdir();
let privateTmp = '';
const started = Date.now();
beforeAll(() => {
  requireFfmpeg();
  privateTmp = mkdtempSync(join(realTmp, 'mhn-video-test-'));
  process.env.TMPDIR = privateTmp;
});
afterAll(() => {
  process.env.TMPDIR = realTmp;
  rmSync(privateTmp, { recursive: true, force: true });
});

const oneFps = new Map<string, VideoHashes>();

describe('frame hashes against vPDQ reference outputs', () => {
  function compare(name: string, sampling: string, ours: VideoHashes, ref: VideoFrameHash[]): void {
    expect(ours.format).toBe('mp4');
    expect(ours.frames.map((f) => f.index)).toEqual(ref.map((f) => f.index));
    ours.frames.forEach((f, i) => expect(Math.abs(f.timestamp - ref[i].timestamp)).toBeLessThanOrEqual(0.001));
    const d = ours.frames.map((f, i) => hammingHex(f.hash, ref[i].hash));
    const sorted = [...d].sort((a, b) => a - b);
    const median = sorted[sorted.length >> 1];
    const usable = d.filter((_, i) => ref[i].quality >= 50);
    const qualityGap = Math.max(...ours.frames.map((f, i) => Math.abs(f.quality - ref[i].quality)));
    console.log(
      `vpdq ${name} ${ours.width}x${ours.height} ${sampling}: ${d.length} frames, median ${median}, worst ${sorted[sorted.length - 1]}, ` +
        `worst at quality >= 50 ${Math.max(...usable)}, identical ${d.filter((x) => x === 0).length}, max quality gap ${qualityGap}`,
    );
    // Loose on purpose (ffmpeg builds differ); a broken pipeline lands near 128.
    expect(median).toBeLessThanOrEqual(8);
    // Each usable frame still matches its reference frame under the vPDQ rule.
    expect(Math.max(...usable)).toBeLessThanOrEqual(31);
  }

  // The node's sampling: vPDQ's frames 0, 30, 60, ... of these 30 fps videos.
  it.each(VIDEOS)('%s at 1 fps: vPDQ frame numbers and timestamps, hashes within a few bits', async (name) => {
    const ours = await hash(video(name), ONE_FPS);
    oneFps.set(name, ours);
    compare(
      name,
      '1 fps',
      ours,
      reference(name).filter((f) => f.index % 30 === 0),
    );
  });

  // Every frame, as the reference files were made (VPDQ_EVERY_FRAME=all for the three long chair videos too).
  it.each(EVERY_FRAME_VIDEOS)('%s, every frame: the same, and the 1 fps frames are among them', async (name) => {
    const ours = await hash(video(name), EVERY_FRAME);
    compare(name, 'every frame', ours, reference(name));
    for (const f of oneFps.get(name)?.frames ?? []) expect(f).toEqual(ours.frames[f.index]);
  });
});

describe('vPDQ match rule', () => {
  const ours = (name: string) => {
    const h = oneFps.get(name);
    if (!h) throw new Error(`${name} was not hashed by the conformance tests above`);
    return h.frames;
  };

  it('our 1 fps hashes: the chair edits match the original, the other videos match none of them', () => {
    for (const edit of CHAIR_EDITS) {
      const r = vpdqMatch(ours('chair-orig-22-sd-bar'), ours(edit));
      console.log(
        `vpdq match (ours, 1 fps) chair-orig-22-sd-bar vs ${edit}: query ${r.queryMatchPercent.toFixed(1)} %, candidate ${r.candidateMatchPercent.toFixed(1)} %`,
      );
      expect(r.matched).toBe(true);
      expect(vpdqMatch(ours(edit), ours('chair-orig-22-sd-bar')).matched).toBe(true);
    }
    for (const chair of ['chair-orig-22-sd-bar', ...CHAIR_EDITS])
      for (const other of OTHERS) {
        const r = vpdqMatch(ours(chair), ours(other));
        expect(r.matched, `${chair} vs ${other}`).toBe(false);
        expect(vpdqMatch(ours(other), ours(chair)).matched, `${other} vs ${chair}`).toBe(false);
        expect(r.queryMatchPercent).toBeLessThan(20);
      }
  });

  it('the reference hashes alone (every frame, and 1 fps subsets): the verdicts vPDQ gives', () => {
    // PDQ is not robust to added or removed letterbox bars, nor to a logo covering much of the
    // frame: the HD/FHD "no-bar" versions and the large-logo edit do not match the SD original.
    // chair-19 is the original from frame 111 on: it matches on every frame but not at 1 fps, where
    // its sampled frames fall 21 frames (0.7 s) off the original's, and the scene moves more than
    // 31 bits in that time. Sampling once a second makes clip matching depend on the cut's phase.
    // [video, verdict on every frame (both ways), verdict at 1 fps (both ways)]
    const verdicts: [string, boolean, boolean][] = [
      ['chair-22-sd-grey-bar', true, true],
      ['chair-22-sd-sepia-bar', true, true],
      ['chair-22-with-small-logo-bar', true, true],
      ['chair-20-sd-bar', true, true],
      ['chair-19-sd-bar', true, false],
      ['chair-22-with-large-logo-bar', false, false],
      ['chair-orig-22-hd-no-bar', false, false],
      ['chair-orig-22-fhd-no-bar', false, false],
      ['doorknob-hd-no-bar', false, false],
      ['pattern-hd-no-bar', false, false],
      ['pattern-sd-grey-bar', false, false],
      ['pattern-longer-no-bar', false, false],
    ];
    const orig = reference('chair-orig-22-sd-bar');
    const perSecond = (fs: VideoFrameHash[]) => fs.filter((f) => f.index % 30 === 0);
    for (const [other, everyFrame, oneFps] of verdicts) {
      const r = vpdqMatch(orig, reference(other));
      const r1 = vpdqMatch(perSecond(orig), perSecond(reference(other)));
      console.log(
        `vpdq match (reference) chair-orig-22-sd-bar vs ${other}: every frame query ${r.queryMatchPercent.toFixed(1)} % / candidate ${r.candidateMatchPercent.toFixed(1)} %; ` +
          `1 fps ${r1.queryMatchPercent.toFixed(1)} % / ${r1.candidateMatchPercent.toFixed(1)} %`,
      );
      expect(r.matched, other).toBe(everyFrame);
      expect(vpdqMatch(reference(other), orig).matched, `${other} as query`).toBe(everyFrame);
      expect(r1.matched, `${other} at 1 fps`).toBe(oneFps);
      expect(vpdqMatch(perSecond(reference(other)), perSecond(orig)).matched, `${other} as query at 1 fps`).toBe(oneFps);
    }
    expect(vpdqMatch(reference('pattern-sd-grey-bar'), reference('pattern-sd-with-small-logo-bar')).matched).toBe(true);
  });

  it('ignores low-quality frames, counts each distinct hash once, uses <= distance, honours both thresholds', () => {
    const h = (hex: string, quality = 100, index = 0): VideoFrameHash => ({ index, timestamp: index, hash: hex.repeat(64 / hex.length), quality });
    const a = h('0');
    const a31 = { ...a, hash: 'f'.repeat(7) + '8' + '0'.repeat(56) }; // 31 bits from a
    const a32 = { ...a, hash: 'f'.repeat(8) + '0'.repeat(56) };
    expect(vpdqMatch([a], [a31])).toEqual({ queryMatchPercent: 100, candidateMatchPercent: 100, matched: true });
    expect(vpdqMatch([a], [a32]).matched).toBe(false);
    // Four copies of a (deduped to one) and one other frame: 50 %, not 80 %.
    const b = h('f');
    expect(vpdqMatch([a, a, a, a, b], [a]).queryMatchPercent).toBe(50);
    // Low-quality frames do not count on either side; nothing usable means no match.
    expect(vpdqMatch([a, { ...b, quality: 49 }], [a]).queryMatchPercent).toBe(100);
    expect(vpdqMatch([{ ...a, quality: 10 }], [a])).toEqual({ queryMatchPercent: 0, candidateMatchPercent: 0, matched: false });
    // The candidate-side threshold.
    expect(vpdqMatch([a], [a, b]).matched).toBe(true);
    expect(vpdqMatch([a], [a, b], { candidateMatchPercent: 80 }).matched).toBe(false);
    expect(usableFrames([a, b, { ...a, index: 9 }]).map((f) => f.hash)).toEqual([a.hash, b.hash]);
  });
});

describe('containers', () => {
  const clip = () => video('chair-orig-22-sd-bar');

  it('sniffs containers from magic bytes, and leaves HEIF/AVIF and WebP to the image decoder', () => {
    const box = (brand: string) => Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from(`ftyp${brand}`), Buffer.alloc(12)]);
    expect(sniffVideoContainer(box('isom'))).toBe('mp4');
    expect(sniffVideoContainer(box('qt  '))).toBe('mov');
    expect(sniffVideoContainer(box('3gp5'))).toBe('3gp');
    expect(sniffVideoContainer(box('heic'))).toBeNull();
    expect(sniffVideoContainer(box('avif'))).toBeNull();
    expect(sniffVideoContainer(Buffer.from('RIFF\0\0\0\0AVI LIST'))).toBe('avi');
    expect(sniffVideoContainer(Buffer.from('RIFF\0\0\0\0WEBPVP8 '))).toBeNull();
    expect(isVideo(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1]))).toBe(false);
    expect(isVideo(clip())).toBe(true);
  });

  it('an MP4 with its index at the end (which stdin cannot read) hashes as the original', async () => {
    const tail = moovToEnd(clip());
    expect(spawnSync('ffmpeg', ['-v', 'error', '-i', 'pipe:0', '-f', 'null', '-'], { input: tail }).status).not.toBe(0);
    const a = await hash(tail, ONE_FPS);
    expect(a.frames).toEqual(oneFps.get('chair-orig-22-sd-bar')?.frames);
  });

  it.each([
    ['mkv', ['-c', 'copy', '-f', 'matroska']],
    ['mov', ['-c', 'copy', '-f', 'mov', '-movflags', 'frag_keyframe+empty_moov']],
    ['webm', ['-an', '-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '2M', '-f', 'webm']],
  ])('a 5-second %s made from the MP4 hashes and matches it at 1 fps', async (format, args) => {
    const bytes = ffmpegPipe(['-f', 'mp4', '-i', 'pipe:0', '-t', '5', ...args, 'pipe:1'], clip());
    expect(sniffVideoContainer(bytes)).toBe(format);
    const h = await hash(bytes, ONE_FPS);
    expect(h.format).toBe(format);
    expect([h.width, h.height]).toEqual([480, 720]);
    expect(h.frames.length).toBeGreaterThanOrEqual(5);
    const r = vpdqMatch(h.frames, oneFps.get('chair-orig-22-sd-bar')?.frames ?? []);
    console.log(`vpdq match ${format} 5 s clip vs the MP4: query ${r.queryMatchPercent.toFixed(1)} %`);
    expect(r.matched).toBe(true);
  });
});

describe('bad input and limits', () => {
  afterAll(() => expect(childDecoders()).toEqual([]));

  it.each([
    ['truncated in the middle of the frames', 'corrupt_media', () => clip(0.5)],
    ['truncated in the index', 'corrupt_media', () => clip(0.008)],
    [
      'an MP4 header then random bytes',
      'corrupt_media',
      () => Buffer.concat([video('chair-orig-22-sd-bar').subarray(0, 32), Buffer.from(Array.from({ length: 50_000 }, (_, i) => (i * 2654435761) >>> 24))]),
    ],
    [
      'a Matroska file with only audio',
      'undecodable_media',
      () => ffmpegPipe(['-f', 'lavfi', '-i', 'sine=frequency=440:duration=1', '-c:a', 'flac', '-f', 'matroska', 'pipe:1']),
    ],
    [
      'a WebM file with only audio',
      'undecodable_media',
      () => ffmpegPipe(['-f', 'lavfi', '-i', 'sine=frequency=440:duration=1', '-c:a', 'libopus', '-f', 'webm', 'pipe:1']),
    ],
  ])('%s -> %s', async (_what, code, make) => {
    const bytes = make();
    expect(isVideo(bytes)).toBe(true);
    const e = await domainError(hash(bytes, ONE_FPS));
    expect(e.code).toBe(code);
    // ffmpeg's words are the cause (for the log), never the message (for the client).
    expect(e.message).not.toMatch(/127\.0\.0\.1|Invalid data|ffprobe|ffmpeg|exited with|partial file|moov/i);
    console.log(`${_what}: ${e.message}`);
    expect(childDecoders()).toEqual([]);
  });

  function clip(share: number): Buffer {
    const v = video('chair-orig-22-sd-bar');
    return v.subarray(0, Math.floor(v.length * share));
  }

  it('not a video -> unsupported_media_type', async () => {
    expect((await domainError(hash(Buffer.from('GIF89a......'), ONE_FPS))).code).toBe('unsupported_media_type');
  });

  it('frames over the pixel limit -> undecodable_media, before decoding', async () => {
    const e = await domainError(hash(video('pattern-sd-grey-bar'), ONE_FPS, new FfmpegVideoDecoder({ maxPixels: 100_000 })));
    expect(e.code).toBe('undecodable_media');
    expect(e.message).toMatch(/480x720/);
  });

  it('longer than allowed, or more frames than allowed -> unprocessable', async () => {
    expect((await domainError(hash(video('chair-orig-22-sd-bar'), { ...ONE_FPS, maxDurationSeconds: 10 }))).code).toBe('unprocessable');
    expect((await domainError(hash(video('chair-orig-22-sd-bar'), { ...ONE_FPS, maxFrames: 5 }))).code).toBe('unprocessable');
    expect(childDecoders()).toEqual([]);
  });

  it('a timeout kills the decoder: while probing, and while decoding', async () => {
    const e = await domainError(hash(video('doorknob-hd-no-bar'), { ...EVERY_FRAME, timeoutMs: 1 }));
    expect(e.code).toBe('unprocessable');
    expect(childDecoders()).toEqual([]);

    // A consumer slower than the budget: ffmpeg is SIGKILLed while the first frame is being "hashed".
    const bytes = video('doorknob-hd-no-bar');
    fed.push(bytes);
    const opened = await decoder.open(bytes, { ...EVERY_FRAME, timeoutMs: 1500 });
    const slow = (async () => {
      for await (const _f of opened.frames()) await new Promise((r) => setTimeout(r, 2000));
    })();
    const e2 = await domainError(slow);
    expect(e2.code).toBe('unprocessable');
    expect(e2.message).toMatch(/1500 ms/);
    expect(childDecoders()).toEqual([]);
  });

  it('a consumer that stops early leaves no ffmpeg behind', async () => {
    const bytes = video('pattern-hd-no-bar');
    fed.push(bytes);
    const opened = await decoder.open(bytes, EVERY_FRAME);
    for await (const f of opened.frames()) {
      expect(f.index).toBe(0);
      break;
    }
    expect(childDecoders()).toEqual([]);
  });

  it("ffmpeg stopped by a signal the node did not send (kill -9, or SIGTERM that it catches and exits 255 on) -> busy (503), the node's failure: never corrupt_media", async () => {
    for (const [signal, how] of [
      ['SIGKILL', 'SIGKILL'],
      ['SIGTERM', 'a signal (exit status 255)'],
    ] as const) {
      const bytes = video('doorknob-hd-no-bar');
      fed.push(bytes);
      const opened = await decoder.open(bytes, EVERY_FRAME);
      const e = await domainError(
        (async () => {
          let frames = 0;
          for await (const _f of opened.frames()) {
            // From outside, as an operator's kill or the OOM killer would: the decoder's own pid.
            if (frames++ === 0) for (const line of childDecoders()) process.kill(Number(line.split(' ')[0]), signal);
          }
        })(),
      );
      expect(e.code, `${signal}: ${e.message}`).toBe('busy');
      expect(e.message).toBe(
        `this node's video decoder (ffmpeg) was stopped by ${how} before it finished: a failure of this node, not of the video; retry in a moment`,
      );
      expect(e.extra).toEqual({ retryAfter: 5 });
    }
    expect(childDecoders()).toEqual([]);
  });

  it('no ffmpeg -> video_unavailable saying how to install it', async () => {
    const e = await domainError(hash(video('doorknob-hd-no-bar'), ONE_FPS, new FfmpegVideoDecoder({ ffmpegPath: '/nonexistent/ffmpeg' })));
    expect(e.code).toBe('video_unavailable');
    expect(e.message).toMatch(/apt-get install ffmpeg/);
  });
});

describe('nothing written', () => {
  it('the private temp folder ffmpeg inherited is still empty', () => {
    expect(readdirSync(privateTmp)).toEqual([]);
  });

  it('no file created or changed under the system temp folder during the run holds any of the videos', () => {
    const windows = fed
      .filter((b) => b.length >= 4096)
      .flatMap((b) =>
        Array.from({ length: 8 }, (_, i) => b.subarray(Math.floor(((i + 0.5) * (b.length - 64)) / 8), Math.floor(((i + 0.5) * (b.length - 64)) / 8) + 64)),
      );
    for (const f of filesSince(realTmp, started, 3)) {
      let data: Buffer;
      try {
        data = readFileSync(f);
      } catch {
        continue;
      }
      for (const w of windows) expect(data.indexOf(w), `${f} holds bytes of a video`).toBe(-1);
    }
    expect(fed.length).toBeGreaterThan(10);
  });
});

function filesSince(dir: string, since: number, depth: number): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const p = join(dir, name);
    try {
      const s = statSync(p);
      if (s.isDirectory()) return depth > 0 ? filesSince(p, since, depth - 1) : [];
      return s.isFile() && s.mtimeMs >= since - 1000 && s.size < 1 << 28 ? [p] : [];
    } catch {
      return [];
    }
  });
}

/**
 * The same MP4 with its `moov` box moved after `mdat`, as cameras and many encoders write them:
 * every chunk offset in the index moves back by the size of the moved box.
 */
function moovToEnd(mp4: Buffer): Buffer {
  const boxes: { type: string; start: number; size: number }[] = [];
  for (let at = 0; at < mp4.length; ) {
    const size = mp4.readUInt32BE(at);
    boxes.push({ type: mp4.toString('latin1', at + 4, at + 8), start: at, size });
    at += size;
  }
  const moovBox = boxes.find((b) => b.type === 'moov');
  const mdatBox = boxes.find((b) => b.type === 'mdat');
  if (!moovBox || !mdatBox || moovBox.start > mdatBox.start) throw new Error('expected a faststart MP4');
  const moov = Buffer.from(mp4.subarray(moovBox.start, moovBox.start + moovBox.size));
  const shift = -moovBox.size;
  const walk = (from: number, to: number): void => {
    for (let at = from; at < to; ) {
      const size = moov.readUInt32BE(at);
      const type = moov.toString('latin1', at + 4, at + 8);
      if (['moov', 'trak', 'mdia', 'minf', 'stbl'].includes(type)) walk(at + 8, at + size);
      if (type === 'stco' || type === 'co64') {
        const n = moov.readUInt32BE(at + 12);
        for (let i = 0; i < n; i++) {
          if (type === 'stco') moov.writeUInt32BE(moov.readUInt32BE(at + 16 + 4 * i) + shift, at + 16 + 4 * i);
          else moov.writeBigUInt64BE(moov.readBigUInt64BE(at + 16 + 8 * i) + BigInt(shift), at + 16 + 8 * i);
        }
      }
      at += size;
    }
  };
  walk(0, moov.length);
  return Buffer.concat([...boxes.filter((b) => b !== moovBox).map((b) => mp4.subarray(b.start, b.start + b.size)), moov]);
}
