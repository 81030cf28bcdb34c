/**
 * /metrics from a real node process, on its own address (METRICS_PORT), read with a Prometheus text
 * parser: request counts and latency histograms by route template and status, hashing and matching
 * durations, index sizes, match and share counts, video decode slots (in use and queued, caught
 * while ffmpeg runs), the audit tree, and the federation hook present and empty. Every count is
 * the exact number of things this test did; the API's port has no /metrics.
 */
import { randomBytes } from 'node:crypto';
import parsePrometheusTextFormat, { type Family } from 'parse-prometheus-text-format';
import { ROBUST_DEFAULTS } from '../../src/core/robust';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conformanceVideo, requireFfmpeg } from '../support/ffmpeg';
import { noiseImage } from '../support/images';
import { childrenNamed, exitedWithin, freePort, logLines, ready, startNode, until, type NodeProcess } from '../support/node-process';

let p: NodeProcess;
let base: string;
let metricsUrl: string;
const dev = { authorization: 'Dev metrics-test partner' };
const asAuditor = { authorization: 'Dev metrics-auditor auditor' };

/**
 * The exposition parsed by parse-prometheus-text-format. That library folds every series of a
 * labelled histogram into one (its `flattenMetrics` keeps no labels), so histograms are parsed a
 * second time with their TYPE line set aside: their _bucket, _sum and _count series then come out
 * as series of their own, with their labels, from the same parser (one family per run of lines,
 * merged here by name).
 */
interface Scrape {
  families: Map<string, Family>;
  series: Map<string, Family>;
}

async function scrape(): Promise<Scrape> {
  const res = await fetch(metricsUrl);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  const families = parsePrometheusTextFormat(text);
  const series = parsePrometheusTextFormat(
    text
      .split('\n')
      .filter((l) => !/^# TYPE \S+ histogram$/.test(l))
      .join('\n'),
  );
  // A histogram's series alternate (buckets, sum, count for each label set): merge them by name.
  const byName = new Map<string, Family>();
  for (const f of series) {
    const had = byName.get(f.name);
    if (had) had.metrics.push(...f.metrics);
    else byName.set(f.name, { ...f, metrics: [...f.metrics] });
  }
  return { families: new Map(families.map((f) => [f.name, f])), series: byName };
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a).sort();
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

/** The value of a counter or gauge series with exactly these labels (0 when the family has none such). */
function value(m: Scrape, name: string, labels: Record<string, string> = {}): number {
  const f = m.families.get(name);
  expect(f, `${name} is exported`).toBeDefined();
  const s = f!.metrics.find((x) => sameLabels(x.labels ?? {}, labels));
  return s ? Number(s.value) : 0;
}

/** One series of a histogram: its cumulative buckets by `le`, count and sum. */
function histogram(m: Scrape, name: string, labels: Record<string, string> = {}): { buckets: Record<string, number>; count: number; sum: number } {
  expect(m.families.get(name)?.type, name).toBe('HISTOGRAM');
  const one = (suffix: string) => m.series.get(`${name}_${suffix}`)?.metrics.find((x) => sameLabels(x.labels ?? {}, labels));
  const count = one('count');
  expect(count, `${name} ${JSON.stringify(labels)}`).toBeDefined();
  const buckets: Record<string, number> = {};
  for (const b of m.series.get(`${name}_bucket`)!.metrics) {
    const { le, ...rest } = b.labels ?? {};
    if (sameLabels(rest, labels)) buckets[le] = Number(b.value);
  }
  return { buckets, count: Number(count!.value), sum: Number(one('sum')!.value) };
}

const post = (path: string, body: unknown, headers: Record<string, string> = dev) =>
  fetch(`${base}${path}`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });

beforeAll(async () => {
  requireFfmpeg();
  const metricsPort = await freePort();
  // Every frame of the videos: a decode of a few seconds, long enough to be seen in its slot.
  p = startNode({
    METRICS_PORT: String(metricsPort),
    VIDEO_CONCURRENCY: '1',
    VIDEO_QUEUE: '3',
    VIDEO_SECONDS_PER_FRAME: '0',
    TREE_HEAD_INTERVAL_MS: '0',
    RATE_LIMIT_PER_SECOND: '0',
  });
  base = await p.url;
  await ready(base);
  metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
}, 60_000);

afterAll(async () => {
  p?.child.kill('SIGKILL');
  await p?.exited;
});

describe('/metrics', () => {
  it('is served on METRICS_HOST:METRICS_PORT only, and says where in the log', async () => {
    expect(logLines(p).find((l) => l.event === 'metrics_listening')).toMatchObject({ url: metricsUrl });
    expect((await fetch(`${base}/metrics`)).status).toBe(404);
    expect((await fetch(metricsUrl.replace('/metrics', '/other'))).status).toBe(404);
    const wrong = await fetch(metricsUrl, { method: 'POST' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, HEAD');
  });

  it('counts what the node did, exactly', async () => {
    const before = await scrape();
    expect(value(before, 'mhn_index_hashes', { type: 'pdq' })).toBe(0);
    expect(value(before, 'mhn_index_hashes', { type: 'md5' })).toBe(0);

    // 5 md5 hashes shared, 2 of them twice (unchanged the second time), one retracted.
    const md5s = Array.from({ length: 5 }, () => randomBytes(16).toString('hex'));
    const first = await post('/v1/hashes', { items: md5s.map((value) => ({ type: 'md5', value, labels: ['attack-footage'] })) });
    expect(first.status).toBe(201);
    const ids = ((await first.json()) as { items: { id: string }[] }).items.map((i) => i.id);
    expect((await post('/v1/hashes', { items: md5s.slice(0, 2).map((value) => ({ type: 'md5', value, labels: ['attack-footage'] })) })).status).toBe(201);
    expect((await fetch(`${base}/v1/hashes/${ids[4]}`, { method: 'DELETE', headers: dev })).status).toBe(200);

    // An image shared from its bytes (pdq, blockhash, md5, sha256), hashed once more, matched as bytes.
    const image = await noiseImage('jpeg', 200, 150, 5);
    const form = new FormData();
    form.set('file', new Blob([new Uint8Array(image)], { type: 'image/jpeg' }), 'a.jpg');
    form.set('labels', 'attack-footage');
    expect((await fetch(`${base}/v1/hashes/media`, { method: 'POST', headers: dev, body: form })).status).toBe(201);
    expect((await fetch(`${base}/v1/hash`, { method: 'POST', headers: { ...dev, 'content-type': 'image/jpeg' }, body: new Uint8Array(image) })).status).toBe(
      200,
    );
    expect(
      (await fetch(`${base}/v1/match/media`, { method: 'POST', headers: { ...dev, 'content-type': 'image/jpeg' }, body: new Uint8Array(image) })).status,
    ).toBe(200);

    // 3 match requests by hash: 4 md5 still shared + 3 unknown; the retracted one misses.
    for (const batch of [
      md5s.slice(0, 3),
      [md5s[3], md5s[4]],
      [randomBytes(16).toString('hex'), randomBytes(16).toString('hex'), randomBytes(16).toString('hex')],
    ]) {
      expect((await post('/v1/match', { hashes: batch.map((value) => ({ type: 'md5', value })) })).status).toBe(200);
    }
    // Refused requests are counted by their status, under the route's template.
    expect((await fetch(`${base}/v1/hashes/not-an-id-${randomBytes(4).toString('hex')}`, { method: 'DELETE', headers: dev })).status).toBe(404);
    expect((await fetch(`${base}/v1/nowhere/${randomBytes(4).toString('hex')}`)).status).toBe(404);

    const m = await scrape();
    const requests = (route: string, method: string, status: number) =>
      value(m, 'mhn_http_requests_total', { method, route, status: String(status) }) -
      value(before, 'mhn_http_requests_total', { method, route, status: String(status) });
    expect(requests('/v1/hashes', 'POST', 201)).toBe(2);
    expect(requests('/v1/hashes/:id', 'DELETE', 200)).toBe(1);
    expect(requests('/v1/hashes/:id', 'DELETE', 404)).toBe(1);
    expect(requests('/v1/match', 'POST', 200)).toBe(3);
    expect(requests('/v1/hashes/media', 'POST', 201)).toBe(1);
    expect(requests('(unmatched)', 'GET', 404)).toBe(1);
    // Route templates only: no raw id in any label.
    const routes = new Set(m.families.get('mhn_http_requests_total')!.metrics.map((x) => x.labels!.route));
    expect([...routes].filter((r) => /not-an-id|nowhere/.test(r))).toEqual([]);
    const latency = histogram(m, 'mhn_http_request_duration_seconds', { method: 'POST', route: '/v1/match', status: '200' });
    expect(latency.count).toBe(3);
    expect(latency.buckets['+Inf']).toBe(3);
    expect(Object.keys(latency.buckets)).toHaveLength(17);
    expect(latency.sum).toBeGreaterThan(0);

    // 5 created, then 2 unchanged; the image's hashes created: md5, sha256, and PDQ and blockhash of
    // the whole noise image, and PDQ of each crop stored at enrolment (no border, bar or turn to undo).
    const perceptual = 1 + ROBUST_DEFAULTS.crops.length;
    expect(value(m, 'mhn_shares_total', { type: 'md5', outcome: 'created' })).toBe(6);
    expect(value(m, 'mhn_shares_total', { type: 'md5', outcome: 'unchanged' })).toBe(2);
    expect(value(m, 'mhn_shares_total', { type: 'pdq', outcome: 'created' })).toBe(perceptual);
    expect(value(m, 'mhn_index_hashes', { type: 'md5' })).toBe(5); // 5 shared, 1 retracted, the image's
    expect(value(m, 'mhn_index_hashes', { type: 'pdq' })).toBe(perceptual);
    expect(value(m, 'mhn_index_hashes', { type: 'blockhash' })).toBe(1); // crops are stored by PDQ alone

    // md5 queries: 3 + 2 + 3 by hash, 1 from the image; hits: 3 + 1 + 0, and the image's own md5.
    expect(value(m, 'mhn_match_queries_total', { type: 'md5' })).toBe(9);
    expect(value(m, 'mhn_match_hits_total', { type: 'md5' })).toBe(5);
    expect(value(m, 'mhn_match_queries_total', { type: 'pdq' })).toBe(1);
    expect(value(m, 'mhn_match_hits_total', { type: 'pdq' })).toBe(1);
    expect(histogram(m, 'mhn_match_duration_seconds').count).toBe(4);
    expect(histogram(m, 'mhn_hash_duration_seconds', { kind: 'image' }).count).toBe(3);

    // The audit log: what the node's signed head says.
    const head = (await (await fetch(`${base}/v1/audit/tree-head?fresh=true`, { headers: asAuditor })).json()) as { treeSize: number };
    const after = await scrape();
    expect(value(after, 'mhn_audit_entries')).toBe(head.treeSize);
    expect(value(after, 'mhn_audit_tree_size')).toBe(head.treeSize);
    const age = value(after, 'mhn_audit_tree_head_age_seconds');
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThan(30);

    // The federation hook: declared, no peer yet.
    expect(after.families.get('mhn_federation_pull_lag_seconds')).toMatchObject({ type: 'GAUGE', metrics: [] });
    // Node's own process metrics.
    expect(value(after, 'process_cpu_seconds_total')).toBeGreaterThan(0);
  }, 60_000);

  it('video decode slots: one in use and one queued while ffmpeg runs; both counted when done', async () => {
    const video = conformanceVideo('chair-orig-22-sd-bar');
    const hashVideo = () =>
      fetch(`${base}/v1/hash`, { method: 'POST', headers: { ...dev, 'content-type': 'video/mp4' }, body: new Uint8Array(video) }).then((r) => r.status);
    const m0 = await scrape();
    expect(value(m0, 'mhn_decode_slots', { kind: 'video' })).toBe(1);
    expect(value(m0, 'mhn_decode_queue_size', { kind: 'video' })).toBe(3);
    const both = Promise.all([hashVideo(), hashVideo()]);
    await until(() => childrenNamed(p.child.pid!, /^ffmpeg$/).length > 0, 20_000, 'ffmpeg to start');
    await until(async () => value(await scrape(), 'mhn_decode_slots_queued', { kind: 'video' }) === 1, 10_000, 'the second video to wait');
    const during = await scrape();
    expect(value(during, 'mhn_decode_slots_in_use', { kind: 'video' })).toBe(1);
    expect(value(during, 'mhn_decode_slots_queued', { kind: 'video' })).toBe(1);
    expect(await both).toEqual([200, 200]);
    const m = await scrape();
    expect(value(m, 'mhn_decode_slots_in_use', { kind: 'video' })).toBe(0);
    expect(value(m, 'mhn_decode_slots_queued', { kind: 'video' })).toBe(0);
    const h = histogram(m, 'mhn_hash_duration_seconds', { kind: 'video' });
    expect(h.count).toBe(2);
    expect(h.sum).toBeGreaterThan(0.2);
  }, 90_000);

  it("INSTANCES=2: the first process serves every instance's metrics, summed (counts) or the largest (index)", async () => {
    const metricsPort = await freePort();
    const many = startNode({ INSTANCES: '2', METRICS_PORT: String(metricsPort), RATE_LIMIT_PER_SECOND: '0' });
    try {
      const url = await many.url;
      await ready(url);
      const md5 = randomBytes(16).toString('hex');
      const r = await fetch(`${url}/v1/hashes`, {
        method: 'POST',
        headers: { ...dev, 'content-type': 'application/json' },
        body: JSON.stringify({ items: [{ type: 'md5', value: md5, labels: ['attack-footage'] }] }),
      });
      expect(r.status).toBe(201);
      // The other instance applies the share from the change log within FOLLOW_INTERVAL_MS (200 ms).
      await new Promise((ok) => setTimeout(ok, 1000));
      // Fresh connections, so the kernel spreads them over both instances.
      for (let i = 0; i < 20; i++) {
        const res = await fetch(`${url}/v1/match`, {
          method: 'POST',
          headers: { ...dev, 'content-type': 'application/json', connection: 'close' },
          body: JSON.stringify({ hashes: [{ type: 'md5', value: md5 }] }),
        });
        expect(res.status).toBe(200);
      }
      const saved = metricsUrl;
      metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
      try {
        const m = await scrape();
        expect(value(m, 'mhn_http_requests_total', { method: 'POST', route: '/v1/match', status: '200' })).toBe(20);
        expect(value(m, 'mhn_match_queries_total', { type: 'md5' })).toBe(20);
        expect(value(m, 'mhn_match_hits_total', { type: 'md5' })).toBe(20);
        // Both instances follow the change log to the one hash: the largest, not the sum.
        await until(async () => value(await scrape(), 'mhn_index_hashes', { type: 'md5' }) === 1, 5000, 'the index gauge');
        const pids = new Set(
          logLines(many)
            .filter((l) => l.event === 'start')
            .map((l) => l.pid),
        );
        expect(pids.size).toBe(2);
      } finally {
        metricsUrl = saved;
      }
    } finally {
      many.child.kill('SIGTERM');
      await exitedWithin(many, 20_000);
    }
  }, 60_000);
});
