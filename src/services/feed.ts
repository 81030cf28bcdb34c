/** The delta feed: additions, label changes and retractions in commit order, behind an opaque cursor. */
import { DomainError } from '../core/errors';
import { bytesToHex } from '../core/hex';
import type { PdfPageHash } from '../core/document';
import { isListHashType } from '../core/hashes';
import type { VideoFrameHash } from '../core/video';
import type { ChangeRow, HashSnapshot, LoggedChange } from '../storage/types';
import type { ServiceDeps } from './deps';
import { frameHashOf, pageHashOf } from './sharing';

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

/*
 * Cursors, opaque to readers (base64url). `feed:<seq>:<tag>` points after change `seq` of this
 * node's change log, and `tag` is a digest of that change's place, time, kind and subject (not its
 * snapshot text, which a migration may rewrite, as drizzle/0004 did): the cursor is taken only while
 * the log holds that very change at that position. A log restored from an older copy and written
 * since holds other changes at the positions the copy lacked; read on from such a position, the
 * changes the restore lost stay with the reader and the ones made since, below the position, never
 * reach it, without a word. So a cursor naming a change this log does not hold there is refused
 * (409), whether it is ahead of the log or not. The bare `feed:<seq>`, issued before cursors carried
 * a tag and still held by partners and peers, is taken as before (refused only when ahead of the
 * log); every nextCursor answered to it carries a tag. Position 0, the start, has none.
 */

const CURSOR = /^feed:(\d{1,15})(?::([0-9a-f]{16}))?$/;

export interface FeedCursor {
  /** The change-log position it points after. */
  seq: number;
  /** The digest of the change at `seq` (null: a bare cursor, from before tags, or the start). */
  tag: string | null;
}

export function encodeCursor(seq: number, tag: string | null = null): string {
  return btoa(tag ? `feed:${seq}:${tag}` : `feed:${seq}`)
    .replace(/=+$/, '')
    .replace(/\+/g, '-')
    .replace(/\//g, '_');
}

export function decodeCursor(cursor: string): FeedCursor {
  let text: string;
  try {
    text = atob(cursor.replace(/-/g, '+').replace(/_/g, '/'));
  } catch {
    text = '';
  }
  const m = CURSOR.exec(text);
  if (!m)
    throw new DomainError('invalid_request', 'cursor is not one this node issued; start without a cursor or pass back nextCursor unchanged', {
      errors: [{ path: 'cursor', message: 'not a valid cursor' }],
    });
  return { seq: Number(m[1]), tag: m[2] ?? null };
}

/**
 * 64 bits of the SHA-256 of the change-log row at `seq` (of a position without a row, when the log
 * has a gap there): its place, time, kind and subject, never its snapshot text, so a migration that
 * rewrites snapshots leaves every cursor good.
 */
async function changeTag(seq: number, row: Pick<LoggedChange, 'at' | 'kind' | 'subject'> | null): Promise<string> {
  const text = JSON.stringify(row ? [seq, row.at, row.kind, row.subject] : [seq]);
  return bytesToHex(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))).subarray(0, 8));
}

/** The cursor that points after change `seq` of this node's log as it stands (one seek of the log). */
export async function cursorAfter(deps: Pick<ServiceDeps, 'hashes'>, seq: number): Promise<string> {
  return seq === 0 ? encodeCursor(0) : encodeCursor(seq, await changeTag(seq, await deps.hashes.changeAt(seq)));
}

/** The cursor that points after a change of the log already read (a page's last row): no seek. */
export async function cursorAfterRow(row: Pick<ChangeRow, 'seq' | 'at' | 'kind' | 'hashId'>): Promise<string> {
  return encodeCursor(row.seq, await changeTag(row.seq, { at: row.at, kind: row.kind, subject: row.hashId }));
}

/** A cursor as checked against this node's log. */
export interface CheckedCursor {
  /** The position it points after. */
  seq: number;
  /** The cursor pointing after `seq` as this node issues it now, when the check read it (a tagged cursor): a page that reads nothing past `seq` answers it again, without reading the log once more. */
  again: string | null;
  /** The log holds a change at `seq`, so the cursor is not ahead of it. */
  held: boolean;
}

/**
 * The position a cursor points after, once this node's log is shown to hold, at that position, the
 * change the cursor names (one seek of the log; a second, of the log's end, only when it holds no
 * change there). A bare cursor is only decoded: the caller checks that it is not ahead of the log.
 */
export async function checkCursor(deps: Pick<ServiceDeps, 'hashes'>, cursor: string): Promise<CheckedCursor> {
  const { seq, tag } = decodeCursor(cursor);
  if (tag === null) return { seq, again: null, held: false };
  const row = await deps.hashes.changeAt(seq);
  if (row === null) {
    const end = await deps.hashes.lastChange();
    if (seq > end) throw cursorAhead(seq, end);
  }
  if ((await changeTag(seq, row)) !== tag) throw cursorDiverged(seq, row !== null);
  return { seq, again: encodeCursor(seq, tag), held: row !== null };
}

/** What a reader refused a cursor does: what it kept from this node's old log may hold hashes this log no longer does. */
const START_OVER =
  'start over: read the feed again without a cursor and rebuild or replace what you keep from this node with what it serves (what you keep from before and it does not serve again is no longer held here, and stays with you if you only read on)';
const RESTORED = 'issued by another node, or by this one before its database was restored from an older copy (a backup, D1 Time Travel)';

/**
 * A cursor past the end of this node's change log was not issued by it as it stands: another
 * node's, or this node's before its database was restored from an older copy. Read from there, the
 * changes made since would be skipped without a word (retractions among them), so it is refused.
 */
export function cursorAhead(after: number, end: number): DomainError {
  return new DomainError(
    'conflict',
    `cursor is ahead of this node's change log (it points after change ${after}, the log ends at ${end}): it was ${RESTORED}; ${START_OVER}`,
    { errors: [{ path: 'cursor', message: `ahead of this node's change log (${after} > ${end})` }] },
  );
}

/** A cursor naming a change this node's log does not hold at its position: the log it was issued from has diverged from this one. */
export function cursorDiverged(after: number, held: boolean): DomainError {
  const here = held ? `change ${after} here is another one` : `this log holds no change ${after}`;
  return new DomainError(
    'conflict',
    `cursor names a change this node's change log does not hold (${here}): it was ${RESTORED} and written to since, so changes read from that cursor would be skipped or lost without a word; ${START_OVER}`,
    { errors: [{ path: 'cursor', message: `change ${after} of this node's change log is not the one the cursor names` }] },
  );
}

export async function readFeed(deps: ServiceDeps, cursor: string | undefined, limit = FEED_DEFAULT_LIMIT): Promise<FeedPage> {
  const checked: CheckedCursor = cursor ? await checkCursor(deps, cursor) : { seq: 0, again: null, held: false };
  const after = checked.seq;
  const rows = await deps.hashes.changesSince(after, limit + 1);
  if (rows.length === 0 && after > 0 && !checked.held) {
    const end = await deps.hashes.lastChange();
    if (after > end) throw cursorAhead(after, end);
  }
  const { page, lists } = await takePage(deps, rows, limit);
  const last = page.at(-1);
  return {
    entries: page.map((r) => ({ kind: r.kind, at: new Date(r.at).toISOString(), hash: { ...r.snapshot, ...lists.get(r.seq) } })),
    // After the page's last row, from the row; an idle poll (nothing past the cursor) answers the
    // cursor it was given, checked: two reads in all.
    nextCursor: last ? await cursorAfterRow(last) : (checked.again ?? (await cursorAfter(deps, after))),
    hasMore: rows.length > page.length,
  };
}

/** What the change that adds a video or a PDF carries: its frames, or its pages. */
export type PartList = { frames: VideoFrameHash[] } | { pages: PdfPageHash[] };

/**
 * The first changes of `rows` (at most `limit`) whose videos' frames and PDFs' pages stay within
 * FEED_MAX_FRAMES (always one), and, by change seq, the frames of the videos and the pages of the
 * PDFs they add: the change that adds one carries them, read from their own rows. Shared by the
 * partners' feed and the federation feed.
 */
export async function takePage<R extends Pick<ChangeRow, 'seq' | 'kind' | 'hashId' | 'snapshot'>>(
  deps: Pick<ServiceDeps, 'hashes'>,
  rows: R[],
  limit: number,
): Promise<{ page: R[]; lists: Map<number, PartList> }> {
  const addsVideo = (r: R) => r.kind === 'add' && isListHashType(r.snapshot.type);
  const counts = await deps.hashes.frameCounts(
    rows
      .slice(0, limit)
      .filter(addsVideo)
      .map((r) => r.hashId),
  );
  let n = 0;
  let frames = 0;
  const framesIn = (r: R) => (addsVideo(r) ? (counts.get(r.hashId) ?? 0) : 0);
  while (n < Math.min(limit, rows.length) && (n === 0 || frames + framesIn(rows[n]) <= FEED_MAX_FRAMES)) frames += framesIn(rows[n++]);
  const page = rows.slice(0, n);
  const byVideo = await deps.hashes.framesOfMany(page.filter(addsVideo).map((r) => r.hashId));
  const out = new Map<number, PartList>();
  for (const r of page) {
    const f = addsVideo(r) ? byVideo.get(r.hashId) : undefined;
    if (f) out.set(r.seq, r.snapshot.type === 'pdf' ? { pages: f.map(pageHashOf) } : { frames: f.map(frameHashOf) });
  }
  return { page, lists: out };
}
