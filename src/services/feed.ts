/** The delta feed: additions, label changes and retractions in commit order, behind an opaque cursor. */
import { DomainError } from '../core/errors';
import type { HashSnapshot } from '../storage/types';
import type { ServiceDeps } from './deps';
import { frameHashOf, pageHashOf } from './sharing';
import { isListHashType } from '../core/hashes';

export const FEED_DEFAULT_LIMIT = 500;
export const FEED_MAX_LIMIT = 1000;
/** A page ends early once its video frames and PDF pages pass this (about 2 MB of JSON); it always holds one entry. */
const FEED_MAX_FRAMES = 20_000;

export interface FeedEntry {
  kind: 'add' | 'update' | 'retract';
  at: string;
  hash: HashSnapshot;
}

export interface FeedPage {
  entries: FeedEntry[];
  /** Pass back to get what came after; the same cursor is returned when nothing newer exists yet. */
  nextCursor: string;
  /** True when more entries are waiting beyond this page. */
  hasMore: boolean;
}

function encodeCursor(seq: number): string {
  return btoa(`feed:${seq}`).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}

function decodeCursor(cursor: string): number {
  let text: string;
  try {
    text = atob(cursor.replace(/-/g, '+').replace(/_/g, '/'));
  } catch {
    text = '';
  }
  const m = /^feed:(\d{1,15})$/.exec(text);
  if (!m) throw new DomainError('invalid_request', 'cursor is not one this node issued; start without a cursor or pass back nextCursor unchanged', { errors: [{ path: 'cursor', message: 'not a valid cursor' }] });
  return Number(m[1]);
}

export async function readFeed(deps: ServiceDeps, cursor: string | undefined, limit = FEED_DEFAULT_LIMIT): Promise<FeedPage> {
  const after = cursor ? decodeCursor(cursor) : 0;
  const rows = await deps.hashes.changesSince(after, limit + 1);
  // The change that adds a video (a PDF) carries its frames (pages), read from their own rows.
  const videos = (list: typeof rows) => list.filter((r) => r.kind === 'add' && isListHashType(r.snapshot.type)).map((r) => r.hashId);
  const counts = await deps.hashes.frameCounts(videos(rows.slice(0, limit)));
  let n = 0;
  let frames = 0;
  const framesIn = (r: (typeof rows)[number]) => (r.kind === 'add' && isListHashType(r.snapshot.type) ? (counts.get(r.hashId) ?? 0) : 0);
  while (n < Math.min(limit, rows.length) && (n === 0 || frames + framesIn(rows[n]) <= FEED_MAX_FRAMES)) frames += framesIn(rows[n++]);
  const page = rows.slice(0, n);
  const byVideo = await deps.hashes.framesOfMany(videos(page));
  const last = page.length ? page[page.length - 1].seq : after;
  return {
    entries: page.map((r) => {
      const f = r.kind === 'add' ? byVideo.get(r.hashId) : undefined;
      const list = !f ? {} : r.snapshot.type === 'pdf' ? { pages: f.map(pageHashOf) } : { frames: f.map(frameHashOf) };
      return { kind: r.kind, at: new Date(r.at).toISOString(), hash: { ...r.snapshot, ...list } };
    }),
    nextCursor: encodeCursor(last),
    hasMore: rows.length > n,
  };
}
