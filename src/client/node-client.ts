/**
 * NodeClient: a member's integration with a media-hash node, in a few calls. It signs in with the
 * member's own private key (private_key_jwt, tokens bought and refreshed as needed), sends typed
 * requests (types generated from the node's /openapi.json), waits and tries again on 429 and 503,
 * and splits large share and match calls into requests the node takes.
 *
 * Runtime-neutral: no Node APIs. What differs between Node, browsers and Workers comes in as options
 * (`fetch`, e.g. a Worker's service binding; `sleep`, `now`, `random`, `randomId` for tests).
 *
 * Past 300 lines on purpose: one method per API operation, so the class reads as the API's table of
 * contents; signing in, retries and batching live in auth.ts, retry.ts and batch.ts.
 */
import createClient, { type Client } from 'openapi-fetch';
import type { paths } from './api-types';
import { fetchServerMetadata, TokenSource, type AuthorizationServerMetadata, type ClientKey, type TokenResponse } from './auth';
import { batches, type BatchLimits } from './batch';
import { NodeApiError, NodeClientUsageError, problemBodyOf } from './errors';
import { isVideo, sniffImageFormat, sniffVideoContainer } from './hashing';
import { parseRetryAfter, sendWithRetries, type FetchLike, type RetryEnv, type RetryOptions } from './retry';
import {
  DEFAULT_CLIENT_LIMITS,
  type AuditEntries,
  type BatchProgress,
  type ClientLimits,
  type ClientView,
  type ConsistencyProof,
  type FeedbackResult,
  type FeedPage,
  type Health,
  type InclusionProof,
  type Jwks,
  type LabelId,
  type Labels,
  type MatchQuery,
  type MatchRequest,
  type MatchResult,
  type Media,
  type MediaHashes,
  type MediaMatch,
  type MediaShare,
  type RetractResult,
  type RetractedItem,
  type Role,
  type RotatedKeys,
  type AddPeer,
  type PeerView,
  type UpdatePeer,
  type ShareItem,
  type ShareResult,
  type SignedTreeHead,
  type Verdict,
} from './types';

export interface NodeClientOptions {
  /** The node's base URL, e.g. https://hashes.example.org. */
  node: string;
  /** Your client id, as the admin gave it. Needed for every call but the public ones (health, keys, labels' metadata). */
  clientId?: string;
  /** Your private key: the JWK `client keygen` wrote, or a CryptoKey with its alg. */
  key?: ClientKey;
  /** Ask for fewer scopes than your role has (space-separated). */
  scope?: string;
  /** The fetch to use (default: globalThis.fetch). A Worker passes its service binding's. */
  fetch?: FetchLike | ((input: Request, init?: RequestInit) => Promise<Response>);
  retry?: RetryOptions;
  limits?: Partial<ClientLimits>;
  /** Buy a new access token this long before the current one expires (default 60 s). */
  refreshMarginS?: number;
  /** Told before each wait on a 429 or 503. */
  onRetry?: RetryEnv['onRetry'];
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** jti of each client assertion (default crypto.randomUUID). */
  randomId?: () => string;
}

export class NodeClient {
  readonly url: string;
  /** The typed openapi-fetch client, signed in: for any operation this class does not wrap. */
  readonly api: Client<paths>;
  readonly limits: ClientLimits;
  private readonly publicApi: Client<paths>;
  private readonly tokens: TokenSource | null;
  private readonly send: (make: () => Request | Promise<Request>) => Promise<Response>;
  private readonly authedFetch: FetchLike;
  private readonly inner: FetchLike;
  private readonly retryEnv: RetryEnv;
  private metadata: Promise<AuthorizationServerMetadata | null> | null = null;

  constructor(private readonly opts: NodeClientOptions) {
    this.url = opts.node.replace(/\/+$/, '');
    try {
      new URL(this.url);
    } catch {
      throw new NodeClientUsageError(`the node URL ${JSON.stringify(opts.node)} is not a URL (e.g. https://hashes.example.org)`);
    }
    this.limits = { ...DEFAULT_CLIENT_LIMITS, ...opts.limits };
    const given: FetchLike = opts.fetch ?? ((req: Request) => globalThis.fetch(req));
    // Each answer remembers what was asked: a custom fetch (a Worker binding) may give a Response without a url.
    const inner: FetchLike = async (req) => {
      const res = await given(req);
      if (!res.url) requestUrls.set(res, req.url);
      return res;
    };
    this.inner = inner;
    const env: RetryEnv = {
      sleep: opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
      random: opts.random ?? Math.random,
      now: opts.now ?? Date.now,
      onRetry: opts.onRetry,
    };
    this.retryEnv = env;
    const retry = opts.retry ?? {};
    this.send = (make) => sendWithRetries(make, inner, retry, env);
    this.tokens =
      opts.clientId && opts.key
        ? new TokenSource({
            base: this.url,
            clientId: opts.clientId,
            key: opts.key,
            scope: opts.scope,
            refreshMarginS: opts.refreshMarginS,
            send: this.send,
            metadata: () => this.serverMetadata(),
            now: env.now,
            randomId: opts.randomId ?? (() => crypto.randomUUID()),
          })
        : null;
    this.authedFetch = (request) => this.sendAuthed(request);
    this.api = createClient<paths>({ baseUrl: this.url, fetch: this.authedFetch });
    this.publicApi = createClient<paths>({ baseUrl: this.url, fetch: (request: Request) => this.send((/* every attempt */) => request.clone()) });
  }

  // ---------------------------------------------------------------------------------------------
  // Signing in

  /** The node's RFC 8414 metadata (issuer, token endpoint, algorithms), or null when it has none. Read once. */
  serverMetadata(): Promise<AuthorizationServerMetadata | null> {
    this.metadata ??= fetchServerMetadata(this.url, this.send).catch((e) => {
      this.metadata = null;
      throw e;
    });
    return this.metadata;
  }

  /** A current access token (bought, or kept from before and not about to expire). */
  token(): Promise<string> {
    return this.tokenSource().token();
  }

  /** One fresh token request, as the node answers it (expires_in, scope). */
  requestToken(): Promise<TokenResponse> {
    return this.tokenSource().request();
  }

  private tokenSource(): TokenSource {
    if (!this.tokens) throw new NodeClientUsageError('this call needs credentials: give NodeClient a clientId and a key');
    return this.tokens;
  }

  /**
   * Sends with the current token; a 401 after a kept token (revoked key, node restarted with other
   * keys, token expired in a suspended laptop) buys a new one and tries once more.
   */
  private async sendAuthed(request: Request): Promise<Response> {
    const tokens = this.tokenSource();
    let used = '';
    const attempt = (req: Request) =>
      this.send(async () => {
        used = await tokens.token();
        const headers = new Headers(req.headers);
        headers.set('authorization', `Bearer ${used}`);
        return new Request(req.clone(), { headers });
      });
    const res = await attempt(request);
    if (res.status !== 401) return res;
    const stale = used;
    tokens.invalidate(stale);
    if ((await tokens.token()) === stale) return res;
    await res.body?.cancel().catch(() => undefined);
    return attempt(request);
  }

  // ---------------------------------------------------------------------------------------------
  // Public

  /** GET /health: 200 when ready; a 503 (starting, index loading) is returned at once, not retried or thrown. */
  async health(): Promise<{ ready: boolean; body: Health }> {
    const res = await sendWithRetries(() => new Request(`${this.url}/health`), this.inner, { retries: 0 }, this.retryEnv);
    const body = (await res.json().catch(() => undefined)) as Health | undefined;
    if (!body || (res.status !== 200 && res.status !== 503)) throw await apiError('GET', res, body);
    return { ready: res.status === 200, body };
  }

  jwks(): Promise<Jwks> {
    return unwrap('GET', this.publicApi.GET('/.well-known/jwks.json'));
  }

  labels(): Promise<Labels> {
    return unwrap('GET', this.api.GET('/v1/labels'));
  }

  // ---------------------------------------------------------------------------------------------
  // Hashing and matching

  /** POST /v1/hash: the node hashes the image or video and stores nothing. */
  hash(media: Media, opts: { contentType?: string } = {}): Promise<MediaHashes> {
    return this.media<MediaHashes>('/v1/hash', media, opts.contentType);
  }

  /** POST /v1/match/media: the media's hashes and their matches. */
  matchMedia(media: Media, opts: { contentType?: string; dihedral?: boolean } = {}): Promise<MediaMatch> {
    return this.media<MediaMatch>(`/v1/match/media${opts.dihedral ? '?dihedral=true' : ''}`, media, opts.contentType);
  }

  /**
   * POST /v1/match for any number of hashes: sent in requests of at most `maxBatchItems` hashes,
   * `maxRequestBytes` bytes and `maxMatchFrames` frames, one after another; the results come back
   * in the order of `hashes`.
   */
  async match(
    hashes: readonly MatchQuery[],
    opts: { maxDistance?: MatchRequest['maxDistance']; dihedral?: boolean; onProgress?: (p: BatchProgress) => void } = {},
  ): Promise<{ results: MatchResult[] }> {
    const extra = { ...(opts.maxDistance ? { maxDistance: opts.maxDistance } : {}), ...(opts.dihedral !== undefined ? { dihedral: opts.dihedral } : {}) };
    const groups = batches(hashes, this.batchLimits(this.limits.maxMatchFrames), (h) => ({ hashes: h, ...extra }), 'hash');
    const results: MatchResult[] = [];
    for (const [i, group] of groups.entries()) {
      const body = await unwrap('POST', this.api.POST('/v1/match', { body: { hashes: group, ...extra } }));
      results.push(...body.results);
      opts.onProgress?.({ done: i + 1, batches: groups.length, items: results.length, total: hashes.length });
    }
    return { results };
  }

  // ---------------------------------------------------------------------------------------------
  // Sharing

  /**
   * POST /v1/hashes for any number of items, split as `match` splits; results in the order of
   * `items`. Requests already sent stay shared if a later one fails (sharing is idempotent: send
   * the whole list again).
   */
  async share(items: readonly ShareItem[], opts: { onProgress?: (p: BatchProgress) => void } = {}): Promise<{ items: ShareResult[] }> {
    // A file's hashes (one item) in one request where they fit: one commit at the node, one audit entry.
    const groups = batches(
      items,
      this.batchLimits(this.limits.maxShareFrames),
      (it) => ({ items: it }),
      'item',
      (it) => ('item' in it && it.item ? `${it.item.kind}:${it.item.sha256}` : undefined),
    );
    const out: ShareResult[] = [];
    for (const [i, group] of groups.entries()) {
      const body = await unwrap('POST', this.api.POST('/v1/hashes', { body: { items: group } }));
      out.push(...body.items);
      opts.onProgress?.({ done: i + 1, batches: groups.length, items: out.length, total: items.length });
    }
    return { items: out };
  }

  /** POST /v1/hashes/media: the node hashes the media and shares its hashes. */
  shareMedia(media: Media, opts: { labels: readonly LabelId[]; externalId?: string; filename?: string; contentType?: string }): Promise<MediaShare> {
    const form = new FormData();
    const blob = media instanceof Blob && !opts.contentType ? media : new Blob([bytesOf(media)], { type: opts.contentType ?? mediaType(media) });
    form.set('file', blob, opts.filename ?? 'media');
    form.set('labels', opts.labels.join(','));
    if (opts.externalId !== undefined) form.set('externalId', opts.externalId);
    return this.authedJson<MediaShare>('POST', '/v1/hashes/media', form);
  }

  /** DELETE /v1/hashes/{id}: withdraw your contribution (admins: every one). */
  retract(id: string): Promise<RetractResult> {
    return unwrap('DELETE', this.api.DELETE('/v1/hashes/{id}', { params: { path: { id } } }));
  }

  /**
   * DELETE /v1/items/{id}: withdraw your share of an item (the hashes of one piece of media: a share's
   * `item`) and your contributions to all its hashes in one commit; `kept` lists those another item
   * of yours, or your share of the hash alone, still holds (admins: everyone's share).
   */
  retractItem(id: string): Promise<RetractedItem> {
    return unwrap('DELETE', this.api.DELETE('/v1/items/{id}', { params: { path: { id } } }));
  }

  /** POST /v1/hashes/{id}/feedback: one standing verdict per member. */
  feedback(id: string, verdict: Verdict, reason?: string): Promise<FeedbackResult> {
    return unwrap(
      'POST',
      this.api.POST('/v1/hashes/{id}/feedback', { params: { path: { id } }, body: { verdict, ...(reason !== undefined ? { reason } : {}) } }),
    );
  }

  /** GET /v1/hashes: one page of the delta feed after `cursor` (from the start without one). */
  feed(opts: { cursor?: string; limit?: number } = {}): Promise<FeedPage> {
    return unwrap(
      'GET',
      this.api.GET('/v1/hashes', { params: { query: { ...(opts.cursor ? { cursor: opts.cursor } : {}), ...(opts.limit ? { limit: opts.limit } : {}) } } }),
    );
  }

  /**
   * Every page of the feed from `cursor`: at once while the node has more, then (with `follow`)
   * one poll every `intervalMs` (default 5 s) for ever, until `signal` aborts. Empty pages are
   * yielded only when following, so the caller can save each `nextCursor`.
   */
  async *pages(opts: { cursor?: string; limit?: number; follow?: boolean; intervalMs?: number; signal?: AbortSignal } = {}): AsyncGenerator<FeedPage> {
    let cursor = opts.cursor;
    const sleep = this.opts.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
    for (;;) {
      if (opts.signal?.aborted) return;
      const page = await this.feed({ cursor, limit: opts.limit });
      cursor = page.nextCursor;
      if (page.entries.length || opts.follow) yield page;
      if (page.hasMore) continue;
      if (!opts.follow) return;
      await abortableSleep(sleep, opts.intervalMs ?? 5000, opts.signal);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Admin (role admin)

  readonly admin = {
    listClients: (): Promise<{ clients: ClientView[] }> => unwrap('GET', this.api.GET('/v1/admin/clients')),
    getClient: (id: string): Promise<ClientView> => unwrap('GET', this.api.GET('/v1/admin/clients/{id}', { params: { path: { id } } })),
    /** Admits a client; give the public JWK the member made (`client keygen`): the node never sees a private key. */
    createClient: (input: { role: Role; name: string; jwk?: Record<string, unknown>; jwksUrl?: string }): Promise<ClientView> =>
      unwrap('POST', this.api.POST('/v1/admin/clients', { body: input })),
    suspendClient: (id: string): Promise<ClientView> => unwrap('POST', this.api.POST('/v1/admin/clients/{id}/suspend', { params: { path: { id } } })),
    reactivateClient: (id: string): Promise<ClientView> => unwrap('POST', this.api.POST('/v1/admin/clients/{id}/reactivate', { params: { path: { id } } })),
    addClientKey: (id: string, jwk: Record<string, unknown>): Promise<ClientView> =>
      unwrap('POST', this.api.POST('/v1/admin/clients/{id}/keys', { params: { path: { id } }, body: { jwk } })),
    revokeClientKey: (id: string, kid: string): Promise<ClientView> =>
      unwrap('DELETE', this.api.DELETE('/v1/admin/clients/{id}/keys/{kid}', { params: { path: { id, kid } } })),
    /** A new node signing key, at once on the node that answers (and within a second on its other instances). */
    rotateNodeKeys: (): Promise<RotatedKeys> => unwrap('POST', this.api.POST('/v1/admin/keys/rotate')),
    /** The peer nodes this node pulls from (federation). */
    listPeers: (): Promise<{ peers: PeerView[] }> => unwrap('GET', this.api.GET('/v1/admin/peers')),
    getPeer: (id: string): Promise<PeerView> => unwrap('GET', this.api.GET('/v1/admin/peers/{id}', { params: { path: { id } } })),
    addPeer: (input: AddPeer): Promise<PeerView> => unwrap('POST', this.api.POST('/v1/admin/peers', { body: input })),
    updatePeer: (id: string, input: UpdatePeer): Promise<PeerView> =>
      unwrap('PATCH', this.api.PATCH('/v1/admin/peers/{id}', { params: { path: { id } }, body: input })),
    pausePeer: (id: string): Promise<PeerView> => unwrap('POST', this.api.POST('/v1/admin/peers/{id}/pause', { params: { path: { id } } })),
    resumePeer: (id: string): Promise<PeerView> => unwrap('POST', this.api.POST('/v1/admin/peers/{id}/resume', { params: { path: { id } } })),
    restartPeer: (id: string): Promise<PeerView> => unwrap('POST', this.api.POST('/v1/admin/peers/{id}/restart', { params: { path: { id } } })),
    removePeer: (id: string): Promise<PeerView> => unwrap('DELETE', this.api.DELETE('/v1/admin/peers/{id}', { params: { path: { id } } })),
  };

  // ---------------------------------------------------------------------------------------------
  // Audit (role auditor)

  readonly audit = {
    treeHead: (opts: { fresh?: boolean } = {}): Promise<SignedTreeHead> =>
      unwrap('GET', this.api.GET('/v1/audit/tree-head', { params: { query: opts.fresh ? { fresh: 'true' } : {} } })),
    entries: (start: number, end: number): Promise<AuditEntries> => unwrap('GET', this.api.GET('/v1/audit/entries', { params: { query: { start, end } } })),
    inclusion: (index: number, treeSize: number): Promise<InclusionProof> =>
      unwrap('GET', this.api.GET('/v1/audit/proof/inclusion', { params: { query: { index, treeSize } } })),
    consistency: (first: number, second: number): Promise<ConsistencyProof> =>
      unwrap('GET', this.api.GET('/v1/audit/proof/consistency', { params: { query: { first, second } } })),
  };

  // ---------------------------------------------------------------------------------------------

  private batchLimits(maxFrames: number): BatchLimits {
    return { maxItems: this.limits.maxBatchItems, maxBytes: this.limits.maxRequestBytes, maxFrames };
  }

  private media<T>(path: string, media: Media, contentType?: string): Promise<T> {
    const body = bytesOf(media);
    const type = contentType ?? (media instanceof Blob && media.type ? media.type : mediaType(media));
    return this.authedJson<T>('POST', path, body, type);
  }

  private async authedJson<T>(method: string, path: string, body: BodyInit, contentType?: string): Promise<T> {
    const res = await this.sendAuthed(new Request(`${this.url}${path}`, { method, body, headers: contentType ? { 'content-type': contentType } : {} }));
    const parsed: unknown = await res.json().catch(() => undefined);
    if (!res.ok || parsed === undefined) throw await apiError(method, res, parsed);
    return parsed as T;
  }
}

const requestUrls = new WeakMap<Response, string>();

async function unwrap<T>(method: string, p: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await p;
  if (response.ok && data !== undefined) return data;
  throw await apiError(method, response, error);
}

async function apiError(method: string, res: Response, body: unknown): Promise<NodeApiError> {
  const problem = problemBodyOf(body);
  return new NodeApiError({
    method,
    url: res.url || requestUrls.get(res) || '',
    status: res.status,
    problem,
    retryAfterS: parseRetryAfter(res.headers.get('retry-after'), Date.now()),
  });
}

/** The media as a body: a Blob as it is, bytes backed by an ArrayBuffer (copied when they are not, e.g. shared memory). */
function bytesOf(media: Uint8Array | ArrayBuffer | Blob): Uint8Array<ArrayBuffer> | Blob {
  if (media instanceof Blob) return media;
  if (media instanceof ArrayBuffer) return new Uint8Array(media);
  return media.buffer instanceof ArrayBuffer ? new Uint8Array(media.buffer, media.byteOffset, media.byteLength) : new Uint8Array(media);
}

/** The Content-Type a media body needs (the node reads the bytes; the type says image or video). */
function mediaType(media: Media): string {
  if (media instanceof Blob) return media.type || 'application/octet-stream';
  const bytes = media instanceof ArrayBuffer ? new Uint8Array(media) : media;
  const image = sniffImageFormat(bytes);
  if (image) return `image/${image}`;
  if (isVideo(bytes)) return `video/${sniffVideoContainer(bytes) ?? 'mp4'}`;
  return 'application/octet-stream';
}

function abortableSleep(sleep: (ms: number) => Promise<void>, ms: number, signal?: AbortSignal): Promise<void> {
  if (!signal) return sleep(ms);
  return new Promise((resolve) => {
    const done = () => {
      signal.removeEventListener('abort', done);
      resolve();
    };
    signal.addEventListener('abort', done);
    void sleep(ms).then(done);
  });
}
