/**
 * Reads an uploaded media body (raw `image/*` or `video/*`, or the multipart field `file`) into
 * memory. Never to disk. Whether it is an image or a video is decided from its bytes, not from the
 * declared type, and so is its size limit: the route let the body through up to the larger of the
 * two (route.ts), and an image found inside a video-sized body is held to MAX_BODY_BYTES here.
 */
import type { Context } from 'hono';
import { DomainError } from '../core/errors';
import { isVideo } from '../core/video';
import type { AppEnv } from './env';

export async function readMedia(c: Context<AppEnv>): Promise<{ bytes: Uint8Array; form?: Record<string, string | File | (string | File)[]> }> {
  const type = (c.req.header('content-type') ?? '').toLowerCase();
  let read: { bytes: Uint8Array; form?: Record<string, string | File | (string | File)[]> };
  if (type.startsWith('multipart/form-data')) {
    let form: Record<string, string | File | (string | File)[]>;
    try {
      form = await c.req.parseBody({ all: true });
    } catch {
      throw new DomainError('invalid_request', 'the multipart body could not be parsed', { errors: [{ path: 'body', message: 'malformed multipart/form-data' }] });
    }
    const file = form.file;
    if (!(file instanceof File)) {
      throw new DomainError('invalid_request', 'the multipart body needs one file field named "file"', { errors: [{ path: 'file', message: Array.isArray(file) ? 'more than one file' : 'missing' }] });
    }
    read = { bytes: new Uint8Array(await file.arrayBuffer()), form };
  } else if (type.startsWith('image/') || type.startsWith('video/')) {
    read = { bytes: new Uint8Array(await c.req.arrayBuffer()) };
  } else {
    const json = /^application\/([\w.+-]+\+)?json\b/.test(type) && c.req.path.endsWith('/media');
    const hint = json ? `; hashes sent as JSON go to ${c.req.method} ${c.req.path.slice(0, -'/media'.length)}` : '';
    throw new DomainError('unsupported_media_type', `send the media as Content-Type image/*, video/* or multipart/form-data with a "file" field (got ${JSON.stringify(type || 'none')})${hint}`);
  }
  const { limits, video } = c.var.deps;
  const [max, what] = isVideo(read.bytes) ? [video.maxBytes, 'videos'] : [limits.maxBodyBytes, 'images'];
  if (read.bytes.byteLength > max) {
    throw new DomainError('payload_too_large', `${what} are accepted up to ${max} bytes; this one is ${read.bytes.byteLength}${what === 'images' ? ` (videos up to ${video.maxBytes})` : ''}`, { extra: { maxBytes: max } });
  }
  return read;
}
