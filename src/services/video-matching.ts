/**
 * Matching with videos. A stored vpdq hash is in the index as its usable frames (type `vpdq`, keyed
 * by frame), so:
 * - a video query probes the index with each of its usable frames and counts, per stored video, the
 *   query frames that found one of its frames and the frames found: the vPDQ rule of core/video.ts
 *   (vpdqMatch), answered by the index instead of comparing every pair;
 * - each frame of a video query is also matched on its own against stored images (PDQ);
 * - a PDQ query (an image) matches the frames of stored videos, so a still taken from a shared video
 *   finds it.
 */
import { usableFrameMask, type VideoFrameHash } from '../core/video';
import type { HashType } from '../core/hashes';
import type { IndexHit } from '../core/match-index';
import type { FrameOwner } from '../storage/types';
import type { ServiceDeps } from './deps';
import type { HashWithVariants } from './hashing';
import type { Match, MatchResult } from './matching';
import { matchOf } from './views';

interface VideoTally {
  owner: FrameOwner;
  queryFrames: Set<number>;
  candidateFrames: Set<number>;
  distance: number;
}

const percent = (n: number, of: number) => (of === 0 ? 0 : Math.round((n * 10_000) / of) / 100);

export async function matchVideo(deps: ServiceDeps, q: HashWithVariants, thresholds: Record<HashType, number>): Promise<MatchResult> {
  const frames = q.frames ?? [];
  const mask = usableFrameMask(frames);
  const usable = frames.filter((_, i) => mask[i]);
  const query = { type: 'vpdq' as const, value: q.value, frames: frames.length, usableFrames: usable.length };
  if (usable.length === 0) return { query, lowQuality: true, matches: [] };

  const [frameHits, imageHits] = await Promise.all([
    Promise.all(usable.map((f) => deps.index.query('vpdq', f.hash, thresholds.vpdq))),
    Promise.all(usable.map((f) => deps.index.query('pdq', f.hash, thresholds.pdq))),
  ]);
  const owners = new Map((await deps.hashes.framesBySeqs(frameHits.flat().map((h) => h.seq))).map((o) => [o.seq, o]));

  const tallies = new Map<number, VideoTally>();
  frameHits.forEach((hits, i) => {
    for (const h of hits) {
      const owner = owners.get(h.seq);
      if (!owner) continue;
      let t = tallies.get(owner.hashSeq);
      if (!t) tallies.set(owner.hashSeq, (t = { owner, queryFrames: new Set(), candidateFrames: new Set(), distance: h.distance }));
      t.queryFrames.add(i);
      t.candidateFrames.add(h.seq);
      t.distance = Math.min(t.distance, h.distance);
    }
  });
  const rule = deps.video;
  const videos = [...tallies.values()]
    .map((t) => ({ t, queryMatchPercent: percent(t.queryFrames.size, usable.length), candidateMatchPercent: percent(t.candidateFrames.size, t.owner.indexedFrames) }))
    .filter((v) => v.queryMatchPercent >= rule.queryMatchPercent && v.candidateMatchPercent >= rule.candidateMatchPercent);

  // Stored images within reach of some frame: the nearest frame names where.
  const images = nearest(imageHits, (i) => usable[i]);

  const details = new Map((await deps.hashes.getBySeqs([...videos.map((v) => v.t.owner.hashSeq), ...images.keys()])).map((d) => [d.seq, d]));
  const videoMatches = videos
    .sort((a, b) => b.queryMatchPercent - a.queryMatchPercent || a.t.distance - b.t.distance || a.t.owner.hashSeq - b.t.owner.hashSeq)
    .flatMap((v) => {
      const d = details.get(v.t.owner.hashSeq);
      if (!d || d.status !== 'active') return [];
      return [{ ...matchOf(d, v.t.distance), video: { queryMatchPercent: v.queryMatchPercent, candidateMatchPercent: v.candidateMatchPercent } }];
    });
  return { query, matches: [...videoMatches, ...activeMatches(images, details, (f) => frameAt(f))] };
}

/** For each PDQ query (and its variants), the stored videos with a frame within `maxDistance`. */
export async function stillsInVideos(deps: ServiceDeps, queries: HashWithVariants[], maxDistance: number): Promise<Map<number, Match[]>> {
  const out = new Map<number, Match[]>();
  const perQuery = await Promise.all(
    queries.map(async (q) => {
      if (q.type !== 'pdq') return null;
      const probes = q.variants?.length ? q.variants : [{ variant: undefined, value: q.value }];
      return Promise.all(probes.map(async (p) => ({ variant: p.variant, hits: await deps.index.query('vpdq', p.value, maxDistance) })));
    }),
  );
  const seqs = perQuery.flatMap((p) => p?.flatMap((v) => v.hits.map((h) => h.seq)) ?? []);
  if (seqs.length === 0) return out;
  const owners = new Map((await deps.hashes.framesBySeqs(seqs)).map((o) => [o.seq, o]));
  const details = new Map((await deps.hashes.getBySeqs([...new Set([...owners.values()].map((o) => o.hashSeq))])).map((d) => [d.seq, d]));
  perQuery.forEach((probes, i) => {
    if (!probes) return;
    // Per video, its nearest frame over every variant.
    const best = new Map<number, { distance: number; owner: FrameOwner; variant?: string }>();
    for (const p of probes) {
      for (const h of p.hits) {
        const owner = owners.get(h.seq);
        if (!owner) continue;
        const cur = best.get(owner.hashSeq);
        if (!cur || h.distance < cur.distance || (h.distance === cur.distance && owner.frame < cur.owner.frame)) best.set(owner.hashSeq, { distance: h.distance, owner, variant: p.variant });
      }
    }
    const matches = [...best.values()]
      .sort((a, b) => a.distance - b.distance || a.owner.hashSeq - b.owner.hashSeq)
      .flatMap((b) => {
        const d = details.get(b.owner.hashSeq);
        if (!d || d.status !== 'active') return [];
        const m: Match = { ...matchOf(d, b.distance), frame: { index: b.owner.frame, timestamp: b.owner.timestampMs / 1000 } };
        if (b.variant) m.variant = b.variant;
        return [m];
      });
    if (matches.length) out.set(i, matches);
  });
  return out;
}

/** Per stored hash, its nearest hit over the probes, and the probe's payload (first on ties). */
function nearest<T>(hitsPerProbe: IndexHit[][], payload: (probe: number) => T): Map<number, { distance: number; at: T }> {
  const best = new Map<number, { distance: number; at: T }>();
  hitsPerProbe.forEach((hits, i) => {
    for (const h of hits) {
      const cur = best.get(h.seq);
      if (!cur || h.distance < cur.distance) best.set(h.seq, { distance: h.distance, at: payload(i) });
    }
  });
  return best;
}

function activeMatches<T>(found: Map<number, { distance: number; at: T }>, details: Map<number, Parameters<typeof matchOf>[0]>, extra: (at: T) => Partial<Match>): Match[] {
  return [...found]
    .sort((a, b) => a[1].distance - b[1].distance || a[0] - b[0])
    .flatMap(([seq, f]) => {
      const d = details.get(seq);
      return d && d.status === 'active' ? [{ ...matchOf(d, f.distance), ...extra(f.at) }] : [];
    });
}

function frameAt(f: VideoFrameHash): Partial<Match> {
  return { frame: { index: f.index, timestamp: f.timestamp } };
}
