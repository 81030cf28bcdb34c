/**
 * Hashing on the member's machine, with the node's own code (sharp for images, ffmpeg for videos,
 * poppler for PDFs, the same limits as the node's defaults), so that only hashes leave it. A folder
 * is walked for every image, video and PDF in it (told from their first bytes, not their names); a
 * text file is hashed when named (a `.txt` name, or `--text`); a long video reports its progress
 * frame by frame.
 */
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { buildHashKernels } from '../core/kernels';
import { sniffImageFormat } from '../core/media';
import { Slots } from '../core/limits';
import { isVideo, type OpenedVideo, type VideoDecodeOptions, type VideoDecoder } from '../core/video';
import { nodeDigester } from '../runtime/node/digest';
import { SharpImageDecoder } from '../runtime/node/image';
import { FfmpegVideoDecoder } from '../runtime/node/video';
import { DEFAULT_DOCUMENTS, DEFAULT_LIMITS, DEFAULT_VIDEO } from '../services/deps';
import { hashMedia, type AnyMediaHashes } from '../services/hashing';
import { isPdf } from '../core/document';
import { PopplerPdfRenderer } from '../runtime/node/document';
import { userPath } from './args';

export type LocalHashes = AnyMediaHashes;

/** Told of each decoded video frame: its time and the video's length (0 when unknown). */
export type FrameProgress = (seconds: number, durationSeconds: number) => void;

/** Reports each frame as it is decoded; otherwise the decoder it wraps. */
class ProgressVideoDecoder implements VideoDecoder {
  constructor(
    private readonly inner: VideoDecoder,
    private readonly onFrame: () => FrameProgress | undefined,
  ) {}

  async open(bytes: Uint8Array, opts: VideoDecodeOptions): Promise<OpenedVideo> {
    const video = await this.inner.open(bytes, opts);
    const report = this.onFrame();
    return {
      info: video.info,
      async *frames() {
        for await (const f of video.frames()) {
          report?.(f.timestamp, video.info.durationSeconds);
          yield f;
        }
      },
    };
  }

  status() {
    return this.inner.status();
  }
}

export class LocalHasher {
  private onFrame: FrameProgress | undefined;
  private readonly deps = {
    decoder: new SharpImageDecoder({ maxPixels: DEFAULT_LIMITS.maxImagePixels }),
    kernels: buildHashKernels(),
    digests: nodeDigester,
    // Videos with the system's ffmpeg (FFMPEG_PATH to use another), under the node's default limits.
    video: {
      ...DEFAULT_VIDEO,
      slots: new Slots(1, 0),
      decoder: new ProgressVideoDecoder(new FfmpegVideoDecoder({ ffmpegPath: process.env.FFMPEG_PATH }), () => this.onFrame),
    },
    // PDFs with the system's poppler (POPPLER_PATH: the folder of its tools), under the node's default limits.
    documents: {
      ...DEFAULT_DOCUMENTS,
      maxBytes: Number.MAX_SAFE_INTEGER,
      slots: new Slots(1, 0),
      renderer: new PopplerPdfRenderer({ binDir: process.env.POPPLER_PATH }),
    },
    limits: { ...DEFAULT_LIMITS, maxBodyBytes: Number.MAX_SAFE_INTEGER },
  };

  /** `text`: read the file as text (UTF-8 unless it has a byte-order mark, or `charset` names another). */
  /** `robust`: an image's regions and crops too, as the node's media share stores them (`robust` in the answer). */
  async hashFile(
    path: string,
    opts: { dihedral?: boolean; robust?: boolean; onFrame?: FrameProgress; text?: boolean; charset?: string } = {},
  ): Promise<LocalHashes> {
    this.onFrame = opts.onFrame;
    try {
      const contentType = opts.text || kindOf(path) === 'text' ? `text/plain${opts.charset ? `; charset=${opts.charset}` : ''}` : undefined;
      return await hashMedia(this.deps, new Uint8Array(readFileSync(path)), {
        dihedral: opts.dihedral,
        contentType,
        ...(opts.robust ? { robust: 'enrol' } : {}),
      });
    } finally {
      this.onFrame = undefined;
    }
  }
}

export interface MediaFile {
  path: string;
  /** The path as given, or relative to the folder it was found in. */
  name: string;
  kind: 'image' | 'video' | 'pdf' | 'text';
  bytes: number;
}

/**
 * The images, videos, PDFs and texts among `paths`: files as they are, folders walked (sorted, hidden
 * entries skipped). Files given by name are kept whatever they hold (the hasher says what is wrong
 * with them, and a named `.txt` file is read as text); files found in a folder are kept only when
 * their first bytes name an image, video or PDF.
 */
export function findMedia(paths: readonly string[]): { files: MediaFile[]; skipped: string[] } {
  const files: MediaFile[] = [];
  const skipped: string[] = [];
  for (const p of paths) {
    const at = userPath(p);
    const st = statSync(at);
    if (!st.isDirectory()) {
      files.push({ path: at, name: p, kind: kindOf(at) ?? 'image', bytes: st.size });
      continue;
    }
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
        if (e.name.startsWith('.')) continue;
        const full = join(dir, e.name);
        if (e.isDirectory()) walk(full);
        else if (e.isFile()) {
          const kind = kindOf(full);
          // Texts only when named: a folder's notes and read-me files are not evidence.
          if (kind && kind !== 'text') files.push({ path: full, name: join(p, relative(at, full)), kind, bytes: statSync(full).size });
          else skipped.push(full);
        }
      }
    };
    walk(at);
  }
  return { files, skipped };
}

/** Plain text has no magic number: a file is read as text when its name says so. */
const TEXT_NAME = /\.(txt|text)$/i;

function kindOf(path: string): MediaFile['kind'] | null {
  const head = new Uint8Array(4096);
  let n = 0;
  try {
    const fd = openSync(path, 'r');
    try {
      n = readSync(fd, head, 0, head.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
  const bytes = head.subarray(0, n);
  if (isVideo(bytes)) return 'video';
  if (isPdf(bytes)) return 'pdf';
  if (sniffImageFormat(bytes)) return 'image';
  return TEXT_NAME.test(path) ? 'text' : null;
}
