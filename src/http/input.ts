/**
 * Builders of request fields, each with the node's own message for every way of getting it wrong
 * (a missing field keeps the generic "is missing" of validation.ts). Used by every route's schemas.
 */
import { z } from '@hono/zod-openapi';
import { CONTROL_CHARACTERS, LONE_SURROGATE } from '../core/text';

/** Free text a client sends: at most `max` characters, no control characters, well-formed Unicode. */
export const plainText = (max: number, what: string) =>
  z
    .string()
    .max(max, `${what} must be at most ${max} characters`)
    .refine((v) => !CONTROL_CHARACTERS.test(v), `${what} must not contain control characters (tabs, line breaks, NUL…)`)
    .refine((v) => !LONE_SURROGATE.test(v), `${what} must be well-formed Unicode (it holds half of a surrogate pair)`);

/** A whole number in [min, max]: one message for every way of missing it but leaving it out. */
export const wholeNumber = (min: number, max: number, what: string) => {
  const message = `${what} must be a whole number from ${min} to ${max}`;
  const error = (iss: { input?: unknown }) => (iss.input === undefined ? undefined : message);
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
};

/**
 * A whole number in [min, max] sent as a query parameter (text): decimal digits only. Number()
 * alone would read an empty value as 0, and take "1e3", "0x10" or " 7 " for numbers.
 */
export const wholeNumberParam = (min: number, max: number, what: string) => {
  const message = `${what} must be a whole number from ${min} to ${max}`;
  const error = (iss: { input?: unknown }) => (iss.input === undefined ? undefined : message);
  return z.preprocess(
    (v) => (typeof v === 'string' && /^[0-9]{1,16}$/.test(v) ? Number(v) : v),
    z.number({ error }).int({ error }).min(min, { error }).max(max, { error }),
  );
};

/** Hex of exactly `digits` characters, either case; parsed to lowercase. */
export const hexOf = (digits: number, what: string, bits = digits * 4) =>
  z
    .string()
    .regex(/^[0-9a-fA-F]*$/, `${what} must be hexadecimal (0-9, a-f)`)
    .length(digits, {
      error: (iss) => (typeof iss.input === 'string' ? `${what} must be ${digits} hex characters (${bits} bits), got ${iss.input.length}` : undefined),
    })
    .toLowerCase();
