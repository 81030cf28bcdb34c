/**
 * Sharing, retracting and feedback. Input arrives checked at the edge (src/http: types, hex, labels,
 * free text, limits); a use-case applies the node's rules (the quality gate) and hands the ledger one commit;
 * what the commit does (new hash or not, status, feed rows, audit entries) is decided inside it, so
 * concurrent requests cannot interleave. It then waits for this process's change follower to apply
 * the commit (index, caches) before answering.
 */
import type { Principal } from '../core/auth';
import { DomainError, type FieldProblem } from '../core/errors';
import { shown } from '../core/text';
import { THRESHOLDS, type HashType } from '../core/hashes';
import type { PdfPageHash } from '../core/document';
import { itemId, WHOLE, type ItemKind } from '../core/items';
import { usableFrameMask, type VideoFrameHash } from '../core/video';
import type { ShareOutcome, VideoFrameRow, Verdict } from '../storage/types';
import type { ServiceDeps } from './deps';
import type { HashQuery } from './hashing';

/**
 * A hash to share, checked at the edge (src/http/hash-input.ts): known labels, free text without
 * control characters; with `item`, the piece of media it was computed from (its hashes form one
 * item) and the variant of that media (default `whole`).
 */
export type ShareItem = HashQuery & { labels: string[]; externalId?: string; item?: MediaItem; variant?: string };

/** A shared piece of media: its hashes become one item (core/items), named by the node and the media's SHA-256. */
export interface MediaItem {
  sha256: string;
  kind: ItemKind;
}

export interface ItemShareResult {
  id: string;
  sha256: string;
  /** created: new to the node; added: your share joined other members'; updated: your labels changed; unchanged. */
  outcome: ShareOutcome;
}

export interface ShareResult {
  id: string;
  type: HashType;
  value: string;
  /** True when the node did not hold this hash before. */
  created: boolean;
  /** created: new hash; added: your contribution joined others'; updated: your labels changed; unchanged: already shared so. */
  outcome: ShareOutcome;
  /** The item the request put this hash in (its `item`), when it did. */
  item?: string;
  /**
   * With `item`: the variant the item holds this hash as. A link keeps the variant it was made with,
   * so a hash the item already held under another variant than the one sent keeps that one.
   */
  variant?: string;
}

/** Shares of more items than this pause once after their validation (ServiceDeps.pause). */
const PAUSE_ABOVE = 250;

export async function shareHashes(
  deps: ServiceDeps,
  who: Principal,
  items: readonly ShareItem[],
  /** The lowest PDQ quality shared: PDQ's own 50, unless the caller gated the hashes itself (a robust media share, core/robust rules.ts). */
  opts: { pdqMinQuality?: number } = {},
): Promise<{ results: ShareResult[]; media: ItemShareResult[] }> {
  const pdqMin = opts.pdqMinQuality ?? THRESHOLDS.pdq.minQuality;
  // A large share was just parsed and validated in this turn: let other requests in before the rest.
  if (items.length > PAUSE_ABOVE) await deps.pause?.();
  // One commit item per (type, value): the same hash named twice in a request shares once, with the
  // union of its labels, in every item it was named with.
  const wanted = new Map<
    string,
    {
      type: HashType;
      value: string;
      labels: Set<string>;
      externalId: string | null;
      frames?: VideoFrameHash[];
      pages?: PdfPageHash[];
      urlScope?: string;
      /** The items it was named with (and their variants); null while none (most shares: no allocation per hash). */
      links: Map<string, string> | null;
      /** The labels of its mentions without an item (its share alone); null while none. */
      direct: Set<string> | null;
    }
  >();
  // The media of the request, each with the union of the labels of its hashes.
  const media = new Map<string, { id: string; sha256: string; kind: ItemKind; labels: Set<string> }>();
  const itemOf = (it: ShareItem) => {
    if (!it.item) return undefined;
    const id = itemId(deps.issuer, it.item.sha256);
    const m = media.get(id) ?? { id, sha256: it.item.sha256, kind: it.item.kind, labels: new Set<string>() };
    for (const l of it.labels) m.labels.add(l);
    media.set(id, m);
    return id;
  };
  const keyOf = items.map((it) => {
    const key = `${it.type}:${it.value}`;
    const item = itemOf(it);
    const prev = wanted.get(key);
    if (prev) {
      for (const l of it.labels) prev.labels.add(l);
      if (!item) prev.direct = new Set([...(prev.direct ?? []), ...it.labels]);
    } else {
      wanted.set(key, {
        type: it.type,
        value: it.value,
        labels: new Set(it.labels),
        externalId: it.externalId ?? null,
        frames: it.type === 'vpdq' ? it.frames : undefined,
        pages: it.type === 'pdf' ? it.pages : undefined,
        urlScope: it.type === 'url' ? it.url?.scope : undefined,
        links: null,
        direct: item ? null : new Set(it.labels),
      });
    }
    const w = wanted.get(key);
    if (item && w) {
      w.links ??= new Map();
      if (!w.links.has(item)) w.links.set(item, it.variant ?? WHOLE);
    }
    return { key, item };
  });
  const weak: FieldProblem[] = [];
  items.forEach((it, i) => {
    if (it.type === 'pdq' && it.quality !== undefined && it.quality < pdqMin)
      weak.push({ path: `items/${i}/quality`, message: `PDQ quality ${it.quality} is below ${pdqMin}` });
    else if (it.type === 'vpdq' && !usableFrameMask(it.frames).some(Boolean))
      weak.push({ path: `items/${i}/frames`, message: `no frame of the video has PDQ quality ${THRESHOLDS.pdq.minQuality} or more` });
    else if (it.type === 'pdf' && !usableFrameMask(it.pages, THRESHOLDS.pdf.pageMinQuality).some(Boolean)) {
      weak.push({
        path: `items/${i}/pages`,
        message: `no page of the PDF has PDQ quality ${THRESHOLDS.pdf.pageMinQuality} or more (blank pages?); share its tlsh, md5 or sha256 instead`,
      });
    }
  });
  if (weak.length) {
    throw new DomainError(
      'low_quality',
      `PDQ hashes of quality below ${pdqMin} are not shared: they come from flat, blank or tiny images and match unrelated media (${weak[0].message})`,
      { errors: weak },
    );
  }

  const sharing = deps.ledger.share({
    at: deps.now(),
    contributor: who.clientId,
    ...(media.size ? { media: [...media.values()].map((m) => ({ id: m.id, sha256: m.sha256, kind: m.kind, labels: [...m.labels].sort() })) } : {}),
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
      ...(w.links?.size ? { links: [...w.links].map(([item, variant]) => ({ item, variant })) } : {}),
      // A hash named with an item and also alone: the labels of its share alone.
      ...(w.links?.size && w.direct ? { direct: [...w.direct].sort() } : {}),
    })),
  });
  // A share naming stored media as another kind fails in the ledger, whole: say which, and as what.
  const committed = await sharing.catch(async (e: unknown) => {
    throw (media.size > 0 && (await kindConflict(deps, items, e))) || e;
  });
  await deps.follower.catchUp(committed.lastChange);
  deps.metrics.shared([...wanted.values()].map((w, i) => ({ type: w.type, outcome: committed.items[i].outcome })));
  const results = new Map(
    [...wanted].map(([key, w], i) => {
      const r = committed.items[i];
      return [key, { result: { id: r.id, type: w.type, value: w.value, created: r.outcome === 'created', outcome: r.outcome }, links: r.links }];
    }),
  );
  const out = keyOf.flatMap(({ key, item }, i): ShareResult[] => {
    const r = results.get(key);
    if (!r) return [];
    if (!item) return [r.result];
    // The variant the item holds the hash as (the first link's), else the one sent.
    const variant = r.links?.find((l) => l.item === item)?.variant ?? items[i].variant ?? WHOLE;
    return [{ ...r.result, item, variant }];
  });
  return { results: out, media: committed.media.map((m, i) => ({ id: m.id, sha256: [...media.values()][i].sha256, outcome: m.outcome })) };
}

/**
 * Why a share's commit failed when it named stored media as another kind: the ledger refuses such a
 * commit whole (storage/ledger/items.ts), as it does when another share of the same media with the
 * other kind committed first, an instant before. Null when no named media is stored as another kind
 * (the failure was something else).
 */
async function kindConflict(deps: ServiceDeps, items: readonly ShareItem[], cause: unknown): Promise<DomainError | null> {
  // The first item naming each piece of media: one problem per piece of media, not per hash.
  const first = new Map<string, { i: number; item: MediaItem }>();
  items.forEach((it, i) => {
    const id = it.item && itemId(deps.issuer, it.item.sha256);
    if (it.item && id && !first.has(id)) first.set(id, { i, item: it.item });
  });
  const stored = await deps.hashes.itemKinds([...first.keys()]);
  const errors: FieldProblem[] = [...first].flatMap(([id, { i, item }]) => {
    const kind = stored.get(id);
    return kind && kind !== item.kind
      ? [
          {
            path: `items/${i}/item/kind`,
            message: `the media ${item.sha256} is stored as ${kind}; it cannot be shared as ${item.kind} (an item keeps the kind it was first shared as)`,
          },
        ]
      : [];
  });
  return errors.length ? new DomainError('conflict', errors[0].message, { errors, cause }) : null;
}

/** Shares the hashes of one upload as one item, in one commit with the item and the member's share of it. */
export async function shareMediaItem(
  deps: ServiceDeps,
  who: Principal,
  items: readonly ShareItem[],
  media: MediaItem,
  opts: { pdqMinQuality?: number } = {},
): Promise<{ results: ShareResult[]; item: ItemShareResult }> {
  const r = await shareHashes(
    deps,
    who,
    items.map((it) => ({ ...it, item: media })),
    opts,
  ).catch((e: unknown) => {
    // The upload names its media by its bytes: the problem is the file's, not of an items/i it never sent.
    throw e instanceof DomainError && e.code === 'conflict'
      ? new DomainError('conflict', e.message, { errors: [{ path: 'file', message: e.message }], cause: e })
      : e;
  });
  const [item] = r.media;
  if (!item) throw new Error('the ledger did not report the item of a media share');
  // The variant (the one the item holds) of the hashes given one: an image's perceptual hashes.
  return { results: r.results.map(({ item: _, variant, ...x }, i) => (items[i].variant !== undefined && variant ? { ...x, variant } : x)), item };
}

/** A video's frames as the ledger stores them, each marked for matching or not. */
export function frameRows(frames: VideoFrameHash[]): Omit<VideoFrameRow, 'seq' | 'hashId'>[] {
  const usable = usableFrameMask(frames);
  return frames.map((f, i) => ({ frame: f.index, timestampMs: Math.round(f.timestamp * 1000), quality: f.quality, value: f.hash, indexed: usable[i] }));
}

export function pageRows(pages: PdfPageHash[]): Omit<VideoFrameRow, 'seq' | 'hashId'>[] {
  const usable = usableFrameMask(pages, THRESHOLDS.pdf.pageMinQuality);
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
  if (!h) throw new DomainError('not_found', `no hash with id ${shown(id)}`);
  const isAdmin = who.role === 'admin';
  // Contributions are never deleted, so whether the caller ever shared it is settled by this read.
  if (!isAdmin && !h.contributions.some((c) => c.contributor === who.clientId)) throw new DomainError('forbidden', 'you can only retract hashes you shared');
  const r = await deps.ledger.retract({
    at: deps.now(),
    actor: who.clientId,
    hashId: id,
    type: h.type,
    value: h.value,
    contributor: isAdmin ? null : who.clientId,
  });
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
  if (!h) throw new DomainError('not_found', `no hash with id ${shown(id)}`);
  const r = await deps.ledger.feedback({ at: deps.now(), member: who.clientId, hashId: id, verdict, reason });
  if (r.outcome === 'retracted') throw new DomainError('conflict', `hash ${id} has been retracted; feedback is taken on active hashes only`);
  await deps.follower.catchUp(r.lastChange);
  return { id, verdict, feedback: { confirm: r.confirm, dispute: r.dispute } };
}
