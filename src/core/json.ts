/** Reading parsed JSON (a peer's answer, a file, a request) without taking its shape on trust. */

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `v[key]` when `v` is an object, else undefined. */
export const member = (v: unknown, key: string): unknown => (isRecord(v) ? v[key] : undefined);

export const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export const count = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** `JSON.parse`, or undefined for text that is not JSON. */
export function parseJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

/** Whether `v` is a whole number from `min` to `max`. */
export const isWholeIn = (v: unknown, min: number, max: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
