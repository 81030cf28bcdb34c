/**
 * A video hash's frames as they travel and are stored: vPDQ's text form and its digest (the value of
 * a vpdq hash), and the check of a frame list a client sends as JSON.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import type { FieldProblem } from '../errors';
import { bytesToHex, isHex } from '../hex';
import { isRecord, isWholeIn } from '../json';
import type { VideoFrameHash } from './decoder';

/**
 * The frame list as vPDQ's tools write it: `frame,quality,hash,timestamp` with the timestamp to three
 * decimals, one line per frame, each ending in a newline (the format of vpdq/sample-hashes/*.txt).
 */
export function vpdqText(frames: readonly VideoFrameHash[]): string {
  return frames.map((f) => `${f.index},${f.quality},${f.hash},${f.timestamp.toFixed(3)}\n`).join('');
}

/** The frames of a text in `vpdqText`'s format (blank lines ignored); the inverse of `vpdqText`. */
export function parseVpdqText(text: string): VideoFrameHash[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [index, quality, hash, timestamp] = line.trim().split(',');
      return { index: Number(index), quality: Number(quality), hash, timestamp: Number(timestamp) };
    });
}

/**
 * A vpdq hash's value: SHA-256 (hex) of `vpdqText`. It names the frame list in one string (the key
 * of a share, what the audit log records), and anyone holding the frames can recompute it.
 */
export function vpdqDigest(frames: readonly VideoFrameHash[]): string {
  return bytesToHex(sha256(new TextEncoder().encode(vpdqText(frames))));
}

/** Bounds of a frame sent as JSON: frame numbers fit 31 bits, timestamps (stored in ms) about 115 days. */
export const MAX_FRAME_INDEX = 2 ** 31 - 1;
export const MAX_FRAME_TIMESTAMP = 1e7;

/**
 * Checks a frame list sent as JSON: frame numbers whole and strictly increasing, timestamps
 * non-negative and non-decreasing, PDQ hashes of 64 hex digits, qualities 0-100. Returns the frames
 * with hashes in lowercase, or the problems.
 */
export function checkVideoFrames(frames: unknown, path: string, maxFrames: number): { frames: VideoFrameHash[] } | { problems: FieldProblem[] } {
  if (!Array.isArray(frames) || frames.length === 0) return { problems: [{ path, message: 'a vpdq hash needs a non-empty array of frames' }] };
  if (frames.length > maxFrames) return { problems: [{ path, message: `${frames.length} frames; at most ${maxFrames} are accepted` }] };
  const problems: FieldProblem[] = [];
  const out: VideoFrameHash[] = [];
  frames.forEach((raw: unknown, i) => {
    const at = `${path}/${i}`;
    const f = isRecord(raw) ? raw : {};
    const prev = out[i - 1];
    if (!isWholeIn(f.index, 0, MAX_FRAME_INDEX)) problems.push({ path: `${at}/index`, message: `must be a whole number from 0 to ${MAX_FRAME_INDEX}` });
    else if (prev && f.index <= prev.index) problems.push({ path: `${at}/index`, message: 'frame numbers must increase' });
    if (typeof f.timestamp !== 'number' || !Number.isFinite(f.timestamp) || f.timestamp < 0 || f.timestamp > MAX_FRAME_TIMESTAMP)
      problems.push({ path: `${at}/timestamp`, message: `must be seconds from 0 to ${MAX_FRAME_TIMESTAMP}` });
    else if (prev && f.timestamp < prev.timestamp) problems.push({ path: `${at}/timestamp`, message: 'timestamps must not decrease' });
    if (typeof f.hash !== 'string' || f.hash.length !== 64 || !isHex(f.hash))
      problems.push({ path: `${at}/hash`, message: 'must be a PDQ hash: 64 hex digits' });
    if (!isWholeIn(f.quality, 0, 100)) problems.push({ path: `${at}/quality`, message: 'must be a whole number from 0 to 100' });
    out.push({
      index: Number(f.index),
      timestamp: Math.round(Number(f.timestamp) * 1000) / 1000,
      hash: String(f.hash).toLowerCase(),
      quality: Number(f.quality),
    });
  });
  return problems.length ? { problems } : { frames: out };
}
