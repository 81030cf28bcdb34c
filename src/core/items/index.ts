/**
 * Items (issue 14 item 5): the hashes of one shared piece of media, each under the variant of the
 * media it was computed from. An item is named by its origin node and the media's SHA-256, so
 * every share of the same bytes at one node, concurrent or not, names the same item, and a node
 * that pulls the item can check its id.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '../hex';

/** The media kinds an item can be. */
export const ITEM_KINDS = ['image', 'video', 'pdf', 'text'] as const;
export type ItemKind = (typeof ITEM_KINDS)[number];

/** The variant of the media as shared (exact and perceptual hashes of the unchanged bytes). */
export const WHOLE = 'whole';

/** A variant name: lowercase letters, digits and dashes (`whole`, `trim`, `crop-…`, `deskew`). */
export const VARIANT_PATTERN = /^[a-z0-9][a-z0-9-]{0,31}$/;

/** Item ids: UUID-shaped (version 8, RFC 9562), lowercase. */
export const ITEM_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** An item id as a person may copy it: UUIDs compare without regard to case (RFC 9562 §4). */
export const ITEM_ID_ANY_CASE = new RegExp(ITEM_ID_PATTERN.source, 'i');

/** One of the items a hash belongs to, and the variant it was computed from there. */
export interface ItemRef {
  id: string;
  variant: string;
}

/**
 * The id of the item of media whose SHA-256 is `mediaSha256`, shared at the node whose public URL
 * is `origin`: the first 128 bits of SHA-256 over both, written as a version-8 UUID.
 */
export function itemId(origin: string, mediaSha256: string): string {
  const d = sha256(new TextEncoder().encode(`media-hash-node item\u0000${origin}\u0000${mediaSha256.toLowerCase()}`)).slice(0, 16);
  d[6] = (d[6] & 0x0f) | 0x80;
  d[8] = (d[8] & 0x3f) | 0x80;
  const h = bytesToHex(d);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export const isItemKind = (x: unknown): x is ItemKind => ITEM_KINDS.some((k) => k === x);

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** An array of `{id, variant, …}` objects as JSON text (a database's json_group_array), read member by member; others are left out. */
export function itemRefsFromJson(text: string): (ItemRef & Record<string, unknown>)[] {
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed)) return [];
  return parsed.flatMap((x: unknown) =>
    isRecord(x) && typeof x.id === 'string' && typeof x.variant === 'string' ? [{ ...x, id: x.id, variant: x.variant }] : [],
  );
}
