/** Video containers told from their first bytes: what the node treats as a video, and which demuxer reads it. */
import { HEIF_IMAGE_BRANDS } from '../media';

/** Video containers recognised from their first bytes; the name of each decides the demuxer. */
export type VideoContainer = 'mp4' | 'mov' | '3gp' | 'webm' | 'mkv' | 'avi' | 'flv' | 'asf' | 'mpegts' | 'mpeg' | 'ogg';

/** The containers above as a message names them. */
export const VIDEO_CONTAINER_NAMES = 'MP4, MOV, 3GP, WebM, Matroska, AVI, FLV, ASF, MPEG-TS/PS or Ogg';

// Top-level QuickTime atoms a .mov may open with when it has no `ftyp`.
const QT_ATOMS = new Set(['moov', 'mdat', 'wide', 'free', 'skip', 'pnot']);

/** The container of `bytes`, or null when it is not a video container this node reads. */
export function sniffVideoContainer(bytes: Uint8Array): VideoContainer | null {
  if (bytes.length < 12) return null;
  const ascii = (at: number, n: number) => String.fromCharCode(...bytes.subarray(at, at + n));
  const type = ascii(4, 4);
  if (type === 'ftyp') {
    const major = ascii(8, 4);
    if (HEIF_IMAGE_BRANDS.has(major)) return null;
    if (major === 'qt  ') return 'mov';
    if (major.startsWith('3g')) return '3gp';
    return 'mp4';
  }
  if (QT_ATOMS.has(type) && bytes[0] === 0) return 'mov';
  if (bytes[0] === 0x1a && bytes[1] === 0x45 && bytes[2] === 0xdf && bytes[3] === 0xa3) {
    // EBML header: the DocType element (0x42 0x82) says webm or matroska.
    const head = ascii(4, Math.min(60, bytes.length - 4));
    return head.includes('webm') ? 'webm' : 'mkv';
  }
  if (ascii(0, 4) === 'RIFF' && ascii(8, 4) === 'AVI ') return 'avi';
  if (ascii(0, 3) === 'FLV' && bytes[3] === 1) return 'flv';
  if ([0x30, 0x26, 0xb2, 0x75, 0x8e, 0x66, 0xcf, 0x11].every((b, i) => bytes[i] === b)) return 'asf';
  if (bytes[0] === 0 && bytes[1] === 0 && bytes[2] === 1 && bytes[3] === 0xba) return 'mpeg';
  if (bytes[0] === 0x47 && bytes.length > 376 && bytes[188] === 0x47 && bytes[376] === 0x47) return 'mpegts';
  if (ascii(0, 4) === 'OggS') return 'ogg';
  return null;
}

export function isVideo(bytes: Uint8Array): boolean {
  return sniffVideoContainer(bytes) !== null;
}
