/** Reading JSON the node (or a proxy in front of it) sent, without taking its shape on trust. */

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `v[key]` when `v` is an object, else undefined. */
export const member = (v: unknown, key: string): unknown => (isRecord(v) ? v[key] : undefined);

export const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export const count = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
