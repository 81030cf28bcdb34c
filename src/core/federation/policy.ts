/**
 * What a pulling node does with a checked batch (which labels it takes from the peer, one state per
 * hash), how long it waits after a failure, and what a peer URL may be. Pure.
 */
import type { PdfPageHash } from '../document';
import type { HashType } from '../hashes';
import type { VideoFrameHash } from '../video';
import type { CheckedItem, ServedItemRef } from './batch';

export interface MergedItem {
  type: HashType;
  value: string;
  /** Standing here: not retracted at the origin, and holding a label this node takes from the peer. */
  active: boolean;
  labels: string[];
  contributors: number;
  externalId: string | null;
  frames?: VideoFrameHash[];
  pages?: PdfPageHash[];
  /**
   * The items the hash belongs to at the origin. Active here: those its last change names (the items
   * standing there; the puller drops its links to the others). Else every one any of its changes in
   * the batch named (a tombstone names every item the hash was part of).
   */
  items?: ServedItemRef[];
}

/**
 * One state per hash (type, value), the last the batch gives (each item is the hash's state after
 * its change), with the frames (pages) of any item that carried them. `accept`: the labels taken from this
 * peer (null: all); a hash left with none of them is not taken (inactive), its labels not stored.
 */
export function mergeBatchItems(items: readonly CheckedItem[], accept: readonly string[] | null): MergedItem[] {
  const taken = accept ? new Set(accept) : null;
  const byKey = new Map<string, MergedItem>();
  for (const it of items) {
    const key = `${it.type}:${it.value}`;
    const labels = taken ? it.labels.filter((l) => taken.has(l)) : it.labels;
    const active = it.op !== 'retract' && (taken === null || labels.length > 0);
    const frames = it.frames ?? byKey.get(key)?.frames;
    const pages = it.pages ?? byKey.get(key)?.pages;
    const refs = new Map((active ? [] : (byKey.get(key)?.items ?? [])).map((r) => [r.id, r]));
    for (const r of it.items ?? []) if (!refs.has(r.id)) refs.set(r.id, r);
    byKey.delete(key); // re-inserted at the end: the order of last changes
    byKey.set(key, {
      type: it.type,
      value: it.value,
      active,
      labels: active ? labels : [],
      contributors: it.contributors,
      externalId: active ? it.externalId : null,
      ...(frames ? { frames } : {}),
      ...(pages ? { pages } : {}),
      ...(refs.size ? { items: [...refs.values()] } : {}),
    });
  }
  return [...byKey.values()];
}

/**
 * Exponential backoff with jitter after `failures` failures in a row: base × 2^(failures−1), at most
 * `maxMs`, then a random share of it between a half and the whole ("equal jitter"), so that pullers
 * that failed together do not all come back at the same moment.
 */
export function backoffDelay(failures: number, baseMs: number, maxMs: number, random: () => number): number {
  if (failures <= 0) return 0;
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(failures - 1, 30));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/** A peer's URL as stored: absolute http(s), no credentials, query or fragment, no trailing slash. */
export function peerUrl(text: string): { url: string } | { problem: string } {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return { problem: `${JSON.stringify(text)} is not an absolute URL (give the peer's PUBLIC_URL, like https://hashes.example.org)` };
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return { problem: `${JSON.stringify(text)} is not an http(s) URL` };
  if (u.username || u.password || u.search || u.hash) return { problem: `${JSON.stringify(text)} must be a plain URL, without credentials, query or fragment` };
  return { url: `${u.origin}${u.pathname}`.replace(/\/+$/, '') };
}
