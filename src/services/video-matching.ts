/**
 * Matching with videos and PDFs. A stored vpdq hash is in the index as its usable frames (type
 * `vpdq`, keyed by frame), a stored pdf hash as its usable pages (type `pdf`, keyed by page), so:
 * - a video query probes the index with each of its usable frames and counts, per stored video, the
 *   query frames that found one of its frames and the frames found, and core/video's vPDQ rule
 *   (`vpdqVerdict`) decides on those counts: the rule `vpdqMatch` applies to every pair, answered
 *   by the index instead; a PDF query does the same with its pages against stored PDFs, under the
 *   document shares (DocumentSettings);
 * - each frame or page of a query is also matched on its own against stored images (PDQ);
 * - a PDQ query (an image) matches the frames of stored videos and the pages of stored PDFs, so a
 *   still taken from a shared video, or a screenshot of one page of a shared PDF, finds it.
 */
import { usableFrames, vpdqVerdict, type VpdqRule } from '../core/video';
import { THRESHOLDS, type HashType } from '../core/hashes';
import type { IndexHit } from '../core/hash-index';
import type { FrameOwner } from '../storage/types';
import type { ServiceDeps } from './deps';
import type { HashWithVariants } from './hashing';
import type { Match, MatchResult } from './matching';
import { matchable, matchOf } from './views';

interface VideoTally {
  owner: FrameOwner;
  /** Query frames that found one of this video's frames, and the last one counted. */
  queryFrames: number;
  lastQueryFrame: number;
  /** This video's frames found by some query frame. */
  candidateFrames: Set<number>;
  distance: number;
}

/**
 * Query frames probed together: bounds the hits held at once. A still scene is the costly case:
 * each of its frames hits every similar frame of a stored still scene (3600 x 3600 distinct but
 * near-identical frames: 13 M hits, about 7.5 s: npm run bench -- --only stills), so between chunks the event loop is let go and
 * other requests keep being served. See docs/decisions.md.
 */
const CHUNK = 32;
const yieldToOthers = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** One frame of a video or page of a PDF, as a query carries it, with how a match names it. */
interface Part {
  hash: string;
  quality: number;
  at: Pick<Match, 'frame' | 'page'>;
}

/** A vpdq or pdf query against stored videos or PDFs (by their rule) and against stored images (by each frame or page). */
export async function matchVideo(deps: ServiceDeps, q: HashWithVariants, thresholds: Record<HashType, number>): Promise<MatchResult> {
  if (q.type === 'pdf') {
    const pages = q.pages ?? [];
    const usable = usableFrames(
      pages.map((p) => ({ hash: p.hash, quality: p.quality, at: { page: { number: p.page } } })),
      THRESHOLDS.pdf.pageMinQuality,
    );
    const query = { type: 'pdf' as const, value: q.value, pages: pages.length, usablePages: usable.length };
    return matchParts(deps, 'pdf', usable, query, thresholds, deps.documents, (share) => ({ document: share }));
  }
  const frames = q.frames ?? [];
  const usable = usableFrames(frames.map((f) => ({ hash: f.hash, quality: f.quality, at: { frame: { index: f.index, timestamp: f.timestamp } } })));
  const query = { type: 'vpdq' as const, value: q.value, frames: frames.length, usableFrames: usable.length };
  return matchParts(deps, 'vpdq', usable, query, thresholds, deps.video, (share) => ({ video: share }));
}

type Share = { queryMatchPercent: number; candidateMatchPercent: number };

/** The usable parts of a video (PDF) query against the stored videos (PDFs) under `rule`, and each part against stored images. */
async function matchParts(
  deps: ServiceDeps,
  type: 'vpdq' | 'pdf',
  usable: Part[],
  query: MatchResult['query'],
  thresholds: Record<HashType, number>,
  rule: VpdqRule,
  annotate: (share: Share) => Pick<Match, 'video' | 'document'>,
): Promise<MatchResult> {
  if (usable.length === 0) return { query, lowQuality: true, matches: [] };

  // Chunk by chunk: probe, resolve the frames found to their videos (each frame looked up once),
  // and keep only per-video tallies and each stored image's nearest frame.
  const owners = new Map<number, FrameOwner | null>();
  const tallies = new Map<number, VideoTally>();
  const images = new Map<number, { distance: number; at: Part }>();
  for (let start = 0; start < usable.length; start += CHUNK) {
    if (start > 0) await yieldToOthers();
    const chunk = usable.slice(start, start + CHUNK);
    const values = chunk.map((f) => f.hash);
    const [frameHits, imageHits] = await Promise.all([
      deps.index.queryMany(type, values, thresholds[type]),
      deps.index.queryMany('pdq', values, thresholds.pdq),
    ]);
    const unknown = new Set<number>();
    for (const hits of frameHits) for (const h of hits) if (!owners.has(h.seq)) unknown.add(h.seq);
    if (unknown.size) {
      const found = new Map((await deps.hashes.framesBySeqs([...unknown])).map((o) => [o.seq, o]));
      for (const seq of unknown) owners.set(seq, found.get(seq) ?? null);
    }
    frameHits.forEach((hits, k) => {
      const i = start + k;
      for (const h of hits) {
        const owner = owners.get(h.seq);
        if (!owner) continue;
        let t = tallies.get(owner.hashSeq);
        if (!t) tallies.set(owner.hashSeq, (t = { owner, queryFrames: 0, lastQueryFrame: -1, candidateFrames: new Set(), distance: h.distance }));
        if (t.lastQueryFrame !== i) {
          t.queryFrames++;
          t.lastQueryFrame = i;
        }
        t.candidateFrames.add(h.seq);
        t.distance = Math.min(t.distance, h.distance);
      }
    });
    imageHits.forEach((hits, k) => {
      for (const h of hits) {
        const cur = images.get(h.seq);
        if (!cur || h.distance < cur.distance) images.set(h.seq, { distance: h.distance, at: chunk[k] });
      }
    });
  }

  const videos = [...tallies.values()]
    .map((t) => ({
      t,
      verdict: vpdqVerdict(
        { queryMatched: t.queryFrames, queryUsable: usable.length, candidateMatched: t.candidateFrames.size, candidateUsable: t.owner.indexedFrames },
        rule,
      ),
    }))
    .filter((v) => v.verdict.matched);
  const details = new Map((await deps.hashes.getBySeqs([...videos.map((v) => v.t.owner.hashSeq), ...images.keys()])).map((d) => [d.seq, d]));
  const origins = await deps.origins.matching();
  const videoMatches = videos
    .sort((a, b) => b.t.queryFrames - a.t.queryFrames || a.t.distance - b.t.distance || a.t.owner.hashSeq - b.t.owner.hashSeq)
    .flatMap(({ t, verdict }) => {
      const d = details.get(t.owner.hashSeq);
      if (!matchable(d, origins)) return [];
      return [
        { ...matchOf(d, t.distance), ...annotate({ queryMatchPercent: verdict.queryMatchPercent, candidateMatchPercent: verdict.candidateMatchPercent }) },
      ];
    });
  const imageMatches = [...images]
    .sort((a, b) => a[1].distance - b[1].distance || a[0] - b[0])
    .flatMap(([seq, f]) => {
      const d = details.get(seq);
      return matchable(d, origins) ? [{ ...matchOf(d, f.distance), ...f.at.at }] : [];
    });
  return { query, matches: [...videoMatches, ...imageMatches] };
}

/** For each PDQ query (and its variants), the stored videos with a frame, and PDFs with a page, within `maxDistance`. */
export async function stillsInVideos(deps: ServiceDeps, queries: HashWithVariants[], maxDistance: number): Promise<Map<number, Match[]>> {
  const out = new Map<number, Match[]>();
  // Every PDQ value (a query, or each of its variants) against the frames and the pages, in one batch each.
  const values = queries.flatMap((q, i) =>
    q.type !== 'pdq' ? [] : (q.variants?.length ? q.variants : [{ variant: undefined, value: q.value }]).map((p) => ({ query: i, ...p })),
  );
  const probes = [...values, ...values];
  const found = values.length
    ? (
        await Promise.all(
          (['vpdq', 'pdf'] as const).map((t) =>
            deps.index.queryMany(
              t,
              values.map((p) => p.value),
              maxDistance,
            ),
          ),
        )
      ).flat()
    : [];
  const perQuery: ({ variant?: string; hits: IndexHit[] }[] | null)[] = queries.map(() => null);
  probes.forEach((p, k) => (perQuery[p.query] ??= []).push({ variant: p.variant, hits: found[k] }));
  const seqs = perQuery.flatMap((p) => p?.flatMap((v) => v.hits.map((h) => h.seq)) ?? []);
  if (seqs.length === 0) return out;
  const owners = new Map((await deps.hashes.framesBySeqs(seqs)).map((o) => [o.seq, o]));
  const details = new Map((await deps.hashes.getBySeqs([...new Set([...owners.values()].map((o) => o.hashSeq))])).map((d) => [d.seq, d]));
  const origins = await deps.origins.matching();
  perQuery.forEach((probes, i) => {
    if (!probes) return;
    // Per video, its nearest frame over every variant.
    const best = new Map<number, { distance: number; owner: FrameOwner; variant?: string }>();
    for (const p of probes) {
      for (const h of p.hits) {
        const owner = owners.get(h.seq);
        if (!owner) continue;
        const cur = best.get(owner.hashSeq);
        if (!cur || h.distance < cur.distance || (h.distance === cur.distance && owner.frame < cur.owner.frame))
          best.set(owner.hashSeq, { distance: h.distance, owner, variant: p.variant });
      }
    }
    const matches = [...best.values()]
      .sort((a, b) => a.distance - b.distance || a.owner.hashSeq - b.owner.hashSeq)
      .flatMap((b) => {
        const d = details.get(b.owner.hashSeq);
        if (!matchable(d, origins)) return [];
        const at = d.type === 'pdf' ? { page: { number: b.owner.frame } } : { frame: { index: b.owner.frame, timestamp: b.owner.timestampMs / 1000 } };
        const m: Match = { ...matchOf(d, b.distance), ...at };
        if (b.variant) m.variant = b.variant;
        return [m];
      });
    if (matches.length) out.set(i, matches);
  });
  return out;
}
