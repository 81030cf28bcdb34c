/**
 * Hashing on the member's machine, with the node's own code (sharp for images, ffmpeg for videos,
 * poppler for PDFs, the same limits as the node's defaults), so that only hashes leave it. A folder
 * is walked for every image, video and PDF in it (told from their first bytes, not their names;
 * symbolic links to files followed, to folders not); a text file is hashed when named (a `.txt` name,
 * or `--text`); a long video reports its progress frame by frame. A file that cannot be hashed is
 * said to be so in words about files (no such file, empty, not media), not in the node's words about
 * request bodies, with the node's error codes.
 */
import { closeSync, openSync, readdirSync, readFileSync, readlinkSync, readSync, statSync, type Stats } from 'node:fs';
import { join, relative } from 'node:path';
import { DomainError } from '../core/errors';
import { buildHashKernels } from '../core/kernels';
import { sniffImageFormat } from '../core/media';
import { Slots } from '../core/limits';
import { isVideo, VIDEO_CONTAINER_NAMES, type OpenedVideo, type VideoDecodeOptions, type VideoDecoder } from '../core/video';
import { nodeDigester } from '../runtime/node/digest';
import { SharpImageDecoder } from '../runtime/node/image';
import { FfmpegVideoDecoder } from '../runtime/node/video';
import { DEFAULT_DOCUMENTS, DEFAULT_LIMITS, DEFAULT_VIDEO } from '../services/deps';
import { hashMedia, type AnyMediaHashes } from '../services/hashing';
import { isPdf } from '../core/document';
import { PopplerPdfRenderer } from '../runtime/node/document';
import { codeOf, userPath } from './args';

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
    const bytes = readLocalFile(path);
    this.onFrame = opts.onFrame;
    try {
      const contentType = opts.text || kindOf(path) === 'text' ? `text/plain${opts.charset ? `; charset=${opts.charset}` : ''}` : undefined;
      return await hashMedia(this.deps, bytes, {
        dihedral: opts.dihedral,
        contentType,
        ...(opts.robust ? { robust: 'enrol' } : {}),
      });
    } catch (e) {
      throw inFileWords(e);
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
}

/** What a folder held besides media: other files (counted), and links not followed (each named with why). */
export interface Passed {
  /** Files that are not images, videos or PDFs (texts among them: read only when named). */
  other: string[];
  /** Symbolic links to no file: broken, or to a folder. */
  links: { name: string; why: string }[];
}

/**
 * The images, videos, PDFs and texts among `paths`: files as they are, folders walked (sorted, hidden
 * entries skipped). Files given by name are kept whatever they hold, even when they are not there
 * (the hasher says what is wrong with them, and a named `.txt` file is read as text); files found in
 * a folder are kept only when their first bytes name an image, video or PDF. A symbolic link in a
 * folder is followed to the file it names; one that names no file (broken) or a folder (never
 * walked: a link may lead back up) is passed over, with why.
 */
export function findMedia(paths: readonly string[]): { files: MediaFile[] } & Passed {
  const files: MediaFile[] = [];
  const other: string[] = [];
  const links: Passed['links'] = [];
  const found = (path: string, name: string) => {
    const kind = kindOf(path);
    // Texts only when named: a folder's notes and read-me files are not evidence.
    if (kind && kind !== 'text') files.push({ path, name, kind });
    else other.push(path);
  };
  for (const p of paths) {
    const at = userPath(p);
    const st = statOf(at);
    if (!st?.isDirectory()) {
      // A FIFO, a device or a socket is not opened to sniff it (opening a FIFO waits for a writer):
      // reading it fails in words (readLocalFile).
      files.push({ path: at, name: p, kind: (st && !st.isFile() ? undefined : kindOf(at)) ?? 'image' });
      continue;
    }
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
        if (e.name.startsWith('.')) continue;
        const full = join(dir, e.name);
        const name = join(p, relative(at, full));
        if (e.isDirectory()) walk(full);
        else if (e.isFile()) found(full, name);
        else if (e.isSymbolicLink()) {
          const target = statOf(full);
          if (target?.isFile()) found(full, name);
          else if (target?.isDirectory()) links.push({ name, why: `a link to a folder (${linkTarget(full) ?? '?'}), not followed` });
          else if (!target) links.push({ name, why: `a broken link (to ${linkTarget(full) ?? '?'}, which is not there)` });
        }
      }
    };
    walk(at);
  }
  return { files, other, links };
}

/** `paths` named no file to hash: what they held, for the message that says so. */
export function nothingFound(paths: readonly string[], passed: Passed): string {
  const what = [
    passed.other.length &&
      `${passed.other.length} other file${passed.other.length === 1 ? '' : 's'} (not images, videos or PDFs; a text is read only when named)`,
    passed.links.length && `${passed.links.length} link${passed.links.length === 1 ? '' : 's'} skipped (above)`,
  ].filter(Boolean);
  return `no image, video or PDF found in ${paths.join(', ')}${what.length ? `: ${what.join(' and ')}` : ' (empty)'}; nothing was done`;
}

/** A file's (or a link's target's) stat, or undefined when there is none. */
function statOf(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** Where a symbolic link points, or undefined for a path that is not one. */
function linkTarget(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}

/** A file's bytes, or an error that says in words about files why there are none. */
function readLocalFile(path: string): Uint8Array {
  const st = statOf(path);
  if (st && !st.isFile())
    throw new DomainError(
      'invalid_request',
      `not a regular file (${st.isFIFO() ? 'a named pipe' : st.isSocket() ? 'a socket' : 'a device'}): only files are read`,
    );
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = codeOf(e);
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP') {
      const link = linkTarget(path);
      throw new DomainError('not_found', link === undefined ? 'no such file' : `a broken link (to ${link}, which is not there)`, { cause: e });
    }
    if (code === 'EACCES' || code === 'EPERM') throw new DomainError('forbidden', 'permission denied: the file cannot be read', { cause: e });
    if (code === 'EISDIR') throw new DomainError('invalid_request', 'a folder, not a file', { cause: e });
    throw e;
  }
  if (bytes.byteLength === 0) throw new DomainError('invalid_request', 'the file is empty', { errors: [{ path: 'file', message: 'empty' }] });
  return new Uint8Array(bytes);
}

/** What the node hashes, as the CLI says it of a file on disk. */
const HASHED_HERE = `an image (JPEG, PNG, WebP, GIF, AVIF or TIFF), a video (${VIDEO_CONTAINER_NAMES}), a PDF, or a text (a .txt name, or --text)`;

/**
 * The hashing's errors that speak of a request body (its Content-Type, what to send) said of a file
 * on disk, with the same code; the others are already about the media and pass as they are.
 */
function inFileWords(e: unknown): unknown {
  if (!(e instanceof DomainError)) return e;
  const m = e.message;
  const said = (message: string) => new DomainError(e.code, message, { errors: e.errors, extra: e.extra, cause: e });
  if (e.code === 'unsupported_media_type') {
    if (m.startsWith('the body is none of the media')) return said(`not an image, video, PDF or text the node hashes; it hashes ${HASHED_HERE}`);
    const format = /^unsupported image format ("[^"]*")/.exec(m);
    if (format) return said(`an image in a format the node does not hash (${format[1]}); it hashes JPEG, PNG, WebP, GIF, AVIF and TIFF images`);
    const charset = /^charset ("[^"]*") is not an encoding/.exec(m);
    if (charset)
      return said(
        `--charset ${charset[1]} is not an encoding the node reads; name one of the WHATWG Encoding Standard (e.g. windows-1252, iso-8859-2, shift_jis, utf-16le)`,
      );
  }
  if (e.code === 'corrupt_media') {
    const text = /^the text is not valid ([^;]+);/.exec(m);
    if (text) return said(`the text is not valid ${text[1]}; name its encoding with --charset (e.g. --charset windows-1252)`);
    const nul = /^the text holds a NUL character \(at character (\d+)\)/.exec(m);
    if (nul)
      return said(`the text holds a NUL character (at character ${nul[1]}): it is binary data, or UTF-16 without its byte-order mark (--charset utf-16le)`);
  }
  return e;
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
