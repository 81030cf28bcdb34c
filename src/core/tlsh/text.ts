/**
 * What the node hashes for text (`text/plain` bodies, the text extracted from PDFs): the TLSH of the
 * UTF-8 bytes of the normalised text. Normalisation, in this order:
 *
 * 1. Unicode NFKC: compatibility forms fold to their plain letters (full-width Ａ, ligature ﬁ,
 *    superscript ², non-breaking and other typographic spaces to U+0020), composed accents;
 * 2. lower case by Unicode's default, locale-independent mapping (`toLowerCase`, never the locale
 *    variant: Turkish dotless i and friends do not depend on the machine), then NFKC again, so a
 *    letter whose lower case decomposes (İ -> i + U+0307) is normalised too and the function is
 *    idempotent;
 * 3. every run of Unicode White_Space (spaces, tabs, CR, LF, U+0085, U+2028, ...) becomes one
 *    space, and the ends are trimmed.
 *
 * So re-typesetting (other line breaks, justified spacing, a PDF's layout) and case changes do not
 * move the digest. Zero-width characters (U+200B, U+200D, U+FEFF) are not White_Space and are kept:
 * a decoded `text/plain` body has already lost a leading byte-order mark (TextDecoder drops it).
 *
 * python-threatexchange's `text_tlsh` does none of this: it hashes `text.encode()` (the raw UTF-8)
 * and compares with `diffxlen`. A digest it computed on text that differs only in case or spacing
 * will be farther from the node's than from its own; the two agree exactly on text that is already
 * normalised (lower case, single spaces, NFKC).
 */
import { tlshDigest } from './digest';

const WHITE_SPACE_RUN = /\p{White_Space}+/gu;

export function normaliseText(s: string): string {
  const folded = s.normalize('NFKC').toLowerCase().normalize('NFKC');
  const collapsed = folded.replace(WHITE_SPACE_RUN, ' ');
  const start = collapsed.startsWith(' ') ? 1 : 0;
  const end = collapsed.endsWith(' ') && collapsed.length > start ? collapsed.length - 1 : collapsed.length;
  return collapsed.slice(start, end);
}

const utf8 = new TextEncoder();

/** The node's `tlsh` hash of a text: TLSH of the UTF-8 of `normaliseText(s)`, or null when refused. */
export function textTlsh(s: string): string | null {
  return tlshDigest(utf8.encode(normaliseText(s)));
}
