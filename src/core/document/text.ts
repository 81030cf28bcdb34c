/**
 * `text/plain` bodies: bytes to a string, in the node's words when they cannot be read.
 *
 * - A byte-order mark decides (UTF-8, UTF-16 LE or BE), as the WHATWG Encoding Standard has it;
 *   else the `charset` the client declared; else UTF-8.
 * - Any label the Encoding Standard knows is taken (windows-1252, iso-8859-x, koi8-r, shift_jis,
 *   gb18030, big5, euc-kr, utf-16le, …); another is 415 naming it.
 * - Bytes that are not valid in the encoding are refused (422 `corrupt_media`), never replaced: a
 *   digest of U+FFFD runs would match other broken texts rather than this one.
 * - A NUL character is refused too: it is binary data, or UTF-16 sent without its byte-order mark
 *   or charset, whose digest would be of every other byte.
 */
import { DomainError } from '../errors';

export interface DecodedText {
  text: string;
  /** The encoding it was read in (the Encoding Standard's name, e.g. utf-8, windows-1252, utf-16le). */
  encoding: string;
}

function bomEncoding(b: Uint8Array): string | null {
  if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return 'utf-8';
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe) return 'utf-16le';
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) return 'utf-16be';
  return null;
}

/** The `charset` parameter of a Content-Type, lower-cased and unquoted, or null. */
export function charsetOf(contentType: string | undefined): string | null {
  const m = /;\s*charset\s*=\s*("?)([^";\s]*)\1/i.exec(contentType ?? '');
  return m?.[2] ? m[2].toLowerCase() : null;
}

export function decodeText(bytes: Uint8Array, charset: string | null): DecodedText {
  const label = bomEncoding(bytes) ?? charset ?? 'utf-8';
  let decoder: TextDecoder;
  try {
    // fatal: invalid bytes throw instead of becoming U+FFFD. The decoder drops a leading BOM.
    decoder = new TextDecoder(label, { fatal: true });
  } catch {
    throw new DomainError(
      'unsupported_media_type',
      `charset ${JSON.stringify(label.slice(0, 40))} is not an encoding this node reads; send UTF-8 or name a charset of the WHATWG Encoding Standard (e.g. windows-1252, iso-8859-2, shift_jis, utf-16le)`,
    );
  }
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch (e) {
    throw new DomainError(
      'corrupt_media',
      `the text is not valid ${decoder.encoding}; send it as UTF-8 or name its encoding (Content-Type: text/plain; charset=…)`,
      { cause: e },
    );
  }
  const nul = text.indexOf('\u0000');
  if (nul >= 0) {
    throw new DomainError(
      'corrupt_media',
      `the text holds a NUL character (at character ${nul}): it is binary data, or UTF-16 without its byte-order mark; name its charset (text/plain; charset=utf-16le)`,
    );
  }
  return { text, encoding: decoder.encoding };
}
