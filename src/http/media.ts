/**
 * Reads an uploaded media body (raw `image/*`, `video/*`, `application/pdf` or `text/plain`, or the
 * multipart field `file`) into memory. Never to disk. Whether it is an image, a video or a PDF is
 * decided from its bytes (services/hashing.ts), not from the declared type; the declared type
 * (the part's, in a multipart body) is handed on for text, which has no magic number, and its charset.
 */
import type { Context } from 'hono';
import { DomainError } from '../core/errors';

export async function readMedia(c: Context): Promise<{ bytes: Uint8Array; contentType: string; form?: Record<string, string | File | (string | File)[]> }> {
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
    return { bytes: new Uint8Array(await file.arrayBuffer()), contentType: file.type, form };
  }
  if (type.startsWith('image/') || type.startsWith('video/') || type.startsWith('application/pdf') || type.startsWith('text/plain')) {
    return { bytes: new Uint8Array(await c.req.arrayBuffer()), contentType: type };
  }
  throw new DomainError('unsupported_media_type', `send the media as Content-Type image/*, video/*, application/pdf, text/plain or multipart/form-data with a "file" field (got ${JSON.stringify(type.slice(0, 100) || 'none')})`);
}
