/**
 * The vPDQ rule is written once (core/video rule.ts) and reached two ways: the node's matcher counts
 * frames through the match index (services/video-matching.ts), and `vpdqMatch` compares every pair
 * (the reference the benches and the conformance tests use). This test holds them to the same
 * answers: stored videos shared through the real app, query videos sent to POST /v1/match, and for
 * every query the node's video matches (which videos, and both shares) against `vpdqMatch` on the
 * same frame lists, under two rules and three frame distances.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniform } from '../../src/core/prng';
import { vpdqMatch, type VideoFrameHash } from '../../src/core/video';
import { json, makeTestApp, type TestApp } from '../support/app';

const rnd = uniform(11);
const pick = (n: number) => Math.floor(rnd() * n);
const word = () =>
  Math.floor(rnd() * 2 ** 32)
    .toString(16)
    .padStart(8, '0');
const randomHash = () => Array.from({ length: 8 }, word).join('');

/** `hash` with `k` of its bits flipped (some may flip back: at most k bits away). */
function flip(hash: string, k: number): string {
  const bits = hash.split('').map((c) => parseInt(c, 16));
  for (let i = 0; i < k; i++) {
    const b = pick(256);
    bits[b >> 2] ^= 8 >> (b & 3);
  }
  return bits.map((v) => v.toString(16)).join('');
}

/** Frame numbers and timestamps in order, the hashes as given (quality mostly usable, some not). */
const asFrames = (hashes: string[]): VideoFrameHash[] =>
  hashes.map((hash, i) => ({ index: 30 * i, timestamp: i, hash, quality: rnd() < 0.15 ? pick(50) : 50 + pick(51) }));

// The scenes a bank of videos is cut from: stored videos are runs of them, with repeats (a still
// scene) and noise; queries reuse 50-100 % of their frames from one stored video, perturbed by 0..40
// bits (mostly under the frame distance, some around it), mixed with frames of their own, with
// still scenes on both sides.
const scenes = Array.from({ length: 120 }, randomHash);
const stored: VideoFrameHash[][] = Array.from({ length: 24 }, () => {
  const start = pick(scenes.length - 20);
  const n = 4 + pick(16);
  return asFrames(Array.from({ length: n }, () => (rnd() < 0.2 ? scenes[start] : flip(scenes[start + pick(20)], pick(12)))));
});
const queries: VideoFrameHash[][] = Array.from({ length: 100 }, () => {
  const source = stored[pick(stored.length)];
  const n = 3 + pick(14);
  const share = 0.5 + 0.5 * rnd();
  const hashes: string[] = [];
  for (let i = 0; i < n; i++) {
    // A still scene: the frame before, again.
    if (i > 0 && rnd() < 0.2) hashes.push(hashes[i - 1]);
    else hashes.push(rnd() < share ? flip(source[pick(source.length)].hash, rnd() < 0.6 ? pick(20) : 20 + pick(21)) : randomHash());
  }
  return asFrames(hashes);
});

interface VideoMatch {
  id: string;
  type: string;
  video?: { queryMatchPercent: number; candidateMatchPercent: number };
}

const RULES = [
  {
    name: 'the defaults (80 % of the query, 0 % of the candidate)',
    env: {} as Record<string, string>,
    rule: { queryMatchPercent: 80, candidateMatchPercent: 0 },
  },
  {
    name: '60 % of the query and 50 % of the candidate',
    env: { VPDQ_QUERY_MATCH_PERCENT: '60', VPDQ_CANDIDATE_MATCH_PERCENT: '50' },
    rule: { queryMatchPercent: 60, candidateMatchPercent: 50 },
  },
];

describe.each(RULES)('the node and vpdqMatch agree: $name', ({ env, rule }) => {
  let t: TestApp;
  const ids: string[] = [];

  beforeAll(async () => {
    t = await makeTestApp(env);
    const res = await t.request('/v1/hashes', json('POST', { items: stored.map((frames) => ({ type: 'vpdq', frames, labels: ['attack-footage'] })) }));
    expect(res.status).toBe(201);
    const body = (await res.json()) as { items: { id: string; outcome: string }[] };
    expect(body.items.map((i) => i.outcome)).toEqual(stored.map(() => 'created'));
    ids.push(...body.items.map((i) => i.id));
  });
  afterAll(() => t?.close());

  it.each([31, 24, 40])('frame distance %i: the same videos match, with the same shares', async (distance) => {
    const res = await t.request('/v1/match', json('POST', { hashes: queries.map((frames) => ({ type: 'vpdq', frames })), maxDistance: { vpdq: distance } }));
    expect(res.status).toBe(200);
    const { results } = (await res.json()) as { results: { matches: VideoMatch[] }[] };
    let matched = 0;
    let near = 0;
    queries.forEach((q, i) => {
      const node = Object.fromEntries(results[i].matches.filter((m) => m.type === 'vpdq').map((m) => [m.id, m.video]));
      const expected: Record<string, VideoMatch['video']> = {};
      stored.forEach((s, k) => {
        const r = vpdqMatch(q, s, { distance, ...rule });
        if (r.matched) expected[ids[k]] = { queryMatchPercent: r.queryMatchPercent, candidateMatchPercent: r.candidateMatchPercent };
        else if (r.queryMatchPercent > 0) near++;
      });
      expect(node, `query ${i}`).toEqual(expected);
      matched += Object.keys(expected).length;
    });
    // The bank is built to land on both sides of the rule: many matches, and many partial overlaps that are not.
    console.log(`frame distance ${distance}: ${matched} video matches, ${near} partial overlaps that are not`);
    expect(matched).toBeGreaterThanOrEqual(8);
    expect(near).toBeGreaterThan(10);
  });
});
