/** The delta feed: additions, label changes and retractions in commit order, behind an opaque cursor. */
import { DomainError } from '../core/errors';
import type { VideoFrameHash } from '../core/video';
import type { ChangeRow, HashSnapshot } from '../storage/types';
import type { ServiceDeps } from './deps';
import { frameHashOf } from './sharing';

export const FEED_DEFAULT_LIMIT = 500;
export const FEED_MAX_LIMIT = 1000;
/** A page ends early once its video frames pass this (about 2 MB of JSON); it always holds one entry. */
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

export function encodeCursor(seq: number): string {
  return btoa(`feed:${seq}`).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}

export function decodeCursor(cursor: string): number {
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
  const { page, frames } = await takePage(deps, rows, limit);
  const last = page.length ? page[page.length - 1].seq : after;
  return {
    entries: page.map((r) => {
      const f = frames.get(r.seq);
      return { kind: r.kind, at: new Date(r.at).toISOString(), hash: f ? { ...r.snapshot, frames: f } : r.snapshot };
    }),
    nextCursor: encodeCursor(last),
    hasMore: rows.length > page.length,
  };
}

/**
 * The first changes of `rows` (at most `limit`) whose videos' frames stay within FEED_MAX_FRAMES
 * (always one), and, by change seq, the frames of the videos they add: the change that adds a video
 * carries its frames, read from their own rows. Shared by the partners' feed and the federation feed.
 */
export async function takePage<R extends Pick<ChangeRow, 'seq' | 'kind' | 'hashId' | 'snapshot'>>(deps: Pick<ServiceDeps, 'hashes'>, rows: R[], limit: number): Promise<{ page: R[]; frames: Map<number, VideoFrameHash[]> }> {
  const addsVideo = (r: R) => r.kind === 'add' && r.snapshot.type === 'vpdq';
  const counts = await deps.hashes.frameCounts(rows.slice(0, limit).filter(addsVideo).map((r) => r.hashId));
  let n = 0;
  let frames = 0;
  const framesIn = (r: R) => (addsVideo(r) ? (counts.get(r.hashId) ?? 0) : 0);
  while (n < Math.min(limit, rows.length) && (n === 0 || frames + framesIn(rows[n]) <= FEED_MAX_FRAMES)) frames += framesIn(rows[n++]);
  const page = rows.slice(0, n);
  const byVideo = await deps.hashes.framesOfMany(page.filter(addsVideo).map((r) => r.hashId));
  const out = new Map<number, VideoFrameHash[]>();
  for (const r of page) {
    const f = addsVideo(r) ? byVideo.get(r.hashId) : undefined;
    if (f) out.set(r.seq, f.map(frameHashOf));
  }
  return { page, frames: out };
}
