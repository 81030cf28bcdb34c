/**
 * The puller (DESIGN §8): for each active peer, a loop that gets a token from the peer with this
 * node's own key (RFC 7523 assertion, kid in this node's JWKS), reads one batch of its federation
 * feed from the stored cursor, verifies it (services/federation/verify.ts) and applies it in one
 * ledger commit (items, new cursor, one `federation.pull` audit entry). While the peer says `more`
 * it pulls again at once; else it waits the peer's interval.
 *
 * A backlog is pulled as a pipeline: the peer's answers are fetched back to back (the next one asked
 * for as soon as an answer names its `nextCursor`, at most PREFETCH answers ahead), the next batch
 * is verified while the current one commits, and the index follows each commit while the next one
 * is written. Nothing of a batch is used before it is verified against the cursor this node holds:
 * an answer fetched ahead is kept under the cursor it was asked from, and taken only when the
 * verified chain reaches that cursor.
 *
 * A failure (the peer unreachable, a refused batch) is recorded on the peer and retried after an
 * exponential backoff with jitter; a refused batch applies nothing.
 *
 * Several instances on one database may all run it: the commit applies a batch only if the peer's
 * cursor is still the batch's `from`, so a batch two instances pulled is applied once.
 *
 * Over 300 lines on purpose: the loop, its pipeline and its refusals share one peer's state (cursor,
 * backoff, keys); verifying a batch and committing it are in their own files.
 */
import { SignJWT } from 'jose';
import { errorNameOf, messageOf } from '../../core/errors';
import { backoffDelay, mergeBatchItems, type CheckedItem } from '../../core/federation';
import { count, member, parseJson, text as textOf } from '../../core/json';
import { withoutControls } from '../../core/text';
import type { FederationStore, Ledger, PeerRow, PulledItem } from '../../storage/types';
import type { Follower } from '../change-follower';
import type { Keyring } from '../keyring';
import { NODE_ALG } from '../keyring';
import type { Logger } from '../observe';
import { frameRows, pageRows } from '../sharing';
import { readCapped, type FetchLike, type RemoteJwks } from './remote-jwks';
import { jwksUrlOf, verifyBatch } from './verify';

export interface PullerSettings {
  /** Items asked for per batch (this node serves at most FEDERATION_MAX_LIMIT; a peer that serves fewer is asked for PEER_MIN_LIMIT). */
  batchLimit: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Time limit of each HTTP request to a peer. */
  timeoutMs: number;
  /** Largest feed answer read (a batch of 1000 items with 20,000 video frames is about 3 MB). */
  maxBodyBytes: number;
}

/** Answers of one peer fetched ahead of the batch being verified and committed, at most. */
const PREFETCH = 2;

/**
 * The batch every node serves (the feed took `limit` up to 1000 before it took 5000). A peer that refuses
 * the larger limit this node asks for (400 naming `limit`) is asked for this many from then on.
 */
export const PEER_MIN_LIMIT = 1000;

/** Hashes withdrawn a commit at the end of a re-read after `peers restart` (each named in its audit entry). */
const WITHDRAW_CHUNK = 500;

interface FeedAnswer {
  batch: string;
  nextCursor: string;
  more: boolean;
}

/** One drain's answers fetched ahead, by the cursor each was asked from; closed when the drain ends. */
interface Prefetch {
  answers: Map<string, Promise<FeedAnswer>>;
  open: boolean;
  /** The last answer in, whose next one waits for room. */
  waiting?: { from: string; body: FeedAnswer };
}

export const DEFAULT_PULLER: PullerSettings = {
  batchLimit: 2000,
  backoffBaseMs: 1000,
  backoffMaxMs: 300_000,
  timeoutMs: 30_000,
  maxBodyBytes: 32 * 1024 * 1024,
};

export interface PullerDeps {
  ledger: Ledger;
  federation: FederationStore;
  keyring: Keyring;
  remoteJwks: RemoteJwks;
  follower: Follower;
  fetch: FetchLike;
  now: () => number;
  newId: () => string;
  random: () => number;
  /** This node's PUBLIC_URL (named when a peer refuses it). */
  issuer: string;
  settings: PullerSettings;
  /** The node's log: a peer's failures, and its recovery after them. */
  logger?: Logger;
}

/** A pull that failed. */
export class PullError extends Error {
  constructor(
    message: string,
    /** The batch came but failed a check: nothing of it applied. */
    readonly refused?: { from: string; jwsSha256: string | null },
    /** Kept whole on the peer's row even past MAX_ERROR: the node's own words, bounded as they are built (a remedy whose commands must not be cut). */
    readonly whole = false,
  ) {
    super(message);
  }
}

/** A batch whose signature and payload were checked, ready to apply. */
interface VerifiedPull {
  from: string;
  to: string;
  /** Items as served (the audit entry's count). */
  served: number;
  items: CheckedItem[];
  jwsSha256: string;
  more: boolean;
}

/** A verified batch ready to commit (`prepare`). */
interface PreparedPull {
  batch: VerifiedPull;
  items: PulledItem[];
  /** Per item: no row of it here (the commit inserts it without looking). */
  fresh: boolean[];
  /** `type:value` of every item. */
  keys: Set<string>;
}

/** A commit's outcome, and when this process's index has followed it. */
interface Applied {
  outcome: PullOutcome;
  caughtUp: Promise<void>;
}

export interface PullOutcome {
  /** Items in the batch as served. */
  items: number;
  /** The batch was committed by this call (false: nothing new, or another instance applied it). */
  applied: boolean;
  more: boolean;
  /** The cursor the batch ends at. */
  to: string;
}

interface Loop {
  timer: ReturnType<typeof setTimeout> | null;
  failures: number;
  running: boolean;
  stopped: boolean;
  /** Set when the peer changed while a pull ran: look again at once. */
  again: boolean;
  /**
   * When this process last pulled the peer without a failure, or began pulling it (the loop's start:
   * the process's, or the peer added or resumed), for mhn_federation_pull_lag_seconds.
   */
  goodAt: number;
}

/** Longest lastError kept (the node's words around the peer's, whole up to here). */
const MAX_ERROR = 1000;
/** Longest part of a peer's problem `detail` quoted in a failure. */
const MAX_PEER_DETAIL = 500;

export class Puller {
  private readonly loops = new Map<string, Loop>();
  private readonly tokens = new Map<string, { token: string; until: number }>();
  /** Peers that refused `batchLimit` items a batch: the limit they take. */
  private readonly limits = new Map<string, number>();
  private started = false;
  private refreshing: Promise<void> | null = null;

  constructor(private readonly deps: PullerDeps) {}

  /** Starts a loop for every active peer (and follows later changes through `refresh`). */
  async start(): Promise<void> {
    this.started = true;
    await this.refresh();
  }

  stop(): void {
    this.started = false;
    for (const l of this.loops.values()) this.halt(l);
    this.loops.clear();
  }

  /** The peers changed (the change log says so): loops for new active peers, none for paused or removed ones. */
  refresh(): Promise<void> {
    if (!this.started) return Promise.resolve();
    this.refreshing ??= this.deps.federation
      .listPeers()
      .then((peers) => {
        const active = new Set(peers.filter((p) => p.status === 'active').map((p) => p.id));
        for (const [id, l] of this.loops) if (!active.has(id)) this.halt(l), this.loops.delete(id);
        for (const id of active) {
          const l = this.loops.get(id);
          if (!l) this.schedule(id, this.newLoop(id), 0);
          else if (l.running) l.again = true;
          else this.schedule(id, l, 0); // an interval or a backoff changed: look now
        }
      })
      .catch((e) => this.deps.logger?.warn({ event: 'federation_peers_unreadable', error: messageOf(e) }, `federation: cannot read the peers: ${messageOf(e)}`))
      .finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  /** One batch from the peer: fetched, verified, applied. Throws PullError when the pull fails. */
  async pullOnce(peer: PeerRow): Promise<PullOutcome> {
    const { outcome, caughtUp } = await this.apply(peer, await this.fetchVerified(peer, peer.cursor));
    await caughtUp;
    return outcome;
  }

  /**
   * Pulls while the peer says there is more, in a pipeline: while one batch's commit is written, the
   * next one is verified (from the `to` the current one signs) and what this node already holds of
   * it is read, so the writer goes from one commit to the next. True when it should look again at
   * once: another instance applied a batch first, so this one's chain is no longer the peer's.
   */
  private async drain(peer: PeerRow): Promise<boolean> {
    const prefetch: Prefetch = { answers: new Map(), open: true };
    let next = this.fetchVerified(peer, peer.cursor, prefetch);
    let caughtUp: Promise<void> = Promise.resolve();
    // The commit being written, and the keys of its batch's items.
    let writing: { done: Promise<Applied>; keys: Set<string> } | null = null;
    /** Waits for the commit being written; false when it did not apply. */
    const settle = async (): Promise<boolean> => {
      if (!writing) return true;
      const r = await writing.done;
      writing = null;
      // The index follows the commit before this one while this one is written; at most one behind.
      await caughtUp;
      caughtUp = r.caughtUp;
      return r.outcome.applied;
    };
    try {
      for (;;) {
        let batch: VerifiedPull;
        let ahead: Promise<VerifiedPull> | null;
        let prepared: PreparedPull | null;
        try {
          batch = await next;
          ahead = batch.more && batch.to !== batch.from ? this.fetchVerified(peer, batch.to, prefetch) : null;
          ahead?.catch(() => {}); // a failure of the batch ahead counts when it is awaited
          prepared = await this.prepare(peer, batch, writing?.keys);
        } catch (e) {
          // The commit being written comes first: its own failure, or its finding that another
          // instance applied that batch, is what this drain reports, not the next batch's.
          if (!(await settle())) return true;
          throw e;
        }
        if (!(await settle())) return true;
        if (!prepared) {
          if (!batch.more) await this.withdrawUnseen(peer, batch.to);
          return false;
        }
        const done = this.commit(peer, prepared);
        done.catch(() => {}); // a failure counts when it is awaited (settle)
        writing = { done, keys: prepared.keys };
        if (!ahead) {
          if ((await settle()) && !batch.more) await this.withdrawUnseen(peer, batch.to);
          return false;
        }
        next = ahead;
      }
    } finally {
      prefetch.open = false;
      prefetch.answers.clear();
      if (writing)
        await writing.done.then(
          (r) => r.caughtUp,
          () => {},
        );
      await caughtUp;
    }
  }

  /**
   * The peer's answer from `from`: one fetched ahead if there is one, else fetched now. Once it is
   * in, the answer after it (from the `nextCursor` it names, unverified) is fetched ahead.
   */
  private async answer(peer: PeerRow, from: string, prefetch?: Prefetch): Promise<FeedAnswer> {
    const kept = prefetch?.answers.get(from);
    if (prefetch && kept) {
      prefetch.answers.delete(from);
      const w = prefetch.waiting;
      prefetch.waiting = undefined;
      if (w) this.fetchAhead(peer, w.from, w.body, prefetch); // room again
    }
    const body = await (kept ?? this.fetchFeed(peer, from));
    if (prefetch) this.fetchAhead(peer, from, body, prefetch);
    return body;
  }

  private fetchAhead(peer: PeerRow, from: string, body: FeedAnswer, prefetch: Prefetch): void {
    const to = body.nextCursor;
    if (!prefetch.open || !body.more || to === from || prefetch.answers.has(to)) return;
    if (prefetch.answers.size >= PREFETCH) {
      prefetch.waiting = { from, body };
      return;
    }
    const next = this.fetchFeed(peer, to);
    prefetch.answers.set(to, next);
    // A failure counts only if the answer is taken; while there is room, the one after it is fetched too.
    next.then(
      (b) => this.fetchAhead(peer, to, b, prefetch),
      () => {},
    );
  }

  private async fetchVerified(peer: PeerRow, from: string, prefetch?: Prefetch): Promise<VerifiedPull> {
    const body = await this.answer(peer, from, prefetch);
    const v = await verifyBatch(body.batch, { origin: peer.url, from, jwksUrl: jwksUrlOf(peer.url) }, this.deps.remoteJwks);
    if (!v.ok) throw new PullError(`batch refused: ${v.problem}`, { from, jwsSha256: v.jwsSha256 });
    if (body.nextCursor !== v.to) throw new PullError('batch refused: nextCursor differs from the signed "to" cursor', { from, jwsSha256: v.jwsSha256 });
    return { from, to: v.to, served: v.served, items: v.items, jwsSha256: v.jwsSha256, more: body.more };
  }

  /**
   * A verified batch in one ledger commit (nothing when it does not move the cursor); `caughtUp`
   * settles when this process's index and caches have followed the commit.
   */
  private async apply(peer: PeerRow, b: VerifiedPull): Promise<Applied> {
    const prepared = await this.prepare(peer, b);
    return prepared ? this.commit(peer, prepared) : { outcome: { items: 0, applied: false, more: false, to: b.to }, caughtUp: Promise.resolve() };
  }

  /**
   * A batch made ready to commit: its items as this node takes them, each marked fresh when this
   * node holds no row of it. The only writer of this origin's rows is a pull of this peer, ordered
   * by the commits' cursor gate, and rows are never deleted; so with `writing`, the keys of a commit
   * still being written, a hash is fresh when the read finds no row and that commit does not bring
   * it (the read may see the state before or after it). A stale answer fails the commit whole.
   */
  private async prepare(peer: PeerRow, b: VerifiedPull, writing?: Set<string>): Promise<PreparedPull | null> {
    if (b.to === b.from) return null;
    // A PDF's pages are stored as a video's frames are (services/sharing.ts).
    const items: PulledItem[] = mergeBatchItems(b.items, peer.labels).map(({ frames, pages, ...it }) => ({
      ...it,
      ...(frames ? { frames: frameRows(frames) } : pages ? { frames: pageRows(pages) } : {}),
    }));
    const keys = new Set(items.map((it) => `${it.type}:${it.value}`));
    const held = await this.deps.federation.heldOf(peer.url, items);
    const fresh = items.map((it) => {
      const key = `${it.type}:${it.value}`;
      return !held.has(key) && !writing?.has(key);
    });
    return { batch: b, items, fresh, keys };
  }

  private async commit(peer: PeerRow, p: PreparedPull): Promise<Applied> {
    const { batch: b } = p;
    const r = await this.deps.ledger.applyPull({
      at: this.deps.now(),
      peerId: peer.id,
      origin: peer.url,
      from: b.from,
      to: b.to,
      served: b.served,
      items: p.items,
      jwsSha256: b.jwsSha256,
      fresh: p.fresh,
    });
    // The batch ended failures stored before it (its commit cleared them): the recovery is said here.
    if (r.applied && r.failures > 0) this.logRecovery(peer, r.failures);
    return { outcome: { items: b.served, applied: r.applied, more: b.more, to: b.to }, caughtUp: this.deps.follower.catchUp(r.lastChange) };
  }

  /** Pulls until the peer has nothing more (or `maxBatches`); the number of items applied. */
  async pullUntilCaughtUp(peerId: string, maxBatches = Infinity): Promise<number> {
    let n = 0;
    for (let i = 0; i < maxBatches; i++) {
      const peer = await this.deps.federation.getPeer(peerId);
      if (!peer || peer.status === 'removed') return n;
      const r = await this.pullOnce(peer);
      if (r.applied) n += r.items;
      if (!r.more) {
        await this.withdrawUnseen(peer, r.to);
        return n;
      }
    }
    return n;
  }

  /**
   * The peer says it has no more, at `cursor`: the hashes of its origin held here when an admin
   * restarted it (`peers restart`) that no batch of the re-read named are the ones its log no longer
   * holds (its database was restored from an older copy), withdrawn as its retractions would be,
   * in commits of WITHDRAW_CHUNK gated on the cursor, on each hash being noted still and on no
   * restart since `peer` was read (a `federation.withdraw` audit entry each).
   * Nothing to read after a restart's re-read is done: one read of an empty range per idle pull.
   */
  private async withdrawUnseen(peer: PeerRow, cursor: string): Promise<void> {
    for (;;) {
      const unseen = await this.deps.federation.unseenOf(peer.id, WITHDRAW_CHUNK);
      if (!unseen.length) return;
      const r = await this.deps.ledger.applyPull({
        at: this.deps.now(),
        peerId: peer.id,
        origin: peer.url,
        from: cursor,
        to: cursor,
        served: 0,
        items: unseen.map((u) => ({ type: u.type, value: u.value, active: false, labels: [], contributors: 0, externalId: null })),
        jwsSha256: '',
        withdraw: true,
        restarts: peer.restarts,
      });
      // Like a batch's, the commit ended failures stored before it: the recovery is said here.
      if (r.applied && r.failures > 0) this.logRecovery(peer, r.failures);
      await this.deps.follower.catchUp(r.lastChange);
      // Not applied: the cursor moved, the peer was restarted again, or another instance withdrew (or a batch named) these.
      if (!r.applied) return;
    }
  }

  private newLoop(id: string): Loop {
    const l: Loop = { timer: null, failures: 0, running: false, stopped: false, again: false, goodAt: this.deps.now() };
    this.loops.set(id, l);
    return l;
  }

  private halt(l: Loop): void {
    l.stopped = true;
    if (l.timer) clearTimeout(l.timer);
    l.timer = null;
  }

  private schedule(id: string, l: Loop, delayMs: number): void {
    if (l.stopped) return;
    if (l.timer) clearTimeout(l.timer);
    const timer = setTimeout(() => void this.turn(id, l), delayMs);
    timer.unref?.();
    l.timer = timer;
  }

  /** One turn of a peer's loop: pull (again at once while `more`), then wait its interval or a backoff. */
  private async turn(id: string, l: Loop): Promise<void> {
    l.timer = null;
    l.running = true;
    l.again = false;
    let delay: number;
    let peer: PeerRow | null = null;
    try {
      peer = await this.deps.federation.getPeer(id);
      if (peer?.status !== 'active') {
        l.running = false;
        return;
      }
      const again = await this.drain(peer);
      l.failures = 0;
      l.goodAt = this.deps.now();
      delay = again ? 0 : peer.intervalMs;
      // A batch applied cleared the failures stored before it, in its commit (and logged the
      // recovery: commit). A pull with nothing new writes nothing, so they are cleared here, if
      // they are still those this turn saw (a healthy peer's row is not written at every pull).
      if (peer.failures > 0 || peer.lastError !== null) await this.recordRecovery(peer);
    } catch (e) {
      l.failures++;
      delay = backoffDelay(l.failures, this.deps.settings.backoffBaseMs, this.deps.settings.backoffMaxMs, this.deps.random);
      if (peer) await this.recordFailure(peer, e);
    }
    l.running = false;
    if (!this.started || l.stopped) return;
    this.schedule(id, l, l.again ? 0 : delay);
  }

  private async recordRecovery(peer: PeerRow): Promise<void> {
    try {
      const seen = { failures: peer.failures, lastErrorAt: peer.lastErrorAt };
      const { cleared } = await this.deps.ledger.recordPullSuccess({ at: this.deps.now(), peerId: peer.id, seen });
      // null: the row is no longer as this turn saw it. A batch of this turn cleared the failures
      // (its commit logged the recovery), or another instance did (and logged it), or a failure
      // recorded since by another instance is newer than this success and stays.
      if (cleared !== null) this.logRecovery(peer, cleared);
    } catch {
      // the database is the problem: the next turn says so
    }
  }

  private logRecovery(peer: PeerRow, failures: number): void {
    this.deps.logger?.info(
      { event: 'federation_pull_recovered', peer: peer.url, peerId: peer.id, failures },
      `federation: peer ${peer.url}: pulling again after ${failures} failed pull${failures === 1 ? '' : 's'} in a row`,
    );
  }

  /**
   * Seconds since this node last confirmed it was in step with each active peer: the later of this
   * process's last good pull and the row's `pulledAt` (a batch applied or a recovery recorded, by
   * any instance). A loop's clock starts when it starts (the process's start, the peer added or
   * resumed), not at the row's `pulledAt`: a quiet peer's row is not rewritten at every pull, so that
   * time can be days old, and counting from it would show a lag that spikes at every restart or
   * resume and was never there; counted from the loop's start it is the time this process has pulled
   * the peer without once getting through. None for a peer without a loop yet, and none while this process does not pull
   * (FEDERATION_PULL=0): it would only see the row's time.
   */
  async pullLag(): Promise<{ peer: string; seconds: number }[]> {
    if (!this.started) return [];
    const now = this.deps.now();
    const lags: { peer: string; seconds: number }[] = [];
    for (const p of await this.deps.federation.listPeers()) {
      const l = this.loops.get(p.id);
      if (p.status !== 'active' || !l) continue;
      lags.push({ peer: p.url, seconds: Math.max(0, (now - Math.max(l.goodAt, p.pulledAt ?? 0)) / 1000) });
    }
    return lags;
  }

  private async recordFailure(peer: PeerRow, e: unknown): Promise<void> {
    const message = withoutControls(e instanceof PullError ? e.message : `pull failed: ${messageOf(e)}`);
    const kept = e instanceof PullError && e.whole ? message : clip(message, MAX_ERROR);
    this.deps.logger?.warn(
      { event: 'federation_pull_failed', peer: peer.url, peerId: peer.id, failures: peer.failures + 1 },
      `federation: peer ${peer.url}: ${kept}`,
    );
    try {
      const refused = e instanceof PullError && e.refused ? { origin: peer.url, ...e.refused } : undefined;
      await this.deps.ledger.recordPullFailure({ at: this.deps.now(), peerId: peer.id, error: kept, refused });
    } catch {
      // the database is the problem: the next turn says so
    }
  }

  private async fetchFeed(peer: PeerRow, from: string): Promise<FeedAnswer> {
    const limit = this.limits.get(peer.id) ?? this.deps.settings.batchLimit;
    const url = `${peer.url}/v1/federation/feed?limit=${limit}${from ? `&cursor=${encodeURIComponent(from)}` : ''}`;
    let res = await this.get(url, await this.token(peer));
    if (res.status === 401) {
      // The token may have died with a restart of the peer's key: one more try with a fresh one.
      this.tokens.delete(peer.id);
      await res.body?.cancel().catch(() => {});
      res = await this.get(url, await this.token(peer));
    }
    const text = await readCapped(res, this.deps.settings.maxBodyBytes);
    if (text === null) throw new PullError(`the peer's answer is larger than ${this.deps.settings.maxBodyBytes} bytes`);
    if (res.status === 400 && limit > PEER_MIN_LIMIT && refusesLimit(text)) {
      // A peer serving smaller batches than this node asks for: the limit every node serves, from now on.
      this.limits.set(peer.id, PEER_MIN_LIMIT);
      return this.fetchFeed(peer, from);
    }
    if (res.status === 409 && refusesCursor(text)) throw new PullError(cursorRefused(peer), undefined, true);
    if (res.status !== 200) throw new PullError(`the peer answered HTTP ${res.status}${problemOf(text)}`);
    const body = parseJson(text);
    if (body === undefined) throw new PullError('the peer answered with something that is not JSON');
    const batch = textOf(member(body, 'batch'));
    const nextCursor = textOf(member(body, 'nextCursor'));
    const more = member(body, 'more');
    if (batch === undefined || nextCursor === undefined || typeof more !== 'boolean')
      throw new PullError('the peer answered without batch, nextCursor and more');
    return { batch, nextCursor, more };
  }

  private async get(url: string, token: string): Promise<Response> {
    try {
      return await this.deps.fetch(url, {
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
        redirect: 'error',
        signal: AbortSignal.timeout(this.deps.settings.timeoutMs),
      });
    } catch (e) {
      throw new PullError(
        `the peer could not be reached (${errorNameOf(e) === 'TimeoutError' ? `no answer within ${this.deps.settings.timeoutMs} ms` : 'connection failed'})`,
      );
    }
  }

  /** An access token from the peer, got with a client assertion signed by this node's current key; kept until a minute before it expires. */
  private async token(peer: PeerRow): Promise<string> {
    const now = this.deps.now();
    const cached = this.tokens.get(peer.id);
    if (cached && cached.until > now) return cached.token;
    const { kid, key } = await this.deps.keyring.signingKey();
    const nowS = Math.floor(now / 1000);
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: NODE_ALG, kid, typ: 'JWT' })
      .setIssuer(peer.clientId)
      .setSubject(peer.clientId)
      .setAudience(peer.url)
      .setIssuedAt(nowS)
      .setExpirationTime(nowS + 60)
      .setJti(this.deps.newId())
      .sign(key);
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
      scope: 'federation:read',
    });
    let res: Response;
    try {
      res = await this.deps.fetch(`${peer.url}/v1/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
        redirect: 'error',
        signal: AbortSignal.timeout(this.deps.settings.timeoutMs),
      });
    } catch {
      throw new PullError('the peer could not be reached for a token');
    }
    const body = parseJson((await readCapped(res, 64 * 1024)) ?? '');
    const token = textOf(member(body, 'access_token'));
    if (res.status !== 200 || token === undefined) {
      const description = textOf(member(body, 'error_description'));
      const why = description === undefined ? '' : `: ${description.slice(0, 200)}`;
      throw new PullError(
        `the peer refused this node's token request (HTTP ${res.status})${why}; is this node registered there as a peer client with id ${peer.clientId} and JWKS URL ${jwksUrlOf(this.deps.issuer)}?`,
      );
    }
    const ttl = count(member(body, 'expires_in')) ?? 600;
    this.tokens.set(peer.id, { token, until: now + Math.max(0, ttl - 60) * 1000 });
    return token;
  }
}

/** A problem answer naming the parameter `path` (errors[].path). */
function refusesParameter(text: string, path: string): boolean {
  const errors = member(parseJson(text), 'errors');
  return Array.isArray(errors) && errors.some((e) => textOf(member(e, 'path')) === path);
}
const refusesLimit = (text: string) => refusesParameter(text, 'limit');
const refusesCursor = (text: string) => refusesParameter(text, 'cursor');

/** `s` whole when it fits in `max` characters, else cut at the last space before and marked with an ellipsis (never inside a word). */
function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  const space = s.lastIndexOf(' ', max - 1);
  return `${s.slice(0, space > max / 2 ? space : max - 1)}…`;
}

/**
 * The peer's change log no longer holds the change this node's cursor names (409 on the cursor):
 * its database was restored from an older copy (or another node answers at its URL). Pulling on
 * from this cursor would skip its changes since, so this node keeps asking and being refused until
 * an admin restarts the peer; what to do is in lastError, where the admin looks. The node's own
 * words, short (the peer's URL is in `peers list` beside it), thrown whole (PullError.whole): the
 * command is never cut, and the peer's own words are not added to it.
 */
export function cursorRefused(peer: Pick<PeerRow, 'id'>): string {
  return `the peer refused this node's cursor (409): its change log no longer holds the change last pulled (restored from an older copy?); run peers restart ${peer.id} to pull it again from its start, settings kept (README: Restoring from a backup)`;
}

/** ` (code: detail)` of a problem answer, the detail clipped to MAX_PEER_DETAIL; '' when none. */
function problemOf(text: string): string {
  const p = parseJson(text);
  const detail = textOf(member(p, 'detail'));
  const code = textOf(member(p, 'code'));
  if (detail === undefined) return '';
  return ` (${code === undefined ? '' : `${code}: `}${clip(detail, MAX_PEER_DETAIL)})`;
}
