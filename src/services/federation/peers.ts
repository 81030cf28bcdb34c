/** The peers this node pulls from (DESIGN §8): admins add, list, pause, resume, change and remove them; each change is an audit entry. */
import { peerUrl } from '../../core/federation';
import { DomainError } from '../../core/errors';
import { shown } from '../../core/text';
import { unknownLabels } from '../../core/hashes';
import type { FederationStore, Ledger, PeerAction, PeerRow, PeerSettings } from '../../storage/types';
import type { Follower } from '../change-follower';

export interface PeerDeps {
  ledger: Ledger;
  federation: FederationStore;
  follower: Follower;
  now: () => number;
  newId: () => string;
  /** This node's own URL: it does not pull from itself. */
  issuer: string;
}

/** A peer as the admin API shows it; times in ISO 8601 (UTC), as everywhere in the API. */
export interface PeerView extends Omit<PeerRow, 'pulledAt' | 'lastErrorAt' | 'createdAt' | 'updatedAt' | 'restarts'> {
  pulledAt: string | null;
  lastErrorAt: string | null;
  createdAt: string;
  updatedAt: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

function view({ restarts: _, ...p }: PeerRow): PeerView {
  return {
    ...p,
    pulledAt: p.pulledAt === null ? null : iso(p.pulledAt),
    lastErrorAt: p.lastErrorAt === null ? null : iso(p.lastErrorAt),
    createdAt: iso(p.createdAt),
    updatedAt: iso(p.updatedAt),
  };
}

export const PEER_INTERVAL = { defaultMs: 60_000, minMs: 100, maxMs: 86_400_000 } as const;

export interface PeerInput {
  url: string;
  clientId: string;
  intervalMs?: number;
  labels?: string[] | null;
  matching?: boolean;
}

const invalid = (path: string, message: string) => new DomainError('invalid_request', message, { errors: [{ path, message }] });

function checkSettings(s: Omit<PeerSettings, 'status'>): void {
  if (s.intervalMs !== undefined && (!Number.isInteger(s.intervalMs) || s.intervalMs < PEER_INTERVAL.minMs || s.intervalMs > PEER_INTERVAL.maxMs)) {
    throw invalid('intervalMs', `intervalMs must be a whole number of milliseconds from ${PEER_INTERVAL.minMs} to ${PEER_INTERVAL.maxMs}`);
  }
  if (s.labels) {
    const unknown = unknownLabels(s.labels);
    if (unknown.length) throw invalid('labels', `unknown label(s): ${unknown.join(', ')}; see GET /v1/labels`);
    if (s.labels.length === 0) throw invalid('labels', 'labels must name at least one label (leave it out, or null, to take every label)');
  }
}

export async function addPeer(deps: PeerDeps, actor: string, input: PeerInput): Promise<PeerView> {
  const u = peerUrl(input.url);
  if ('problem' in u) throw invalid('url', u.problem);
  if (u.url === deps.issuer.replace(/\/+$/, '')) throw invalid('url', `${u.url} is this node's own URL; a node does not pull from itself`);
  const clientId = input.clientId.trim();
  if (!clientId || clientId.length > 100) throw invalid('clientId', 'clientId must be 1 to 100 characters: the client id this node was given at the peer');
  checkSettings(input);
  const now = deps.now();
  const peer = newPeerRow(deps.newId(), { ...input, url: u.url, clientId }, now);
  const r = await deps.ledger.addPeer({ at: now, actor, peer });
  if (!r.added) throw new DomainError('conflict', `a peer with URL ${u.url} is registered already; change it, or remove it first`);
  await deps.follower.catchUp(r.lastChange);
  return getPeer(deps, peer.id);
}

/** A peer as first stored: active, nothing pulled yet; defaults for what the input leaves out. */
export function newPeerRow(id: string, input: PeerInput, now: number): PeerRow {
  return {
    id,
    url: input.url,
    clientId: input.clientId,
    intervalMs: input.intervalMs ?? PEER_INTERVAL.defaultMs,
    labels: input.labels ? [...new Set(input.labels)].sort() : null,
    matching: input.matching ?? true,
    status: 'active',
    cursor: '',
    pulledAt: null,
    pulledItems: 0,
    lastError: null,
    lastErrorAt: null,
    failures: 0,
    restarts: 0,
    createdAt: now,
    updatedAt: now,
  };
}

export async function listPeers(deps: PeerDeps): Promise<PeerView[]> {
  return (await deps.federation.listPeers()).map(view);
}

export async function getPeer(deps: PeerDeps, id: string): Promise<PeerView> {
  const p = await deps.federation.getPeer(id);
  if (!p) throw new DomainError('not_found', `no peer with id ${shown(id)}`);
  return view(p);
}

const STATUS_OF: Record<Exclude<PeerAction, 'update' | 'restart'>, PeerSettings['status']> = { pause: 'paused', resume: 'active', remove: 'removed' };

/**
 * Pause, resume or remove (status), change settings (update), or restart: the peer's cursor back to
 * its start, so the next pull reads its feed from the beginning, its id, settings and history kept
 * (after the peer refused the cursor: its database was restored from an older copy); the puller
 * withdraws, at the end of that re-read, the peer's hashes it did not name. A removed peer
 * is kept, marked, and changes no more.
 */
export async function changePeer(
  deps: PeerDeps,
  actor: string,
  id: string,
  action: PeerAction,
  settings: Omit<PeerSettings, 'status' | 'cursor'> = {},
): Promise<PeerView> {
  const set: PeerSettings = action === 'update' ? settings : action === 'restart' ? { cursor: '' } : { status: STATUS_OF[action] };
  if (action === 'update') {
    checkSettings(settings);
    if (settings.labels) settings.labels = [...new Set(settings.labels)].sort();
    if (Object.values(settings).every((v) => v === undefined)) throw invalid('body', 'nothing to change: give intervalMs, labels or matching');
  }
  const r = await deps.ledger.updatePeer({ at: deps.now(), actor, peerId: id, action, set });
  if (r.outcome === 'not_found')
    throw new DomainError('not_found', `no peer with id ${shown(id)}${(await deps.federation.getPeer(id)) ? ' that is not removed' : ''}`);
  await deps.follower.catchUp(r.lastChange);
  return getPeer(deps, id);
}
