/**
 * Reads an uploaded media body (raw `image/*` or `video/*`, or the multipart
 * field `file`) into memory. Never to disk. Whether it is an image or a video is decided from its
 * bytes (services/hashing.ts), not from the declared type.
 */
import type { Context } from 'hono';
import { DomainError } from '../core/errors';

export async function readMedia(c: Context): Promise<{ bytes: Uint8Array; form?: Record<string, string | File | (string | File)[]> }> {
  const type = (c.req.header('content-type') ?? '').toLowerCase();
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
    return { bytes: new Uint8Array(await file.arrayBuffer()), form };
  }
  if (type.startsWith('image/') || type.startsWith('video/')) {
    return { bytes: new Uint8Array(await c.req.arrayBuffer()) };
  }
  throw new DomainError('unsupported_media_type', `send the media as Content-Type image/*, video/* or multipart/form-data with a "file" field (got ${JSON.stringify(type || 'none')})`);
}
