/**
 * Video through the HTTP API, with the system's ffmpeg and the conformance videos
 * (../shared/conformance/pdq/tmk/sample-videos): hashing, sharing and matching by the vPDQ rule, a
 * still matching the video it was taken from, a video's frames matching shared images, vpdq sent as
 * JSON, the index after a restart, the limits, bad input, and no video byte left anywhere.
 *
 * Needs ffmpeg and ffprobe on PATH (Debian: apt-get install ffmpeg; .ci/run installs it).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/core/prng';
import { loadConfig } from '../../src/runtime/node/config';
import { createNodeRuntime } from '../../src/runtime/node/deps';
import { json, makeTestApp, type TestApp } from '../support/app';
import { conformanceVideo, ffmpegPipe, requireFfmpeg } from '../support/ffmpeg';
import { noiseImage } from '../support/images';
import { blockIndex, findRun, ownTmpdir, scanForUploads } from '../support/scan';

// What this node and ffmpeg write goes to a temp folder of this file's own, which the scans read.
ownTmpdir();

const video = conformanceVideo;
const uploads: Buffer[] = []; // every video byte string sent, for the no-trace check

interface Frame {
  index: number;
  timestamp: number;
  hash: string;
  quality: number;
}
interface Match {
  id: string;
  type: string;
  value: string;
  distance: number;
  labels: string[];
  video?: { queryMatchPercent: number; candidateMatchPercent: number };
  frame?: { index: number; timestamp: number };
}
interface Result {
  query: { type: string; value: string; frames?: number; usableFrames?: number };
  lowQuality?: boolean;
  matches: Match[];
}

let t: TestApp;
const shared = new Map<string, string>(); // video name -> vpdq id
const started = Date.now();

async function post(path: string, bytes: Buffer, type = 'video/mp4'): Promise<Response> {
  uploads.push(bytes);
  return t.request(path, { method: 'POST', headers: { 'content-type': type }, body: new Uint8Array(bytes) });
}

async function share(bytes: Buffer, labels = 'attack-footage', name = 'upload.mp4', type = 'video/mp4'): Promise<Response> {
  uploads.push(bytes);
  const form = new FormData();
  form.set('file', new Blob([new Uint8Array(bytes)], { type }), name);
  form.set('labels', labels);
  return t.request('/v1/hashes/media', { method: 'POST', body: form });
}

async function matchMedia(bytes: Buffer, type = 'video/mp4'): Promise<{ status: number; body: { kind: string; results: Result[] } }> {
  const res = await post('/v1/match/media', bytes, type);
  return { status: res.status, body: await res.json() };
}

const vpdqMatches = (r: Result) => r.matches.filter((m) => m.type === 'vpdq');

/** Live processes whose parent is this one (the app runs here) and whose command line matches (ffmpeg decoding frames). */
function childrenOfThisProcess(commandLine: RegExp): number[] {
  const out: number[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (after[0] !== 'Z' && Number(after[1]) === process.pid && commandLine.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')))
        out.push(Number(pid));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** n frames of unrelated random PDQ hashes, one a second, quality 90. */
function randomFrames(n: number, seed: number): Frame[] {
  const next = mulberry32(seed);
  const word = () => next().toString(16).padStart(8, '0');
  return Array.from({ length: n }, (_, i) => ({ index: 30 * i, timestamp: i, hash: Array.from({ length: 8 }, word).join(''), quality: 90 }));
}

beforeAll(async () => {
  requireFfmpeg();
  // One test shares seven hour-long videos in one request: 25,200 frames, about 3 MB of JSON, over
  // the default MAX_JSON_BYTES (2 MiB holds about 16,500 frames; README).
  t = await makeTestApp({ MAX_JSON_BYTES: String(4 * 1024 * 1024) });
});
afterAll(() => t?.close());

describe('hashing a video', () => {
  it('POST /v1/hash: vpdq frames at 1 fps with quality and timestamp, md5 and sha256 of the file', async () => {
    const bytes = video('chair-orig-22-sd-bar');
    const res = await post('/v1/hash', bytes);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.kind).toBe('video');
    expect(body.media).toMatchObject({ format: 'mp4', width: 480, height: 720 });
    expect(body.media.durationSeconds).toBeCloseTo(22.4, 0);
    const frames: Frame[] = body.hashes.vpdq.frames;
    // 30 fps sampled once a second: frames 0, 30, 60, ... (vPDQ's choice), timestamps index / 30.
    expect(frames.map((f) => f.index)).toEqual(Array.from({ length: frames.length }, (_, i) => 30 * i));
    expect(frames.length).toBe(23);
    for (const f of frames) {
      expect(f.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(f.timestamp).toBeCloseTo(f.index / 30, 3);
      expect(f.quality).toBeGreaterThanOrEqual(0);
    }
    // The value is the SHA-256 of the frame list as vPDQ writes it, recomputed here on its own.
    const text = frames.map((f) => `${f.index},${f.quality},${f.hash},${f.timestamp.toFixed(3)}\n`).join('');
    expect(body.hashes.vpdq.value).toBe(createHash('sha256').update(text).digest('hex'));
    expect(body.hashes.md5.value).toBe(createHash('md5').update(bytes).digest('hex'));
    expect(body.hashes.sha256.value).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('a video sent as multipart or with a wrong image/* type is still recognised by its bytes', async () => {
    const bytes = video('doorknob-hd-no-bar');
    uploads.push(bytes);
    const form = new FormData();
    form.set('file', new Blob([new Uint8Array(bytes)]), 'clip');
    const a = await t.request('/v1/hash', { method: 'POST', body: form });
    const b = await post('/v1/hash', bytes, 'image/jpeg');
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect((await a.json()).hashes.vpdq.value).toBe((await b.json()).hashes.vpdq.value);
  });
});

describe('sharing and matching videos (vPDQ rule: 80 % of the query frames within 31)', () => {
  beforeAll(async () => {
    for (const name of ['chair-orig-22-sd-bar', 'doorknob-hd-no-bar', 'pattern-hd-no-bar']) {
      const res = await share(video(name));
      expect(res.status).toBe(201);
      const body = await res.json();
      expect(body.items.map((i: { type: string }) => i.type)).toEqual(['vpdq', 'md5', 'sha256']);
      expect(body.items[0].created).toBe(true);
      shared.set(name, body.items[0].id);
    }
  });

  it('sharing the same video again is idempotent', async () => {
    const body = await (await share(video('chair-orig-22-sd-bar'))).json();
    expect(body.items[0]).toMatchObject({ id: shared.get('chair-orig-22-sd-bar'), created: false, outcome: 'unchanged' });
  });

  it.each(['chair-22-sd-grey-bar', 'chair-22-with-small-logo-bar'])('%s matches chair-orig-22-sd-bar, and nothing else', async (name) => {
    const { status, body } = await matchMedia(video(name));
    expect(status).toBe(200);
    expect(body.kind).toBe('video');
    const [vpdq, md5, sha256] = body.results;
    expect(vpdq.query).toMatchObject({ type: 'vpdq', frames: 23 });
    expect(md5.matches).toEqual([]);
    expect(sha256.matches).toEqual([]);
    const videos = vpdqMatches(vpdq);
    expect(videos.map((m) => m.id)).toEqual([shared.get('chair-orig-22-sd-bar')]);
    expect(videos[0].video!.queryMatchPercent).toBeGreaterThanOrEqual(80);
    expect(videos[0].labels).toEqual(['attack-footage']);
    console.log(
      `${name} vs chair-orig-22-sd-bar over HTTP: query ${videos[0].video!.queryMatchPercent} %, stored ${videos[0].video!.candidateMatchPercent} %, nearest frame ${videos[0].distance}`,
    );
  });

  it.each(['doorknob-hd-no-bar', 'pattern-hd-no-bar', 'pattern-sd-grey-bar'])('%s does not match the chair video', async (name) => {
    const { status, body } = await matchMedia(video(name));
    expect(status).toBe(200);
    const ids = vpdqMatches(body.results[0]).map((m) => m.id);
    expect(ids).not.toContain(shared.get('chair-orig-22-sd-bar'));
    if (shared.has(name)) expect(ids).toContain(shared.get(name)); // a re-upload finds itself
  });

  it('the chair video does not match doorknob or pattern; a re-upload matches itself exactly (md5 too)', async () => {
    const { body } = await matchMedia(video('chair-orig-22-sd-bar'));
    const videos = vpdqMatches(body.results[0]);
    expect(videos.map((m) => m.id)).toEqual([shared.get('chair-orig-22-sd-bar')]);
    expect(videos[0]).toMatchObject({ distance: 0, video: { queryMatchPercent: 100, candidateMatchPercent: 100 } });
    expect(body.results[1].matches).toHaveLength(1);
  });

  it('a still taken from the video (an image) matches the video, naming the frame', async () => {
    // Frame 300 (10 s) of the original, as a PNG made in memory.
    const png = ffmpegPipe(
      ['-f', 'mp4', '-i', 'pipe:0', '-vf', 'select=eq(n\\,300)', '-frames:v', '1', '-f', 'image2pipe', '-c:v', 'png', 'pipe:1'],
      video('chair-orig-22-sd-bar'),
    );
    const { status, body } = await matchMedia(png, 'image/png');
    expect(status).toBe(200);
    expect(body.kind).toBe('image');
    const pdq = body.results.find((r) => r.query.type === 'pdq')!;
    const hit = pdq.matches.find((m) => m.id === shared.get('chair-orig-22-sd-bar'));
    expect(hit).toBeDefined();
    expect(hit).toMatchObject({ type: 'vpdq', frame: { index: 300, timestamp: 10 } });
    expect(hit!.distance).toBeLessThanOrEqual(31);
    // And only the chair video.
    expect(pdq.matches.filter((m) => m.type === 'vpdq').map((m) => m.id)).toEqual([shared.get('chair-orig-22-sd-bar')]);
  });

  it('a frame of a video query matches a shared image, naming the frame', async () => {
    const png = ffmpegPipe(
      ['-f', 'mp4', '-i', 'pipe:0', '-vf', 'select=eq(n\\,90)', '-frames:v', '1', '-f', 'image2pipe', '-c:v', 'png', 'pipe:1'],
      video('chair-22-with-small-logo-bar'),
    );
    const res = await share(png, 'recruitment', 'still.png', 'image/png');
    expect(res.status).toBe(201);
    const imageId = (await res.json()).items[0].id;
    const { body } = await matchMedia(video('chair-22-with-small-logo-bar'));
    const image = body.results[0].matches.find((m) => m.id === imageId);
    expect(image).toMatchObject({ type: 'pdq', labels: ['recruitment'], frame: { index: 90, timestamp: 3 } });
  });

  it('vpdq as JSON in POST /v1/match: the frames from POST /v1/hash match as the upload did', async () => {
    const hashed = await (await post('/v1/hash', video('chair-22-sd-grey-bar'))).json();
    const res = await t.request('/v1/match', json('POST', { hashes: [{ type: 'vpdq', frames: hashed.hashes.vpdq.frames }] }));
    expect(res.status).toBe(200);
    const [r] = (await res.json()).results as Result[];
    expect(r.query.value).toBe(hashed.hashes.vpdq.value);
    expect(vpdqMatches(r).map((m) => m.id)).toEqual([shared.get('chair-orig-22-sd-bar')]);
    // Raising the share needed to 100 % drops it (the rule is the node's: VPDQ_QUERY_MATCH_PERCENT); a tight frame distance too.
    const tight = await t.request('/v1/match', json('POST', { hashes: [{ type: 'vpdq', frames: hashed.hashes.vpdq.frames }], maxDistance: { vpdq: 2 } }));
    expect(vpdqMatches(((await tight.json()).results as Result[])[0])).toEqual([]);
  });

  it('frame numbers and timestamps out of range, or too many frames in one request -> 400, nothing written', async () => {
    const [f] = randomFrames(1, 3);
    for (const [bad, path] of [
      // biome-ignore lint/correctness/noPrecisionLoss: a timestamp past what the node takes, written as a client might send it
      [{ ...f, timestamp: 9007199254740.993 }, 'items/0/frames/0/timestamp'],
      [{ ...f, index: 2 ** 31 }, 'items/0/frames/0/index'],
      [{ ...f, quality: 101 }, 'items/0/frames/0/quality'],
    ] as const) {
      const res = await t.request('/v1/hashes', json('POST', { items: [{ type: 'vpdq', frames: [bad], labels: ['attack-footage'] }] }));
      expect(res.status).toBe(400);
      expect((await res.json()).errors[0].path).toBe(path);
    }
    // Matching takes at most VIDEO_MAX_FRAMES (3600) frames in one request, over all its items.
    const half = randomFrames(1801, 4);
    const res = await t.request(
      '/v1/match',
      json('POST', {
        hashes: [
          { type: 'vpdq', frames: half },
          { type: 'vpdq', frames: half },
        ],
      }),
    );
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'batch_too_large', detail: expect.stringMatching(/3602 frames/) });
  });

  it('sharing media with an unknown label -> 400 before the video is decoded', async () => {
    const res = await share(video('doorknob-hd-no-bar'), 'not-a-label');
    expect(res.status).toBe(400);
    expect((await res.json()).detail).toMatch(/not-a-label/);
  });

  it('vpdq JSON with a value that is not the digest of its frames, or bad frames -> 400 naming the field', async () => {
    const hashed = await (await post('/v1/hash', video('pattern-sd-grey-bar'))).json();
    const frames: Frame[] = hashed.hashes.vpdq.frames;
    const wrong = await t.request('/v1/match', json('POST', { hashes: [{ type: 'vpdq', value: 'ab'.repeat(32), frames }] }));
    expect(wrong.status).toBe(400);
    expect((await wrong.json()).errors[0].path).toBe('hashes/0/value');
    const bad = await t.request('/v1/hashes', json('POST', { items: [{ type: 'vpdq', frames: [frames[1], frames[0]], labels: ['attack-footage'] }] }));
    expect(bad.status).toBe(400);
    expect((await bad.json()).errors[0].path).toBe('items/0/frames/1/index');
    const none = await t.request('/v1/hashes', json('POST', { items: [{ type: 'vpdq', labels: ['attack-footage'] }] }));
    expect(none.status).toBe(400);
    expect((await none.json()).errors[0].path).toBe('items/0/frames');
  });

  it('the delta feed carries the frames of a new video', async () => {
    const body = await (await t.request('/v1/hashes?limit=100')).json();
    const add = body.entries.find((c: { hash: { id: string } }) => c.hash.id === shared.get('doorknob-hd-no-bar'));
    expect(add.kind).toBe('add');
    expect(add.hash.type).toBe('vpdq');
    expect(add.hash.frames.length).toBeGreaterThan(3);
  });

  it('a feed page ends early once its frames pass 20,000, and the next page goes on from there', async () => {
    let cursor: string | undefined;
    for (let page: any = { hasMore: true }; page.hasMore; cursor = page.nextCursor)
      page = await (await t.request(`/v1/hashes?limit=1000${cursor ? `&cursor=${cursor}` : ''}`)).json();
    // Seven videos of 3600 frames (the most one may hold), 25,200 frames in one share.
    const items = [21, 22, 23, 24, 25, 26, 27].map((seed) => ({ type: 'vpdq', frames: randomFrames(3600, seed), labels: ['attack-footage'] }));
    expect((await t.request('/v1/hashes', json('POST', { items }))).status).toBe(201);
    const first = await (await t.request(`/v1/hashes?limit=1000&cursor=${cursor}`)).json();
    expect(first.entries.map((e: any) => e.hash.frames.length)).toEqual([3600, 3600, 3600, 3600, 3600]);
    expect(first.hasMore).toBe(true);
    const second = await (await t.request(`/v1/hashes?limit=1000&cursor=${first.nextCursor}`)).json();
    expect(second.entries.map((e: any) => e.hash.frames.length)).toEqual([3600, 3600]);
    expect(second.hasMore).toBe(false);
  });

  it('a restart loads the video frames into the index: the edits still match', async () => {
    const config = loadConfig({ DATABASE_URL: `file:${t.dbFile}`, NODE_ENV: 'test', PUBLIC_URL: 'http://node.test', NODE_SECRET_FILE: `${t.dir}/node.secret` });
    const rt = await createNodeRuntime(config);
    try {
      await rt.indexLoaded;
      expect(rt.index.counts().vpdq).toBe(t.rt.index.counts().vpdq);
      expect(rt.index.counts().vpdq).toBeGreaterThan(20);
    } finally {
      rt.close();
    }
  });

  it('retracted and shared again: its frames are back in the index and it matches again; with two members, one retracting leaves it matching', async () => {
    const frames = randomFrames(12, 7);
    const share1 = await t.request('/v1/hashes', json('POST', { items: [{ type: 'vpdq', frames, labels: ['attack-footage'] }] }));
    expect(share1.status).toBe(201);
    const id = (await share1.json()).items[0].id;
    const other = await t.as('partner', 'second member');
    expect((await t.request('/v1/hashes', json('POST', { items: [{ type: 'vpdq', frames, labels: ['recruitment'] }] }, other))).status).toBe(201);
    const matchIds = async () => {
      const res = await t.request('/v1/match', json('POST', { hashes: [{ type: 'vpdq', frames }] }));
      return vpdqMatches(((await res.json()).results as Result[])[0]).map((m) => m.id);
    };
    const full = t.rt.index.counts().vpdq;
    expect(await matchIds()).toEqual([id]);
    // The first member retracts: the second still shares it.
    expect((await t.request(`/v1/hashes/${id}`, { method: 'DELETE' })).status).toBe(200);
    expect(t.rt.index.counts().vpdq).toBe(full);
    expect(await matchIds()).toEqual([id]);
    // The second too: gone from the index.
    expect((await t.request(`/v1/hashes/${id}`, { method: 'DELETE', headers: other })).status).toBe(200);
    expect(t.rt.index.counts().vpdq).toBe(full - 12);
    expect(await matchIds()).toEqual([]);
    // Shared again: the same hash, active, its frames back.
    const again = await t.request('/v1/hashes', json('POST', { items: [{ type: 'vpdq', frames, labels: ['attack-footage'] }] }));
    expect((await again.json()).items[0]).toMatchObject({ id, created: false });
    expect(t.rt.index.counts().vpdq).toBe(full);
    expect(await matchIds()).toEqual([id]);
  });

  it('the match share is compared on counts: 1402 of 2003 frames is under 70 %, 1403 is over', async () => {
    const app70 = await makeTestApp({ VPDQ_QUERY_MATCH_PERCENT: '70' });
    try {
      const stored = randomFrames(1403, 11);
      const extra = randomFrames(601, 12).map((f, i) => ({ ...f, index: 30 * (1403 + i), timestamp: 1403 + i }));
      const share = await app70.request('/v1/hashes', json('POST', { items: [{ type: 'vpdq', frames: stored.slice(0, 1402), labels: ['attack-footage'] }] }));
      expect(share.status).toBe(201);
      const ask = async (frames: Frame[]) =>
        vpdqMatches(((await (await app70.request('/v1/match', json('POST', { hashes: [{ type: 'vpdq', frames }] }))).json()).results as Result[])[0]);
      // 1402 of the query's 2003 frames are stored ones: 69.995 %.
      expect(await ask([...stored.slice(0, 1402), ...extra])).toEqual([]);
      // 1402 of 2002: 70.03 %.
      const hit = await ask([...stored.slice(0, 1402), ...extra.slice(1)]);
      expect(hit).toHaveLength(1);
      expect(hit[0].video!.queryMatchPercent).toBeCloseTo(70.03, 2);
    } finally {
      app70.close();
    }
  });

  it('a retracted video matches no more, by its frames or by a still', async () => {
    const id = shared.get('pattern-hd-no-bar')!;
    expect((await matchMedia(video('pattern-hd-no-bar'))).body.results[0].matches.map((m) => m.id)).toContain(id);
    const before = t.rt.index.counts().vpdq;
    const del = await t.request(`/v1/hashes/${id}`, { method: 'DELETE' });
    expect(del.status).toBe(200);
    expect(t.rt.index.counts().vpdq).toBeLessThan(before);
    expect((await matchMedia(video('pattern-hd-no-bar'))).body.results[0].matches.map((m) => m.id)).not.toContain(id);
  });
});

describe('low quality', () => {
  const black = () =>
    ffmpegPipe(['-f', 'lavfi', '-i', 'color=c=black:s=320x240:d=3:r=10', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-f', 'matroska', 'pipe:1']);

  it('a video with no frame of quality 50 is refused for sharing (422 low_quality) and flagged in a match', async () => {
    const bytes = black();
    const res = await share(bytes);
    expect(res.status).toBe(422);
    const problem = await res.json();
    expect(problem.code).toBe('low_quality');
    expect(problem.errors[0].path).toBe('items/0/frames');
    const { status, body } = await matchMedia(bytes, 'video/x-matroska');
    expect(status).toBe(200);
    expect(body.results[0]).toMatchObject({ lowQuality: true, query: { usableFrames: 0 }, matches: [] });
  });
});

describe('limits and bad input', () => {
  const problemOf = async (res: Response, status: number, code: string) => {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const body = await res.json();
    expect(body.code).toBe(code);
    return body;
  };

  // What ffmpeg and ffprobe say goes to the log; the client reads the node's own words.
  const FFMPEG_TEXT = /Invalid data|ffprobe|ffmpeg|exited with|moov|partial file|127\.0\.0\.1|@ 0x/i;

  it.each([
    ['truncated', 'corrupt_media', () => video('chair-orig-22-sd-bar').subarray(0, 400_000), /partial file|Invalid data/],
    [
      'an MP4 header and then noise',
      'corrupt_media',
      () => Buffer.concat([video('doorknob-hd-no-bar').subarray(0, 32), Buffer.alloc(40_000, 0x5a)]),
      /Invalid data found/,
    ],
    [
      'only audio, no video stream',
      'undecodable_media',
      () => ffmpegPipe(['-f', 'lavfi', '-i', 'sine=frequency=440:duration=1', '-c:a', 'flac', '-f', 'matroska', 'pipe:1']),
      null,
    ],
  ])("%s -> 422 %s on every media route, in the node's own words, nothing shared", async (_what, code, make, logged) => {
    const bytes = make();
    const feedBefore = (await (await t.request('/v1/hashes?limit=1000')).json()).entries.length;
    const causesBefore = t.errorCauses.length;
    for (const path of ['/v1/hash', '/v1/match/media']) expect((await problemOf(await post(path, bytes), 422, code)).detail).not.toMatch(FFMPEG_TEXT);
    const p = await problemOf(await share(bytes), 422, code);
    expect(p.detail).not.toMatch(FFMPEG_TEXT);
    if (logged)
      expect(
        t.errorCauses
          .slice(causesBefore)
          .map((c) => c.cause)
          .join('\n'),
      ).toMatch(logged);
    expect((await (await t.request('/v1/hashes?limit=1000')).json()).entries.length).toBe(feedBefore);
  });

  it('VIDEO_MAX_SECONDS, VIDEO_MAX_FRAMES, VIDEO_MAX_BYTES, VIDEO_TIMEOUT_MS and VIDEO_MAX_PIXELS are enforced with clear problems', async () => {
    const bytes = video('chair-orig-22-sd-bar'); // 22.4 s, 23 frames at 1 fps, 2.6 MB
    const cases: [Record<string, string>, number, string, RegExp][] = [
      [{ VIDEO_MAX_SECONDS: '10' }, 422, 'unprocessable', /at most 10 s/],
      [{ VIDEO_MAX_FRAMES: '5' }, 422, 'unprocessable', /5/],
      [{ VIDEO_MAX_BYTES: String(1024 * 1024) }, 413, 'payload_too_large', /1048576/],
      [{ VIDEO_TIMEOUT_MS: '1000', VIDEO_SECONDS_PER_FRAME: '0' }, 422, 'unprocessable', /longer than 1000 ms/],
      // A frame size over the limit is refused from the header, before any frame is decoded.
      [{ VIDEO_MAX_PIXELS: '100000' }, 422, 'undecodable_media', /480x720/],
    ];
    for (const [env, status, code, detail] of cases) {
      const limited = await makeTestApp(env);
      try {
        uploads.push(bytes);
        const res = await limited.request('/v1/hash', { method: 'POST', headers: { 'content-type': 'video/mp4' }, body: new Uint8Array(bytes) });
        const p = await problemOf(res, status, code);
        expect(p.detail, JSON.stringify(env)).toMatch(detail);
      } finally {
        limited.close();
      }
    }
  });

  it('VIDEO_CONCURRENCY and VIDEO_QUEUE: decodes beyond the slots and the queue get 503 busy with Retry-After', async () => {
    const one = await makeTestApp({ VIDEO_CONCURRENCY: '1', VIDEO_QUEUE: '0' });
    try {
      const bytes = video('chair-orig-22-sd-bar');
      const send = () => one.request('/v1/hash', { method: 'POST', headers: { 'content-type': 'video/mp4' }, body: new Uint8Array(bytes) });
      const [a, b] = await Promise.all([send(), send()]);
      const statuses = [a.status, b.status].sort();
      expect(statuses).toEqual([200, 503]);
      const busy = a.status === 503 ? a : b;
      expect(busy.headers.get('retry-after')).toBe('5');
      expect((await busy.json()).code).toBe('busy');
      expect((await send()).status).toBe(200); // the slot is free again
      expect((await (await one.app.request('/health')).json()).checks.video).toMatchObject({ running: 0, waiting: 0 });
    } finally {
      one.close();
    }
  });

  it("an ffmpeg killed from outside mid-decode (an operator, the OOM killer) -> 503 busy with Retry-After, the node's failure; never 422 corrupt_media", async () => {
    const slow = await makeTestApp({ VIDEO_SECONDS_PER_FRAME: '0' }); // every frame: a decode of seconds
    try {
      const bytes = video('chair-orig-22-sd-bar');
      uploads.push(bytes);
      const res = slow.request('/v1/hash', { method: 'POST', headers: { 'content-type': 'video/mp4' }, body: new Uint8Array(bytes) });
      let killed = 0;
      for (const until = Date.now() + 20_000; killed === 0 && Date.now() < until; await new Promise((r) => setTimeout(r, 25)))
        for (const pid of childrenOfThisProcess(/^ffmpeg .* -f rawvideo /)) {
          process.kill(pid, 'SIGKILL');
          killed++;
        }
      expect(killed).toBe(1);
      const p = await problemOf(await res, 503, 'busy');
      expect(p.detail).toBe(
        "this node's video decoder (ffmpeg) was stopped by SIGKILL before it finished: a failure of this node, not of the video; retry in a moment",
      );
      expect(p.retryAfter).toBe(5);
    } finally {
      await slow.close();
    }
  });

  it('without ffmpeg: video routes answer 501 saying how to install it, images keep working, /health says so and stays ok', async () => {
    const noFfmpeg = await makeTestApp({ FFMPEG_PATH: '/nonexistent/ffmpeg' });
    try {
      for (const path of ['/v1/hash', '/v1/match/media']) {
        const res = await noFfmpeg.request(path, {
          method: 'POST',
          headers: { 'content-type': 'video/mp4' },
          body: new Uint8Array(video('doorknob-hd-no-bar')),
        });
        const p = await problemOf(res, 501, 'video_unavailable');
        expect(p.detail).toMatch(/apt-get install ffmpeg/);
      }
      const img = await noFfmpeg.request('/v1/hash', {
        method: 'POST',
        headers: { 'content-type': 'image/png' },
        body: new Uint8Array(await noiseImage('png', 64, 64, 5)),
      });
      expect(img.status).toBe(200);
      const health = await noFfmpeg.app.request('/health');
      expect(health.status).toBe(200);
      expect((await health.json()).checks.video).toMatchObject({ ok: true, available: false });
    } finally {
      noFfmpeg.close();
    }
    const health = await (await t.app.request('/health')).json();
    expect(health.checks.video).toMatchObject({ ok: true, available: true, detail: expect.stringMatching(/^ffmpeg version/) });
  });
});

describe('no trace of any video', () => {
  it('the search finds a planted run of a video (the check can fail)', () => {
    const v = video('doorknob-hd-no-bar');
    expect(findRun(Buffer.concat([Buffer.alloc(100), v.subarray(5000, 5100)]), blockIndex(v))).toBeGreaterThanOrEqual(0);
  });

  it('no 64-byte run of any uploaded video in the database, the data folder or new temp files', () => {
    expect(uploads.length).toBeGreaterThan(10);
    const distinct = [...new Map(uploads.map((u) => [createHash('sha256').update(u).digest('hex'), u])).values()];
    const { files, holding } = scanForUploads(t.dir, started, distinct);
    expect(files).toContain(t.dbFile);
    expect(holding, holding.join(', ')).toEqual([]);
  });
});
