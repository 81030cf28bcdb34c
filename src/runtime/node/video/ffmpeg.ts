/**
 * The Node video decoder: the system's ffmpeg and ffprobe, run as child processes.
 *
 * The video never touches the disk. ffmpeg reads it over HTTP from a server bound to 127.0.0.1 for
 * the length of one decode (loopback.ts; processes.ts runs the binaries). ffmpeg is held to the HTTP
 * protocol and to the demuxer the magic bytes chose (so no playlist, concat or data-reference trick
 * can make it open anything else), and it writes raw RGBA frames to stdout.
 *
 * Frames are picked as vPDQ picks them: frame numbers 0, k, 2k, ... with k = floor(secondsPerFrame
 * * fps), at native size, without applying rotation metadata. The YUV -> RGB conversion is
 * swscale's, set up as vPDQ's direct libswscale call is: area filter and the BT.601 matrix whatever
 * the stream's tag (ffmpeg's scale filter would otherwise follow the tag). `accurate_rnd` is
 * empirical: without it the hashes of dark, low-quality frames of the conformance videos sat up to
 * 76 bits from vPDQ's; with it 94 % of frames are bit-identical and none is more than 4 bits off.
 *
 * Over 300 lines on purpose: the probe, the command line and the frame reader are one protocol with
 * the child process; the loopback server and process handling are in their own files.
 */
import { basename, dirname, join } from 'node:path';
import { cancelled, DomainError } from '../../../core/errors';
import {
  sniffVideoContainer,
  type OpenedVideo,
  type VideoContainer,
  type VideoDecodeOptions,
  type VideoDecoder,
  type VideoFrame,
  type VideoInfo,
} from '../../../core/video';
import { withServer, withServerGen } from './loopback';
import { isStoppedFromOutside, stoppedFromOutside } from '../stopped';
import { exitOf, lastLine, run, signalOf, start, tail, unavailable } from './processes';

export interface FfmpegDecoderOptions {
  /** The ffmpeg binary: a name looked up on PATH, or a path. Default 'ffmpeg'. */
  ffmpegPath?: string;
  /** Default: `ffprobe` beside ffmpegPath. */
  ffprobePath?: string;
  /** Refuse videos whose frames have more pixels than this. Default 8K UHD (7680 x 4320). */
  maxPixels?: number;
  /** ffmpeg's decoding threads (`-threads`); default ffmpeg's own choice. */
  threads?: number;
  /** How long a failed check of ffmpeg stands before the next call checks again. Default 30 s. */
  recheckMs?: number;
}

interface Tools {
  fpsMode: string[];
  /** ffmpeg's first `-version` line. */
  line: string;
}

/** The last check of ffmpeg and ffprobe: a success stands until a spawn fails, a failure for recheckMs. */
interface Check {
  at: number;
  result: Promise<Tools>;
  failed: boolean;
}

const DEMUXER: Record<VideoContainer, string> = {
  mp4: 'mov',
  mov: 'mov',
  '3gp': 'mov',
  webm: 'matroska',
  mkv: 'matroska',
  avi: 'avi',
  flv: 'flv',
  asf: 'asf',
  mpegts: 'mpegts',
  mpeg: 'mpeg',
  ogg: 'ogg',
};

export class FfmpegVideoDecoder implements VideoDecoder {
  private readonly ffmpeg: string;
  private readonly ffprobe: string;
  private readonly maxPixels: number;
  private readonly recheckMs: number;
  private check?: Check;

  constructor(private readonly opts: FfmpegDecoderOptions = {}) {
    this.ffmpeg = opts.ffmpegPath ?? 'ffmpeg';
    this.ffprobe = opts.ffprobePath ?? (this.ffmpeg.includes('/') ? join(dirname(this.ffmpeg), basename(this.ffmpeg).replace('ffmpeg', 'ffprobe')) : 'ffprobe');
    this.maxPixels = opts.maxPixels ?? 7680 * 4320;
    this.recheckMs = opts.recheckMs ?? 30_000;
  }

  /**
   * Throws `video_unavailable` when ffmpeg or ffprobe cannot be run. Not remembered until a
   * restart: a failure is checked again after recheckMs (ffmpeg installed or fixed meanwhile is
   * found), a success until a spawn fails because the binary went away.
   */
  async available(): Promise<void> {
    await this.version();
  }

  async status(): Promise<{ available: boolean; detail: string }> {
    try {
      return { available: true, detail: (await this.version()).line };
    } catch (e) {
      return { available: false, detail: e instanceof Error ? e.message : String(e) };
    }
  }

  /** ffmpeg's first `-version` line, e.g. "ffmpeg version 5.1.6-0+deb12u1 Copyright ...". */
  async versionLine(): Promise<string> {
    return (await this.version()).line;
  }

  async open(bytes: Uint8Array, limits: VideoDecodeOptions): Promise<OpenedVideo> {
    const container = sniffVideoContainer(bytes);
    if (!container)
      throw new DomainError('unsupported_media_type', 'not a video container this node reads (MP4, MOV, WebM, Matroska, AVI, FLV, ASF, MPEG-TS/PS, Ogg)');
    const { fpsMode } = await this.version();
    const deadline = Date.now() + limits.timeoutMs;
    const input = ['-protocol_whitelist', 'http,tcp', '-f', DEMUXER[container]];
    const probe = await withServer(bytes, (url) => this.probe(url, input, container, deadline, limits)).catch((e) => this.forgetIfGone(e));
    const { info, streamIndex, step, expectedFrames } = probe;

    const self = this;
    let started = false;
    return {
      info,
      frames(): AsyncIterable<VideoFrame> {
        if (started) throw new Error('frames() of a video can be iterated once');
        started = true;
        return withServerGen(bytes, (url) => self.decodeFrames(url, input, fpsMode, info, streamIndex, step, expectedFrames, deadline, limits));
      },
    };
  }

  private version(): Promise<Tools> {
    const now = Date.now();
    if (this.check && !(this.check.failed && now - this.check.at >= this.recheckMs)) return this.check.result;
    const check: Check = { at: now, result: this.checkTools(), failed: false };
    check.result.catch((e) => {
      // A check stopped from outside says nothing about ffmpeg: the next call checks again.
      if (isStoppedFromOutside(e)) {
        if (this.check === check) this.check = undefined;
      } else check.failed = true;
    });
    this.check = check;
    return check.result;
  }

  private async checkTools(): Promise<Tools> {
    const deadline = Date.now() + 10_000;
    const [ffmpeg, ffprobe] = await Promise.all([
      run(this.ffmpeg, ['-hide_banner', '-version'], deadline),
      run(this.ffprobe, ['-hide_banner', '-version'], deadline),
    ]);
    for (const [bin, r] of [
      [this.ffmpeg, ffmpeg],
      [this.ffprobe, ffprobe],
    ] as const)
      if (r.signal && !r.cut) throw stoppedFromOutside('check of ffmpeg', 'video', r.signal, `${bin} -version ended by ${r.signal}`);
    if (ffmpeg.code !== 0) throw unavailable(`${this.ffmpeg} -version exited with ${ffmpeg.code}: ${lastLine(ffmpeg.stderr)}`);
    if (ffprobe.code !== 0) throw unavailable(`${this.ffprobe} -version exited with ${ffprobe.code}: ${lastLine(ffprobe.stderr)}`);
    const line = ffmpeg.stdout.toString('utf8').split('\n')[0].trim();
    const m = /version\s+n?(\d+)\.(\d+)/.exec(line);
    // `-fps_mode` replaced `-vsync` in ffmpeg 5.1; git builds ("version N-...") are recent.
    const modern = !m || Number(m[1]) > 5 || (Number(m[1]) === 5 && Number(m[2]) >= 1);
    return { fpsMode: modern ? ['-fps_mode', 'passthrough'] : ['-vsync', 'passthrough'], line };
  }

  /** A spawn found no binary (video_unavailable): the last good check no longer stands. Rethrows. */
  private forgetIfGone(e: unknown): never {
    if (e instanceof DomainError && e.code === 'video_unavailable') this.check = undefined;
    throw e;
  }

  private async probe(url: string, input: string[], container: VideoContainer, deadline: number, limits: VideoDecodeOptions) {
    const args = [
      '-v',
      'error',
      ...input,
      '-show_entries',
      'stream=index,codec_type,width,height,avg_frame_rate,r_frame_rate,nb_frames,duration:stream_disposition=attached_pic:format=duration',
      '-of',
      'json',
      url,
    ];
    const { code, signal, cut, stdout, stderr } = await run(this.ffprobe, args, deadline, limits.signal);
    // Killed by a signal the node did not send (its own kill is at the deadline, which run() reports, or over 1 MB of output).
    if (signal && !cut) throw stoppedFromOutside('video probe (ffprobe)', 'video', signal, `ffprobe ended by ${signal}: ${lastLine(stderr)}`);
    if (code !== 0) throw corrupt(container, `ffprobe exited with ${code ?? signal}: ${lastLine(stderr)}`);
    let parsed: ProbeOutput;
    try {
      parsed = JSON.parse(stdout.toString('utf8')) as ProbeOutput;
    } catch (e) {
      throw corrupt(container, e);
    }
    const stream = (parsed.streams ?? []).find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
    if (!stream) throw new DomainError('undecodable_media', `the ${container} file has no video stream`);
    const width = stream.width ?? 0;
    const height = stream.height ?? 0;
    if (width < 1 || height < 1) throw new DomainError('undecodable_media', `the ${container} video declares no frame size`);
    if (width * height > this.maxPixels) {
      throw new DomainError(
        'undecodable_media',
        `the ${container} video declares ${width}x${height} frames; this node decodes at most ${this.maxPixels} pixels a frame`,
        {
          extra: { width, height, maxPixels: this.maxPixels },
        },
      );
    }
    const frameRate = rate(stream.avg_frame_rate) || rate(stream.r_frame_rate);
    if (!(frameRate > 0 && frameRate <= 1000))
      throw new DomainError('undecodable_media', `the ${container} video declares an unusable frame rate (${stream.avg_frame_rate})`);
    const durationSeconds = positive(stream.duration) || positive(parsed.format?.duration);
    if (durationSeconds > limits.maxDurationSeconds) {
      throw new DomainError(
        'unprocessable',
        `the video lasts ${durationSeconds.toFixed(1)} s; this node hashes videos of at most ${limits.maxDurationSeconds} s`,
        {
          extra: { durationSeconds, maxDurationSeconds: limits.maxDurationSeconds },
        },
      );
    }
    const step = Math.max(1, Math.floor(limits.secondsPerFrame * frameRate));
    const nbFrames = positive(stream.nb_frames);
    const info: VideoInfo = { format: container, width, height, frameRate, durationSeconds: Math.round(durationSeconds * 1000) / 1000 };
    return { info, streamIndex: stream.index, step, expectedFrames: nbFrames ? Math.ceil(nbFrames / step) : 0 };
  }

  private async *decodeFrames(
    url: string,
    input: string[],
    fpsMode: string[],
    info: VideoInfo,
    streamIndex: number,
    step: number,
    expectedFrames: number,
    deadline: number,
    limits: VideoDecodeOptions,
  ): AsyncGenerator<VideoFrame> {
    const { width, height, frameRate } = info;
    const filters = [
      ...(step > 1 ? [`select='not(mod(n,${step}))'`] : []),
      `scale=w=${width}:h=${height}:flags=area+accurate_rnd:in_color_matrix=bt601`,
      'format=rgba',
    ];
    const args = [
      ...['-hide_banner', '-nostdin', '-v', 'error', '-noautorotate', ...(this.opts.threads ? ['-threads', String(this.opts.threads)] : [])],
      ...input,
      ...['-i', url, '-map', `0:${streamIndex}`, '-an', '-sn', '-dn', '-vf', filters.join(','), ...fpsMode],
      ...['-frames:v', String(limits.maxFrames + 1), '-f', 'rawvideo', '-pix_fmt', 'rgba', 'pipe:1'],
    ];
    const child = start(this.ffmpeg, args);
    const stderr = tail(child);
    const exited = exitOf(child);
    exited.catch(() => undefined); // awaited below; this only keeps an early spawn error from counting as unhandled
    let expired = false;
    const timer = setTimeout(
      () => {
        expired = true;
        child.kill('SIGKILL');
      },
      Math.max(0, deadline - Date.now()),
    );
    // The request's client gone: ffmpeg is killed now, not at its next frame (a slow seek, a large frame).
    let cancelledByClient = false;
    const onAbort = () => {
      cancelledByClient = true;
      child.kill('SIGKILL');
    };
    // (Already aborted while the loopback server started: killed before it reads a byte.)
    if (limits.signal?.aborted) onAbort();
    else limits.signal?.addEventListener('abort', onAbort, { once: true });
    const frameBytes = width * height * 4;
    let frame = new Uint8Array(frameBytes);
    let filled = 0;
    let count = 0;
    try {
      for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
        if (expired || cancelledByClient) break;
        let at = 0;
        while (at < chunk.length) {
          const n = Math.min(frameBytes - filled, chunk.length - at);
          frame.set(chunk.subarray(at, at + n), filled);
          filled += n;
          at += n;
          if (filled < frameBytes) break;
          const index = count * step;
          const timestamp = Math.round((index / frameRate) * 1000) / 1000;
          if (++count > limits.maxFrames) throw tooMany(limits);
          if (timestamp > limits.maxDurationSeconds + 1) throw tooLong(limits);
          yield { index, timestamp, width, height, rgba: frame };
          frame = new Uint8Array(frameBytes);
          filled = 0;
        }
      }
      const exit = await exited.catch((e) => this.forgetIfGone(e));
      if (cancelledByClient) throw cancelled();
      if (expired) throw timedOut(limits);
      const log = stderr();
      // The node kills ffmpeg only at the deadline (above) or once it stops reading (no outcome then):
      // a signal here came from outside, and says nothing about the video.
      const signalled = signalOf(exit);
      if (signalled) throw stoppedFromOutside('video decoder (ffmpeg)', 'video', signalled, `ffmpeg ended by ${signalled}: ${lastLine(log)}`);
      if (exit.code !== 0) throw corrupt(info.format, `ffmpeg exited with ${exit.code}: ${lastLine(log)}`);
      // A truncated file decodes "successfully" up to the cut: the demuxer's complaint, or far fewer
      // frames than the index promised, give it away. (Edit lists may hide a few frames: a margin.)
      if (/partial file|truncat/i.test(log.toString('utf8')) || (expectedFrames > 0 && count < Math.floor(expectedFrames * 0.9) - 1)) {
        throw new DomainError(
          'corrupt_media',
          `the ${info.format} video is truncated or corrupt: ${count} of ${expectedFrames || 'its'} sampled frames decoded`,
          { cause: lastLine(log) || undefined },
        );
      }
    } finally {
      clearTimeout(timer);
      limits.signal?.removeEventListener('abort', onAbort);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited; // reaped before anyone hears about the outcome: no stray ffmpeg
    }
  }
}

interface ProbeOutput {
  streams?: {
    index: number;
    codec_type?: string;
    width?: number;
    height?: number;
    avg_frame_rate?: string;
    r_frame_rate?: string;
    nb_frames?: string;
    duration?: string;
    disposition?: { attached_pic?: number };
  }[];
  format?: { duration?: string };
}

function rate(s: string | undefined): number {
  const m = /^(\d+)\/(\d+)$/.exec(s ?? '');
  return m && Number(m[2]) > 0 ? Number(m[1]) / Number(m[2]) : 0;
}

function positive(s: string | undefined): number {
  const v = Number(s);
  return Number.isFinite(v) && v > 0 ? v : 0;
}

const tooMany = (l: VideoDecodeOptions) =>
  new DomainError('unprocessable', `the video has more than ${l.maxFrames} frames to hash at this sampling rate`, { extra: { maxFrames: l.maxFrames } });
const tooLong = (l: VideoDecodeOptions) =>
  new DomainError('unprocessable', `the video lasts longer than ${l.maxDurationSeconds} s, the most this node hashes`, {
    extra: { maxDurationSeconds: l.maxDurationSeconds },
  });
/** ffmpeg's and ffprobe's own text stays in the cause, for the log. */
const corrupt = (format: string, cause: unknown) =>
  new DomainError('corrupt_media', `the ${format.toUpperCase()} video does not decode: it is corrupt or truncated`, { cause });
const timedOut = (l: VideoDecodeOptions) =>
  new DomainError('unprocessable', `hashing the video took longer than ${l.timeoutMs} ms and was stopped`, { extra: { timeoutMs: l.timeoutMs } });
