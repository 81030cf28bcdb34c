/**
 * Sharing, retracting and feedback. Each use-case checks its input and hands the ledger one commit;
 * what the commit does (new hash or not, status, feed rows, audit entries) is decided inside it, so
 * concurrent requests cannot interleave. It then waits for this process's change follower to apply
 * the commit (index, caches) before answering.
 */
import type { Principal } from '../core/auth';
import { DomainError, type FieldProblem } from '../core/errors';
import type { HashType } from '../core/hashes';
import { unknownLabels } from '../core/hashes';
import type { PdfPageHash } from '../core/document';
import { usableFrameMask, type VideoFrameHash } from '../core/video';
import type { ShareOutcome, VideoFrameRow, Verdict } from '../storage/types';
import type { ServiceDeps } from './deps';
import { PDQ_MIN_SHARE_QUALITY } from './hashing';
import { checkItem, type ItemInput } from './item-checks';

export interface ShareItem extends ItemInput {
  labels: string[];
  externalId?: string;
  /** PDQ quality when known; below 50 the hash is refused (422). */
  quality?: number;
}

export type { ShareOutcome };

export interface ShareResult {
  id: string;
  type: HashType;
  value: string;
  /** True when the node did not hold this hash before. */
  created: boolean;
  /** created: new hash; added: your contribution joined others'; updated: your labels changed; unchanged: already shared so. */
  outcome: ShareOutcome;
}

export function checkBatchSize(n: number, max: number, what: string): void {
  if (n === 0) throw new DomainError('invalid_request', `${what} must hold at least one item`, { errors: [{ path: what, message: 'empty' }] });
  if (n > max) throw new DomainError('batch_too_large', `${what} holds ${n} items; at most ${max} are accepted in one request`, { errors: [{ path: what, message: `more than ${max} items` }] });
}

/**
 * Frames in one request, over all its vpdq items: matching costs grow with them (a still scene
 * hits every similar stored frame), so a match request carries at most one longest video's worth;
 * a share request, which only stores them, ten.
 */
export function checkFrameTotal(items: { type: string; frames?: unknown; pages?: unknown }[], max: number, what: string, maxPages = Infinity): void {
  const total = items.reduce((n, it) => n + (it.type === 'vpdq' && Array.isArray(it.frames) ? it.frames.length : 0), 0);
  if (total > max) {
    throw new DomainError('batch_too_large', `the vpdq items of this request hold ${total} frames; at most ${max} are taken in one request (split it)`, {
      errors: [{ path: what, message: `more than ${max} frames in all` }],
    });
  }
  // PDF pages likewise: at most one largest PDF's worth per match request, ten per share.
  const pages = items.reduce((n, it) => n + (it.type === 'pdf' && Array.isArray(it.pages) ? it.pages.length : 0), 0);
  if (pages > maxPages) {
    throw new DomainError('batch_too_large', `the pdf items of this request hold ${pages} pages; at most ${maxPages} are taken in one request (split it)`, {
      errors: [{ path: what, message: `more than ${maxPages} pages in all` }],
    });
  }
}

export async function shareHashes(deps: ServiceDeps, who: Principal, items: ShareItem[]): Promise<ShareResult[]> {
  checkBatchSize(items.length, deps.limits.maxBatch, 'items');
  const maxPages = deps.documents.limits.maxPages;
  checkFrameTotal(items, 10 * deps.video.decode.maxFrames, 'items', 10 * maxPages);
  const problems: FieldProblem[] = [];
  const wanted = new Map<string, { type: HashType; value: string; labels: Set<string>; externalId: string | null; frames?: VideoFrameHash[]; pages?: PdfPageHash[]; urlScope?: string }>();
  const keyOf: string[] = [];
  items.forEach((it, i) => {
    const r = checkItem(it, `items/${i}`, { maxFrames: deps.video.decode.maxFrames, maxPages }, 'share');
    const unknown = unknownLabels(it.labels);
    if (unknown.length) problems.push({ path: `items/${i}/labels`, message: `unknown label(s): ${unknown.join(', ')}; see GET /v1/labels` });
    if ('problems' in r) return void problems.push(...r.problems);
    const key = `${r.type}:${r.value}`;
    keyOf[i] = key;
    const prev = wanted.get(key);
    if (prev) for (const l of it.labels) prev.labels.add(l);
    else wanted.set(key, { type: r.type, value: r.value, labels: new Set(it.labels), externalId: it.externalId ?? null, frames: r.frames, pages: r.pages, urlScope: r.url?.scope });
  });
  if (problems.length) throw new DomainError('invalid_request', problems[0].message, { errors: problems });
  const weak = items.flatMap((it, i) => (it.type === 'pdq' && it.quality !== undefined && it.quality < PDQ_MIN_SHARE_QUALITY ? [{ path: `items/${i}/quality`, message: `PDQ quality ${it.quality} is below ${PDQ_MIN_SHARE_QUALITY}` }] : []));
  items.forEach((it, i) => {
    const w = keyOf[i] && wanted.get(keyOf[i]);
    if (w && w.frames && !usableFrameMask(w.frames).some(Boolean)) {
      weak.push({ path: `items/${i}/frames`, message: `no frame of the video has PDQ quality ${PDQ_MIN_SHARE_QUALITY} or more` });
    }
    if (w && w.pages && !usableFrameMask(w.pages).some(Boolean)) {
      weak.push({ path: `items/${i}/pages`, message: `no page of the PDF has PDQ quality ${PDQ_MIN_SHARE_QUALITY} or more (blank pages?); share its tlsh, md5 or sha256 instead` });
    }
  });
  if (weak.length) {
    throw new DomainError('low_quality', `PDQ hashes of quality below ${PDQ_MIN_SHARE_QUALITY} are not shared: they come from flat, blank or tiny images and match unrelated media (${weak[0].message})`, { errors: weak });
  }

  const committed = await deps.ledger.share({
    at: deps.now(),
    contributor: who.clientId,
    items: [...wanted.values()].map((w) => ({
      type: w.type,
      value: w.value,
      labels: [...w.labels].sort(),
      externalId: w.externalId,
      ...(w.frames ? { frames: frameRows(w.frames), auditExtra: { frames: w.frames.length } } : {}),
      // A PDF's pages are stored as a video's frames are: page number as the frame, no timestamp.
      ...(w.pages ? { frames: pageRows(w.pages), auditExtra: { pages: w.pages.length } } : {}),
      // Whether a url value asks for the URL, its host or its folder; never the URL itself.
      ...(w.urlScope ? { auditExtra: { scope: w.urlScope } } : {}),
    })),
  });
  await deps.follower.catchUp(committed.lastChange);
  deps.metrics.shared([...wanted.values()].map((w, i) => ({ type: w.type, outcome: committed.items[i].outcome })));
  const results = new Map([...wanted].map(([key, w], i) => {
    const r = committed.items[i];
    return [key, { id: r.id, type: w.type, value: w.value, created: r.outcome === 'created', outcome: r.outcome }];
  }));
  return keyOf.map((k) => results.get(k)!);
}

function frameRows(frames: VideoFrameHash[]): Omit<VideoFrameRow, 'seq' | 'hashId'>[] {
  const usable = usableFrameMask(frames);
  return frames.map((f, i) => ({ frame: f.index, timestampMs: Math.round(f.timestamp * 1000), quality: f.quality, value: f.hash, indexed: usable[i] }));
}

function pageRows(pages: PdfPageHash[]): Omit<VideoFrameRow, 'seq' | 'hashId'>[] {
  const usable = usableFrameMask(pages);
  return pages.map((p, i) => ({ frame: p.page, timestampMs: 0, quality: p.quality, value: p.hash, indexed: usable[i] }));
}

export function pageHashOf(f: VideoFrameRow): PdfPageHash {
  return { page: f.frame, hash: f.value, quality: f.quality };
}

export function frameHashOf(f: VideoFrameRow): VideoFrameHash {
  return { index: f.frame, timestamp: f.timestampMs / 1000, hash: f.value, quality: f.quality };
}

export interface RetractResult {
  id: string;
  status: 'active' | 'retracted';
  contributors: number;
}

export async function retractHash(deps: ServiceDeps, who: Principal, id: string): Promise<RetractResult> {
  const h = await deps.hashes.getById(id);
  if (!h) throw new DomainError('not_found', `no hash with id ${id}`);
  const isAdmin = who.role === 'admin';
  // Contributions are never deleted, so whether the caller ever shared it is settled by this read.
  if (!isAdmin && !h.contributions.some((c) => c.contributor === who.clientId)) throw new DomainError('forbidden', 'you can only retract hashes you shared');
  const r = await deps.ledger.retract({ at: deps.now(), actor: who.clientId, hashId: id, type: h.type, value: h.value, contributor: isAdmin ? null : who.clientId });
  await deps.follower.catchUp(r.lastChange);
  return { id, status: r.status, contributors: r.contributors };
}

export interface FeedbackResult {
  id: string;
  verdict: Verdict;
  feedback: { confirm: number; dispute: number };
}

export async function giveFeedback(deps: ServiceDeps, who: Principal, id: string, verdict: Verdict, reason: string | null): Promise<FeedbackResult> {
  const h = await deps.hashes.getById(id);
  if (!h) throw new DomainError('not_found', `no hash with id ${id}`);
  const r = await deps.ledger.feedback({ at: deps.now(), member: who.clientId, hashId: id, verdict, reason });
  if (r.outcome === 'retracted') throw new DomainError('conflict', `hash ${id} has been retracted; feedback is taken on active hashes only`);
  await deps.follower.catchUp(r.lastChange);
  return { id, verdict, feedback: { confirm: r.confirm, dispute: r.dispute } };
}
