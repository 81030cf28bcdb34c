/**
 * Items (issue 14 item 5): the hashes of one shared piece of media, read, retracted and relabelled
 * together. A member acts on its own share of an item, as on its own contribution to a hash; an
 * admin's retraction withdraws every member's.
 */
import type { Principal } from '../core/auth';
import { DomainError } from '../core/errors';
import type { HashType } from '../core/hashes';
import type { ItemKind } from '../core/items';
import type { HashDetail, ItemDetail } from '../storage/types';
import type { ServiceDeps } from './deps';
import { labelsOf, standingContributors } from './views';

export interface ItemHashView {
  id: string;
  type: HashType;
  value: string;
  variant: string;
  status: 'active' | 'retracted';
  labels: string[];
  contributors: number;
}

export interface ItemView {
  id: string;
  sha256: string;
  kind: ItemKind;
  /** Pulled items: the URL of the node it was shared at. */
  origin?: string;
  /** Active while a member's share of it stands and one of its hashes is active (a pulled item: while one of its hashes is active). */
  status: 'active' | 'retracted';
  /** The union of the standing shares' labels (a pulled item: of its active hashes'). */
  labels: string[];
  /** Members whose share of the item stands (a pulled item: at its origin, the most behind any of its hashes). */
  contributors: number;
  createdAt: string;
  hashes: ItemHashView[];
}

function hashView(h: HashDetail & { variant: string }): ItemHashView {
  return { id: h.id, type: h.type, value: h.value, variant: h.variant, status: h.status, labels: labelsOf(h), contributors: standingContributors(h) };
}

export function itemView(d: ItemDetail): ItemView {
  const hashes = d.hashes.map(hashView);
  const active = hashes.filter((h) => h.status === 'active');
  const standing = d.contributions.filter((c) => c.retractedAt === null);
  const labels = d.origin ? active.flatMap((h) => h.labels) : standing.flatMap((c) => c.labels);
  return {
    id: d.id,
    sha256: d.sha256,
    kind: d.kind,
    ...(d.origin ? { origin: d.origin } : {}),
    status: d.origin ? (active.length ? 'active' : 'retracted') : d.status,
    labels: [...new Set(labels)].sort(),
    contributors: d.origin ? Math.max(0, ...active.map((h) => h.contributors)) : standing.length,
    createdAt: new Date(d.createdAt).toISOString(),
    hashes,
  };
}

async function found(deps: ServiceDeps, id: string): Promise<ItemDetail> {
  const d = await deps.hashes.getItem(id);
  if (!d) throw new DomainError('not_found', `no item with id ${id}`);
  return d;
}

export async function getItem(deps: ServiceDeps, id: string): Promise<ItemView> {
  return itemView(await found(deps, id));
}

/** The item after a commit of this process, read once the follower has applied it. */
async function after(deps: ServiceDeps, id: string, lastChange: number): Promise<ItemDetail> {
  await deps.follower.catchUp(lastChange);
  return found(deps, id);
}

/** An item after its retraction; a member's answer also names the hashes of it its contribution still stands on. */
export interface RetractedItemView extends ItemView {
  /** A member's retraction: the ids of the item's hashes its contribution stands on still (its share of the hash alone or another item of its holds it). */
  kept?: string[];
}

export async function retractItem(deps: ServiceDeps, who: Principal, id: string): Promise<RetractedItemView> {
  const d = await found(deps, id);
  const isAdmin = who.role === 'admin';
  // Shares are never deleted, so whether the caller ever shared the item is settled by this read.
  if (!isAdmin && !d.contributions.some((c) => c.contributor === who.clientId)) throw new DomainError('forbidden', 'you can only retract items you shared');
  const r = await deps.ledger.retractItem({ at: deps.now(), actor: who.clientId, itemId: id, sha256: d.sha256, contributor: isAdmin ? null : who.clientId });
  const now = await after(deps, id, r.lastChange);
  if (isAdmin) return itemView(now);
  const kept = now.hashes.filter((h) => h.contributions.some((c) => c.contributor === who.clientId && c.retractedAt === null)).map((h) => h.id);
  return { ...itemView(now), kept };
}

export async function relabelItem(deps: ServiceDeps, who: Principal, id: string, labels: string[]): Promise<ItemView> {
  const d = await found(deps, id);
  const mine = d.contributions.find((c) => c.contributor === who.clientId);
  if (!mine) throw new DomainError('forbidden', 'you can only relabel items you shared');
  if (mine.retractedAt !== null) throw new DomainError('conflict', `your share of item ${id} has been retracted; share the media again to label it`);
  // A member's share is withdrawn with its last contribution to the item's hashes (ledger/hashes.ts);
  // a retracted item is no source of labels until its media is shared again (a share older than that rule may stand).
  if (d.status === 'retracted')
    throw new DomainError('conflict', `item ${id} has been retracted (none of its hashes is active); share the media again to label it`);
  const r = await deps.ledger.relabelItem({ at: deps.now(), member: who.clientId, itemId: id, labels: [...new Set(labels)].sort() });
  return itemView(await after(deps, id, r.lastChange));
}
