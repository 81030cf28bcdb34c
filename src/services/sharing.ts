/**
 * Sharing, retracting and feedback. Each use-case reads the current state, decides the whole change,
 * and commits it with its feed rows and audit entries in one WriteSet; the index follows the commit.
 */
import { auditRow } from '../core/audit-event';
import type { Principal } from '../core/auth';
import { DomainError, type FieldProblem } from '../core/errors';
import { checkHash, type HashType } from '../core/hashes';
import { unknownLabels } from '../core/labels';
import { checkVideoFrames, usableFrameMask, vpdqDigest, type VideoFrameHash } from '../core/video';
import type { ContributionRow, HashDetail, IndexEntry, VideoFrameRow, Verdict, WriteSet } from '../storage/types';
import type { ServiceDeps } from './deps';
import { PDQ_MIN_SHARE_QUALITY } from './hashing';
import { activeContributions, feedbackCounts, snapshotOf } from './views';

export interface ShareItem {
  type: string;
  /** For vpdq: the frames' digest, or left out. */
  value?: string;
  labels: string[];
  externalId?: string;
  /** PDQ quality when known; below 50 the hash is refused (422). */
  quality?: number;
  /** vpdq: the frames; `value`, when given, must be their digest. */
  frames?: unknown;
}

export type ShareOutcome = 'created' | 'added' | 'updated' | 'unchanged';

export interface ShareResult {
  id: string;
  type: HashType;
  value: string;
  /** True when the node did not hold this hash before. */
  created: boolean;
  /** created: new hash; added: your contribution joined others'; updated: your labels changed; unchanged: already shared so. */
  outcome: ShareOutcome;
}

const LOCAL = '';

export function checkBatchSize(n: number, max: number, what: string): void {
  if (n === 0) throw new DomainError('invalid_request', `${what} must hold at least one item`, { errors: [{ path: what, message: 'empty' }] });
  if (n > max) throw new DomainError('batch_too_large', `${what} holds ${n} items; at most ${max} are accepted in one request`, { errors: [{ path: what, message: `more than ${max} items` }] });
}

/**
 * Frames in one request, over all its vpdq items: matching costs grow with them (a still scene
 * hits every similar stored frame), so a match request carries at most one longest video's worth;
 * a share request, which only stores them, ten.
 */
export function checkFrameTotal(items: { type: string; frames?: unknown }[], max: number, what: string): void {
  const total = items.reduce((n, it) => n + (it.type === 'vpdq' && Array.isArray(it.frames) ? it.frames.length : 0), 0);
  if (total > max) {
    throw new DomainError('batch_too_large', `the vpdq items of this request hold ${total} frames; at most ${max} are taken in one request (split it)`, {
      errors: [{ path: what, message: `more than ${max} frames in all` }],
    });
  }
}

export async function shareHashes(deps: ServiceDeps, who: Principal, items: ShareItem[]): Promise<ShareResult[]> {
  checkBatchSize(items.length, deps.limits.maxBatch, 'items');
  checkFrameTotal(items, 10 * deps.video.decode.maxFrames, 'items');
  const problems: FieldProblem[] = [];
  const wanted = new Map<string, { type: HashType; value: string; labels: Set<string>; externalId: string | null; frames?: VideoFrameHash[] }>();
  const keyOf: string[] = [];
  items.forEach((it, i) => {
    const r = it.type === 'vpdq' ? checkVpdq(it, `items/${i}`, deps.video.decode.maxFrames) : checkHash(it.type, it.value, `items/${i}`);
    const unknown = unknownLabels(it.labels);
    if (unknown.length) problems.push({ path: `items/${i}/labels`, message: `unknown label(s): ${unknown.join(', ')}; see GET /v1/labels` });
    if ('problems' in r) return void problems.push(...r.problems);
    const key = `${it.type}:${r.value}`;
    keyOf[i] = key;
    const prev = wanted.get(key);
    if (prev) for (const l of it.labels) prev.labels.add(l);
    else wanted.set(key, { type: it.type as HashType, value: r.value, labels: new Set(it.labels), externalId: it.externalId ?? null, frames: 'frames' in r ? (r.frames as VideoFrameHash[]) : undefined });
  });
  if (problems.length) throw new DomainError('invalid_request', problems[0].message, { errors: problems });
  const weak = items.flatMap((it, i) => (it.type === 'pdq' && it.quality !== undefined && it.quality < PDQ_MIN_SHARE_QUALITY ? [{ path: `items/${i}/quality`, message: `PDQ quality ${it.quality} is below ${PDQ_MIN_SHARE_QUALITY}` }] : []));
  items.forEach((it, i) => {
    const w = keyOf[i] && wanted.get(keyOf[i]);
    if (w && w.frames && !usableFrameMask(w.frames).some(Boolean)) {
      weak.push({ path: `items/${i}/frames`, message: `no frame of the video has PDQ quality ${PDQ_MIN_SHARE_QUALITY} or more` });
    }
  });
  if (weak.length) {
    throw new DomainError('low_quality', `PDQ hashes of quality below ${PDQ_MIN_SHARE_QUALITY} are not shared: they come from flat, blank or tiny images and match unrelated media (${weak[0].message})`, { errors: weak });
  }

  const now = deps.now();
  const existing = new Map((await deps.hashes.findByValues(LOCAL, [...wanted.values()])).map((h) => [`${h.type}:${h.value}`, h]));
  const ws: Required<Pick<WriteSet, 'insertHashes' | 'insertFrames' | 'updateHashes' | 'putContributions' | 'changes' | 'audit'>> = {
    insertHashes: [],
    insertFrames: [],
    updateHashes: [],
    putContributions: [],
    changes: [],
    audit: [],
  };
  const results = new Map<string, ShareResult>();
  const toIndex: { id: string; seq?: number; type: HashType; value: string }[] = [];
  // Frames of re-activated videos, read before the commit; new videos' frames come back from it.
  const framesToIndex: IndexEntry[] = [];

  for (const [key, w] of wanted) {
    const labels = [...w.labels].sort();
    const mine: ContributionRow = { hashId: '', contributor: who.clientId, labels, externalId: w.externalId, createdAt: now, updatedAt: now, retractedAt: null };
    const h = existing.get(key);
    if (!h) {
      const id = deps.newId();
      mine.hashId = id;
      const detail: HashDetail = { seq: 0, id, type: w.type, value: w.value, origin: LOCAL, status: 'active', createdAt: now, updatedAt: now, contributions: [mine], feedback: [] };
      ws.insertHashes.push({ id, type: w.type, value: w.value, origin: LOCAL, status: 'active', createdAt: now, updatedAt: now });
      ws.putContributions.push(mine);
      ws.changes.push({ hashId: id, kind: 'add', at: now, snapshot: { ...snapshotOf(detail), ...(w.frames ? { frames: w.frames } : {}) } });
      ws.audit.push(
        auditRow({ at: now, actor: who.clientId, action: 'hash.share', subject: { kind: 'hash', id }, content: { type: w.type, value: w.value, labels, externalId: w.externalId, ...frameCount(w.frames) } }),
      );
      if (w.frames) ws.insertFrames.push(...frameRows(id, w.frames));
      else toIndex.push({ id, type: w.type, value: w.value });
      results.set(key, { id, type: w.type, value: w.value, created: true, outcome: 'created' });
      continue;
    }
    mine.hashId = h.id;
    const prev = h.contributions.find((c) => c.contributor === who.clientId);
    if (prev && prev.retractedAt === null && same(prev.labels, labels) && prev.externalId === w.externalId) {
      results.set(key, { id: h.id, type: h.type, value: h.value, created: false, outcome: 'unchanged' });
      continue;
    }
    const relabel = !!prev && prev.retractedAt === null;
    mine.createdAt = relabel ? prev!.createdAt : now;
    const after: HashDetail = { ...h, status: 'active', updatedAt: now, contributions: [...h.contributions.filter((c) => c.contributor !== who.clientId), mine] };
    ws.putContributions.push(mine);
    const reactivated = h.status === 'retracted';
    // A feed reader learns a video's frames from the change that (re)activates it.
    let frames = {};
    if (reactivated) {
      ws.updateHashes.push({ id: h.id, status: 'active', updatedAt: now });
      if (h.type === 'vpdq') {
        const rows = await deps.hashes.framesOf(h.id);
        framesToIndex.push(...indexedFrames(rows));
        frames = { frames: rows.map(frameHashOf) };
      } else toIndex.push({ id: h.id, seq: h.seq, type: h.type, value: h.value });
    }
    ws.changes.push({ hashId: h.id, kind: reactivated ? 'add' : 'update', at: now, snapshot: { ...snapshotOf(after), ...frames } });
    ws.audit.push(
      auditRow({ at: now, actor: who.clientId, action: relabel ? 'hash.relabel' : 'hash.share', subject: { kind: 'hash', id: h.id }, content: { type: h.type, value: h.value, labels, externalId: w.externalId } }),
    );
    results.set(key, { id: h.id, type: h.type, value: h.value, created: false, outcome: relabel ? 'updated' : 'added' });
  }

  const committed = await deps.hashes.commit(ws);
  // No await between the commit and the index: a retraction cannot slip in between.
  deps.index.add([...toIndex.map((t) => ({ seq: t.seq ?? committed.get(t.id)!, type: t.type, value: t.value })), ...committed.frames, ...framesToIndex]);
  return keyOf.map((k) => results.get(k)!);
}

/** A vpdq item: its frames checked, and its value (the frames' digest) computed or checked. */
export function checkVpdq(it: { value?: string; frames?: unknown }, path: string, maxFrames: number): { value: string; frames: VideoFrameHash[] } | { problems: FieldProblem[] } {
  const r = checkVideoFrames(it.frames, `${path}/frames`, maxFrames);
  if ('problems' in r) return r;
  const value = vpdqDigest(r.frames);
  if (it.value !== undefined && it.value !== '' && String(it.value).toLowerCase() !== value) {
    return { problems: [{ path: `${path}/value`, message: `a vpdq value is the SHA-256 of its frame list (${value} for these frames); leave it out to have it computed` }] };
  }
  return { value, frames: r.frames };
}

function frameRows(hashId: string, frames: VideoFrameHash[]): Omit<VideoFrameRow, 'seq'>[] {
  const usable = usableFrameMask(frames);
  return frames.map((f, i) => ({ hashId, frame: f.index, timestampMs: Math.round(f.timestamp * 1000), quality: f.quality, value: f.hash, indexed: usable[i] }));
}

export function frameHashOf(f: VideoFrameRow): VideoFrameHash {
  return { index: f.frame, timestamp: f.timestampMs / 1000, hash: f.value, quality: f.quality };
}

function indexedFrames(frames: VideoFrameRow[]): IndexEntry[] {
  return frames.filter((f) => f.indexed).map((f) => ({ seq: f.seq, type: 'vpdq', value: f.value }));
}

function frameCount(frames: VideoFrameHash[] | undefined): { frames?: number } {
  return frames ? { frames: frames.length } : {};
}

export interface RetractResult {
  id: string;
  status: 'active' | 'retracted';
  contributors: number;
}

export async function retractHash(deps: ServiceDeps, who: Principal, id: string): Promise<RetractResult> {
  const h = await deps.hashes.getById(id);
  if (!h) throw new DomainError('not_found', `no hash with id ${id}`);
  const active = activeContributions(h);
  const isAdmin = who.role === 'admin';
  const mine = h.contributions.find((c) => c.contributor === who.clientId);
  if (!isAdmin && !mine) throw new DomainError('forbidden', 'you can only retract hashes you shared');
  const leaving = isAdmin ? active : active.filter((c) => c.contributor === who.clientId);
  if (leaving.length === 0) return { id, status: h.status, contributors: active.length };

  const now = deps.now();
  // A video's frames are read before the commit, so the index is updated right after it.
  const frames = h.type === 'vpdq' && leaving.length === active.length ? indexedFrames(await deps.hashes.framesOf(h.id)) : [];
  const retracted = leaving.map((c) => ({ ...c, updatedAt: now, retractedAt: now }));
  const after: HashDetail = { ...h, contributions: [...h.contributions.filter((c) => !leaving.includes(c)), ...retracted] };
  const remaining = active.length - leaving.length;
  if (remaining === 0) after.status = 'retracted';
  const ws: WriteSet = {
    putContributions: retracted,
    updateHashes: remaining === 0 ? [{ id, status: 'retracted', updatedAt: now }] : [],
    changes: [{ hashId: id, kind: remaining === 0 ? 'retract' : 'update', at: now, snapshot: snapshotOf(after) }],
    audit: [
      auditRow({
        at: now,
        actor: who.clientId,
        action: 'hash.retract',
        subject: { kind: 'hash', id },
        content: { type: h.type, value: h.value, contributorsRetracted: leaving.map((c) => c.contributor).sort(), contributorsRemaining: remaining },
      }),
    ],
  };
  await deps.hashes.commit(ws);
  if (remaining === 0) {
    if (h.type === 'vpdq') deps.index.remove(frames);
    else deps.index.remove([{ seq: h.seq, type: h.type, value: h.value }]);
  }
  return { id, status: after.status, contributors: remaining };
}

export interface FeedbackResult {
  id: string;
  verdict: Verdict;
  feedback: { confirm: number; dispute: number };
}

export async function giveFeedback(deps: ServiceDeps, who: Principal, id: string, verdict: Verdict, reason: string | null): Promise<FeedbackResult> {
  const h = await deps.hashes.getById(id);
  if (!h) throw new DomainError('not_found', `no hash with id ${id}`);
  if (h.status !== 'active') throw new DomainError('conflict', `hash ${id} has been retracted; feedback is taken on active hashes only`);
  const prev = h.feedback.find((f) => f.member === who.clientId);
  if (prev && prev.verdict === verdict && prev.reason === reason) return { id, verdict, feedback: feedbackCounts(h) };
  const now = deps.now();
  const row = { hashId: id, member: who.clientId, verdict, reason, createdAt: prev?.createdAt ?? now, updatedAt: now };
  await deps.hashes.commit({
    putFeedback: [row],
    audit: [auditRow({ at: now, actor: who.clientId, action: 'hash.feedback', subject: { kind: 'hash', id }, content: { verdict, reason, previous: prev?.verdict ?? null } })],
  });
  const after = { ...h, feedback: [...h.feedback.filter((f) => f.member !== who.clientId), row] };
  return { id, verdict, feedback: feedbackCounts(after) };
}

function same(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
