/**
 * The node's metrics on Node, with prom-client, in one registry per runtime (no global): counters
 * and histograms fed by the services and the HTTP layer (services/observe.ts `Metrics`), gauges read
 * from the runtime when scraped (index sizes, decode slots, the audit tree). Served on an address of
 * its own by ./metrics-server.ts; with INSTANCES > 1 the first process gathers every instance's
 * registry (prom-client's cluster aggregation), each gauge with the aggregation that fits it.
 */
import { AggregatorRegistry, collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Slots } from '../../core/limits';
import type { MatchTally, Metrics } from '../../services/observe';

export interface MetricSources {
  /** Hashes in the match index, per type. */
  indexCounts(): Record<string, number>;
  /** Work that waits for a slot, by `kind`: video (ffmpeg) and pdf (poppler). */
  decodeSlots: { kind: string; slots: Slots }[];
  /** The audit log: its entries, the size of the latest signed tree head and when it was signed. */
  audit(): Promise<{ entries: number; treeSize: number; headTimestamp: number | null }>;
  now(): number;
  /** Per active peer (by URL): seconds since it was last pulled without a failure (the puller's `pullLag`). */
  federationPullLag?: () => Promise<{ peer: string; seconds: number }[]>;
}

/** Request latencies, from a fast match (under a millisecond) to a long video (minutes). */
const REQUEST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
const HASH_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
const MATCH_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5];

export class NodeMetrics implements Metrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly requestSeconds: Histogram<'method' | 'route' | 'status'>;
  private readonly hashSeconds: Histogram<'kind'>;
  private readonly matchSeconds: Histogram;
  private readonly matchQueries: Counter<'type'>;
  private readonly matchHits: Counter<'type'>;
  private readonly shares: Counter<'type' | 'outcome'>;

  constructor(sources: MetricSources) {
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'mhn_http_requests_total',
      help: 'HTTP requests answered, by method, route template and status.',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.requestSeconds = new Histogram({
      name: 'mhn_http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by method, route template and status.',
      labelNames: ['method', 'route', 'status'],
      buckets: REQUEST_BUCKETS,
      registers,
    });
    this.hashSeconds = new Histogram({
      name: 'mhn_hash_duration_seconds',
      help: 'Time to hash one upload (decode and every hash), by kind (image, video, pdf, text; a video or a PDF from when it has a decode slot).',
      labelNames: ['kind'],
      buckets: HASH_BUCKETS,
      registers,
    });
    this.matchSeconds = new Histogram({
      name: 'mhn_match_duration_seconds',
      help: "Time of one match call: a request's queries against the index, with the matches' details.",
      buckets: MATCH_BUCKETS,
      registers,
    });
    this.matchQueries = new Counter({
      name: 'mhn_match_queries_total',
      help: 'Hashes looked up in match requests, by hash type.',
      labelNames: ['type'],
      registers,
    });
    this.matchHits = new Counter({
      name: 'mhn_match_hits_total',
      help: 'Looked-up hashes that matched at least one shared hash, by hash type.',
      labelNames: ['type'],
      registers,
    });
    this.shares = new Counter({
      name: 'mhn_shares_total',
      help: "Shared items, by hash type and outcome (created: a new hash; added: another member's contribution; updated: new labels; unchanged).",
      labelNames: ['type', 'outcome'],
      registers,
    });

    // Gauges, read when scraped. `aggregator`: how INSTANCES > 1 combine (each holds the whole index).
    new Gauge({
      name: 'mhn_index_hashes',
      help: "Hashes in this process's match index, by type.",
      labelNames: ['type'],
      aggregator: 'max',
      registers,
      collect() {
        this.reset();
        for (const [type, n] of Object.entries(sources.indexCounts())) this.set({ type }, n);
      },
    });
    const slotGauge = (name: string, help: string, read: (s: Slots) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['kind'],
        aggregator: 'sum',
        registers,
        collect() {
          for (const { kind, slots } of sources.decodeSlots) this.set({ kind }, read(slots));
        },
      });
    slotGauge('mhn_decode_slots_in_use', 'Decodes running now (each an ffmpeg or poppler process), by kind (video, pdf).', (s) => s.load().running);
    slotGauge('mhn_decode_slots_queued', "Decodes waiting for a slot, by kind; past the queue's size uploads get 503 busy.", (s) => s.load().waiting);
    slotGauge('mhn_decode_slots', 'Decodes that may run at once (VIDEO_CONCURRENCY, PDF_CONCURRENCY), by kind.', (s) => s.size);
    slotGauge('mhn_decode_queue_size', 'Decodes that may wait (VIDEO_QUEUE, PDF_QUEUE), by kind.', (s) => s.queue);

    // The three audit gauges share one read of the database per scrape.
    let audit: Promise<{ entries: number; treeSize: number; headTimestamp: number | null }> | undefined;
    const auditOnce = () => (audit ??= sources.audit().finally(() => setTimeout(() => (audit = undefined), 0)));
    new Gauge({
      name: 'mhn_audit_entries',
      help: 'Entries in the audit log.',
      aggregator: 'max',
      registers,
      async collect() {
        this.set((await auditOnce()).entries);
      },
    });
    new Gauge({
      name: 'mhn_audit_tree_size',
      help: 'Entries covered by the latest signed tree head.',
      aggregator: 'max',
      registers,
      async collect() {
        this.set((await auditOnce()).treeSize);
      },
    });
    new Gauge({
      name: 'mhn_audit_tree_head_age_seconds',
      help: 'Seconds since the latest signed tree head was signed (a new one comes within TREE_HEAD_INTERVAL_MS of new entries); absent before the first.',
      aggregator: 'min',
      registers,
      async collect() {
        this.reset();
        const { headTimestamp } = await auditOnce();
        if (headTimestamp !== null) this.set(Math.max(0, (sources.now() - headTimestamp) / 1000));
      },
    });
    new Gauge({
      name: 'mhn_federation_pull_lag_seconds',
      help: 'Seconds since each active peer (by its URL) was last pulled without a failure; grows while a peer cannot be pulled. Empty in a process that does not pull (FEDERATION_PULL=0).',
      labelNames: ['peer'],
      aggregator: 'min',
      registers,
      async collect() {
        this.reset();
        for (const { peer, seconds } of (await sources.federationPullLag?.()) ?? []) this.set({ peer }, seconds);
      },
    });
  }

  /** Node's own process metrics (CPU, memory, event loop lag, GC) too: for the process that serves them. */
  withProcessMetrics(): this {
    collectDefaultMetrics({ register: this.registry });
    return this;
  }

  /** Lets the first process of INSTANCES > 1 ask this one for its metrics (prom-client's cluster messages). */
  answerClusterRequests(): void {
    new AggregatorRegistry();
    AggregatorRegistry.setRegistries([this.registry]);
  }

  timer(): () => number {
    const t0 = performance.now();
    return () => (performance.now() - t0) / 1000;
  }

  requestDone(route: string, method: string, status: number, seconds: number): void {
    const labels = { method, route, status: String(status) };
    this.requests.inc(labels);
    this.requestSeconds.observe(labels, seconds);
  }

  hashed(kind: 'image' | 'video' | 'pdf' | 'text', seconds: number): void {
    this.hashSeconds.observe({ kind }, seconds);
  }

  matched(seconds: number, tallies: MatchTally[]): void {
    this.matchSeconds.observe(seconds);
    for (const t of tallies) {
      this.matchQueries.inc({ type: t.type }, t.queries);
      this.matchHits.inc({ type: t.type }, t.hits);
    }
  }

  shared(items: { type: string; outcome: string }[]): void {
    for (const it of items) this.shares.inc({ type: it.type, outcome: it.outcome });
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/** The metrics of every instance, gathered by the first process of INSTANCES > 1. */
export function clusterMetrics(): { render(): Promise<{ contentType: string; body: string }> } {
  const agg = new AggregatorRegistry();
  return { render: async () => ({ contentType: agg.contentType, body: await agg.clusterMetrics() }) };
}

/** The metrics listener's requests: GET /metrics, nothing else. */
export function metricsHandler(source: { render(): Promise<{ contentType: string; body: string }> }): (req: Request) => Promise<Response> {
  return async (req) => {
    if (new URL(req.url).pathname !== '/metrics')
      return new Response('not found; the metrics are at /metrics\n', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } });
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return new Response('use GET\n', { status: 405, headers: { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' } });
    try {
      const m = await source.render();
      return new Response(m.body, { headers: { 'content-type': m.contentType, 'cache-control': 'no-store' } });
    } catch (e) {
      return new Response(`the metrics could not be gathered: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}\n`, {
        status: 503,
        headers: { 'content-type': 'text/plain; charset=utf-8' },
      });
    }
  };
}
