/**
 * Reads an uploaded media body (raw `image/*`, `video/*`, `application/pdf` or `text/plain`, or the
 * multipart field `file`) into memory. Never to disk. Whether it is an image, a video, a PDF or a
 * text is decided from its bytes (services/hashing.ts `mediaKind`), not from the declared type; the
 * declared type (the part's, in a multipart body) is handed on for text, which has no magic number,
 * and its charset. So is its size limit: the route let the body through up to the largest of them
 * (route.ts), and what is found inside is held to its own here (an image or a text to MAX_BODY_BYTES,
 * a PDF to PDF_MAX_BYTES).
 */
import type { Context } from 'hono';
import { DomainError } from '../core/errors';
import { shown } from '../core/text';
import { mediaKind, type MediaKind } from '../services/hashing';
import { readBody } from './body';
import type { AppEnv } from './env';

/** The Content-Types a media route takes as a raw body (what it is is then told from its bytes). */
const RAW_MEDIA = ['image/', 'video/', 'application/pdf', 'text/plain'];

/**
 * `fileFields`: the multipart fields the file may come in (HMA's compat lookup names its field after
 * the content type). `form`: the route takes only a multipart form, whose fields this names (a raw
 * body, which has no other fields, is refused saying so).
 */
export async function readMedia(
  c: Context<AppEnv>,
  fileFields: readonly string[] = ['file'],
  opts: { form?: string } = {},
): Promise<{ bytes: Uint8Array; contentType: string; form?: Record<string, string | File | (string | File)[]> }> {
  const type = (c.req.header('content-type') ?? '').toLowerCase();
  let read: { bytes: Uint8Array; contentType: string; form?: Record<string, string | File | (string | File)[]> };
  // JSON sent to a media route: the hashes themselves, which its JSON twin takes.
  const json = /^application\/([\w.+-]+\+)?json\b/.test(type) && c.req.path.endsWith('/media');
  const toJson = json ? `; hashes sent as JSON go to ${c.req.method} ${c.req.path.slice(0, -'/media'.length)}` : '';
  if (opts.form && !type.startsWith('multipart/form-data')) {
    const raw = RAW_MEDIA.some((t) => type.startsWith(t));
    throw new DomainError(
      'unsupported_media_type',
      `${c.req.method} ${c.req.path} takes multipart/form-data with ${opts.form}; this request has ${type ? `Content-Type ${shown(type)}` : 'no Content-Type'}${raw ? ' (a raw body carries no labels; to hash media without sharing it, send it to POST /v1/hash)' : toJson}`,
      { extra: { accepts: ['multipart/form-data'] } },
    );
  }
  if (type.startsWith('multipart/form-data')) {
    let form: Record<string, string | File | (string | File)[]>;
    // Read first, within the body's times (a 408 is not a malformed form); parsed from Hono's copy.
    await readBody(c);
    try {
      form = await c.req.parseBody({ all: true });
    } catch {
      throw new DomainError('invalid_request', 'the multipart body could not be parsed', {
        errors: [{ path: 'body', message: 'malformed multipart/form-data' }],
      });
    }
    const given = fileFields.filter((f) => form[f] !== undefined);
    const file = given.length === 1 ? form[given[0]] : undefined;
    if (!(file instanceof File)) {
      const named = fileFields.map((f) => `"${f}"`).join(' or ');
      const message = given.length > 1 || Array.isArray(file) ? 'more than one file' : 'missing';
      throw new DomainError('invalid_request', `the multipart body needs one file field named ${named}`, {
        errors: [{ path: given[0] ?? fileFields[0], message }],
      });
    }
    read = { bytes: new Uint8Array(await file.arrayBuffer()), contentType: file.type, form };
  } else if (RAW_MEDIA.some((t) => type.startsWith(t))) {
    read = { bytes: await readBody(c), contentType: type };
  } else {
    throw new DomainError(
      'unsupported_media_type',
      `send the media as Content-Type image/*, video/*, application/pdf, text/plain or multipart/form-data with a ${fileFields.map((f) => `"${f}"`).join(' or ')} field (got ${shown(type || 'none')})${toJson}`,
    );
  }
  const { limits, video, documents } = c.var.deps;
  const kind = mediaKind(read.bytes, read.contentType);
  const max: Record<MediaKind, [number, string]> = {
    video: [video.maxBytes, 'videos'],
    pdf: [documents.maxBytes, 'PDFs'],
    image: [limits.maxBodyBytes, 'images'],
    text: [limits.maxBodyBytes, 'texts'],
  };
  const [most, what] = max[kind];
  if (read.bytes.byteLength > most) {
    const others = kind === 'image' || kind === 'text' ? ` (videos up to ${video.maxBytes}, PDFs up to ${documents.maxBytes})` : '';
    throw new DomainError('payload_too_large', `${what} are accepted up to ${most} bytes; this one is ${read.bytes.byteLength}${others}`, {
      extra: { maxBytes: most },
    });
  }
  return read;
}
