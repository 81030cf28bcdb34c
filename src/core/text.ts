/** What free text from elsewhere (a client, a peer) may not hold. */

/** Control characters (C0, DEL, C1): refused in every free text a client or a peer sends (names, references, reasons, labels). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is this pattern's purpose
export const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

/** Half of a UTF-16 surrogate pair without its other half: not a character, and not valid in UTF-8 or canonical JSON. */
export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** `s` with each run of control characters made one space (a line for a log or a stored error). */
export const withoutControls = (s: string): string => s.replace(new RegExp(`${CONTROL_CHARACTERS.source}+`, 'g'), ' ');

/** What a message never echoes raw: C0 and C1 controls, DEL, line and paragraph separators, bidirectional overrides and isolates. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: escaping control characters is this pattern's purpose
const UNECHOED = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * A value a client sent, as a message quotes it: a string in JSON quotes, cut after `max` characters
 * with an ellipsis (never inside a surrogate pair) and its control characters escaped (`\u0000`), so
 * a message stays one short line whatever was sent; anything else by its kind.
 */
export function shown(v: unknown, max = 40): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'string') {
    const end = v.length > max && /[\uD800-\uDBFF]/.test(v[max - 1]) ? max - 1 : max;
    const cut = v.length > max ? `${v.slice(0, end)}…` : v;
    return JSON.stringify(cut).replace(UNECHOED, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  }
  if (typeof v === 'number') return Number.isNaN(v) ? 'not a number' : String(v);
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return String(v);
}

/**
 * Where bytes stop being UTF-8: the offset of the first byte of the first ill-formed sequence (the
 * WHATWG decoder's rules: no overlong forms, no surrogates, nothing above U+10FFFF, nothing cut
 * short), or -1 when they are all well-formed.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let more: number;
    let lower = 0x80;
    let upper = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) more = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      more = 2;
      if (b === 0xe0) lower = 0xa0;
      if (b === 0xed) upper = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      more = 3;
      if (b === 0xf0) lower = 0x90;
      if (b === 0xf4) upper = 0x8f;
    } else return i;
    for (let k = 1; k <= more; k++) {
      const next = bytes[i + k];
      if (next === undefined || next < (k === 1 ? lower : 0x80) || next > (k === 1 ? upper : 0xbf)) return i;
    }
    i += more + 1;
  }
  return -1;
}
