/** What free text from elsewhere (a client, a peer) may not hold. */

/** Control characters (C0, DEL, C1): refused in every free text a client or a peer sends (names, references, reasons, labels). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is this pattern's purpose
export const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

/** Half of a UTF-16 surrogate pair without its other half: not a character, and not valid in UTF-8 or canonical JSON. */
export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** `s` with each run of control characters made one space (a line for a log or a stored error). */
export const withoutControls = (s: string): string => s.replace(new RegExp(`${CONTROL_CHARACTERS.source}+`, 'g'), ' ');
