/** The client registry: admins create clients, suspend and reactivate them, add and revoke their public keys. */
import { calculateJwkThumbprint, importJWK, type JWK } from 'jose';
import { ROLE_SCOPES, type Role } from '../core/auth';
import { DomainError } from '../core/errors';
import { shown } from '../core/text';
import { peerUrl } from '../core/federation';
import type { AuthStore, ClientKeyRow, ClientRow, Ledger } from '../storage/types';
import type { Follower } from './change-follower';

export interface ClientDeps {
  auth: AuthStore;
  ledger: Ledger;
  /** This process's follower: a change is applied to the caches before the call returns. */
  follower: Follower;
  now: () => number;
  newId: () => string;
}

/** A client as the admin API shows it; times in ISO 8601 (UTC), as everywhere in the API. */
export interface ClientView {
  id: string;
  name: string;
  role: Role;
  status: ClientRow['status'];
  createdAt: string;
  updatedAt: string;
  /** Peer nodes registered by their JWKS URL. */
  jwksUrl?: string;
  scopes: string[];
  keys: { kid: string; alg: string; status: 'active' | 'revoked'; createdAt: string; revokedAt: string | null; jwk: Record<string, unknown> }[];
}

/** A new client: its role, its name (1 to 200 characters once trimmed) and optionally its first public key. */
export interface NewClient {
  role: Role;
  name: string;
  jwk?: Record<string, unknown>;
  /** Peer nodes only, instead of jwk: where the node's public keys are fetched from. */
  jwksUrl?: string;
  /** Only when no active admin exists (the first admin, made on the node's machine). */
  onlyIfNoAdmin?: boolean;
}

const iso = (ms: number) => new Date(ms).toISOString();

const ALG_OF: Record<string, string> = { 'OKP/Ed25519': 'EdDSA', 'EC/P-256': 'ES256' };

/**
 * Checks a public JWK, from the API or the command line: Ed25519 or P-256, public half only, a point
 * jose can import (the node never stores a key it could not verify with, nor private material).
 * Returns it reduced to its public members, with kid and alg.
 */
export async function checkPublicJwk(jwk: Record<string, unknown>): Promise<{ jwk: Record<string, unknown>; kid: string; alg: string }> {
  const bad = (msg: string) => new DomainError('invalid_request', msg, { errors: [{ path: 'jwk', message: msg }] });
  if ('d' in jwk || 'k' in jwk || 'p' in jwk)
    throw bad("jwk holds private key material; register only the public key (the node never holds a client's private key)");
  const alg = ALG_OF[`${jwk.kty}/${jwk.crv}`];
  if (!alg) throw bad('jwk must be an Ed25519 (kty OKP) or P-256 (kty EC) public key');
  if (jwk.alg !== undefined && jwk.alg !== alg && !(alg === 'EdDSA' && jwk.alg === 'Ed25519'))
    throw bad(`jwk alg ${String(jwk.alg)} does not fit its key type (${alg})`);
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const pub: JWK = alg === 'EdDSA' ? { kty: 'OKP', crv: 'Ed25519', x: text(jwk.x) } : { kty: 'EC', crv: 'P-256', x: text(jwk.x), y: text(jwk.y) };
  try {
    await importJWK(pub, alg);
  } catch {
    throw bad('jwk is not a valid public key');
  }
  const kid = typeof jwk.kid === 'string' && /^[\w.:-]{1,128}$/.test(jwk.kid) ? jwk.kid : await calculateJwkThumbprint(pub);
  return { jwk: { ...pub, kid, alg, use: 'sig' }, kid, alg };
}

async function view(deps: ClientDeps, { jwksUrl, ...c }: ClientRow): Promise<ClientView> {
  const keys = await deps.auth.clientKeys(c.id);
  return {
    ...c,
    ...(jwksUrl ? { jwksUrl } : {}),
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt),
    scopes: [...ROLE_SCOPES[c.role]],
    keys: keys.map((k) => ({
      kid: k.kid,
      alg: k.alg,
      status: k.status,
      createdAt: iso(k.createdAt),
      revokedAt: k.revokedAt === null ? null : iso(k.revokedAt),
      jwk: k.jwk,
    })),
  };
}

/** A peer client's JWKS URL: absolute http(s), nothing but a plain URL (the node fetches it). */
function checkJwksUrl(role: string, text: string, withKey: boolean): string {
  const bad = (msg: string) => new DomainError('invalid_request', msg, { errors: [{ path: 'jwksUrl', message: msg }] });
  if (role !== 'peer') throw bad('jwksUrl is for peer nodes (role peer); other clients register their public keys');
  if (withKey) throw bad("give either jwk or jwksUrl: a peer's keys come from its JWKS URL");
  const u = peerUrl(text);
  if ('problem' in u) throw bad(`jwksUrl: ${u.problem}`);
  return u.url;
}

export async function createClient(deps: ClientDeps, actor: string, input: NewClient): Promise<ClientView> {
  const jwksUrl = input.jwksUrl === undefined ? null : checkJwksUrl(input.role, input.jwksUrl, input.jwk !== undefined);
  const key = input.jwk === undefined ? undefined : await checkPublicJwk(input.jwk);
  const now = deps.now();
  const client: ClientRow = { id: deps.newId(), name: input.name.trim(), role: input.role, status: 'active', createdAt: now, updatedAt: now, jwksUrl };
  const keyRow: ClientKeyRow[] = key
    ? [{ kid: key.kid, clientId: client.id, jwk: key.jwk, alg: key.alg, status: 'active', createdAt: now, revokedAt: null }]
    : [];
  const r = await deps.ledger.createClient({ at: now, actor, client, keys: keyRow, onlyIfNoAdmin: input.onlyIfNoAdmin });
  if (!r.created) throw new DomainError('conflict', 'an active admin exists already');
  await deps.follower.catchUp(r.lastChange);
  return view(deps, client);
}

async function mustGet(deps: ClientDeps, id: string): Promise<ClientRow> {
  const c = await deps.auth.getClient(id);
  if (!c) throw new DomainError('not_found', `no client with id ${shown(id)}`);
  return c;
}

export async function getClient(deps: ClientDeps, id: string): Promise<ClientView> {
  return view(deps, await mustGet(deps, id));
}

export async function listClients(deps: ClientDeps): Promise<ClientView[]> {
  return Promise.all((await deps.auth.listClients()).map((c) => view(deps, c)));
}

export async function setClientStatus(deps: ClientDeps, actor: string, id: string, status: 'active' | 'suspended'): Promise<ClientView> {
  const r = await deps.ledger.setClientStatus({ at: deps.now(), actor, clientId: id, status });
  if (r.outcome === 'not_found') throw new DomainError('not_found', `no client with id ${shown(id)}`);
  if (r.outcome === 'last_admin') throw new DomainError('conflict', 'this is the last active admin; create another admin before suspending it');
  await deps.follower.catchUp(r.lastChange);
  return view(deps, await mustGet(deps, id));
}

export async function addClientKey(deps: ClientDeps, actor: string, id: string, jwkInput: Record<string, unknown>): Promise<ClientView> {
  const c = await mustGet(deps, id);
  if (c.jwksUrl) throw new DomainError('conflict', `client ${id} is a peer node whose keys come from its JWKS URL ${c.jwksUrl}; it rotates them there`);
  const key = await checkPublicJwk(jwkInput);
  const r = await deps.ledger.addClientKey({
    at: deps.now(),
    actor,
    key: { kid: key.kid, clientId: id, jwk: key.jwk, alg: key.alg, status: 'active', createdAt: deps.now(), revokedAt: null },
  });
  if (!r.added) {
    const existing = (await deps.auth.clientKeys(id)).find((k) => k.kid === key.kid);
    throw new DomainError(
      'conflict',
      `client ${id} already has a key with kid ${key.kid}${existing?.status === 'revoked' ? ' (revoked; a revoked key cannot come back)' : ''}`,
    );
  }
  await deps.follower.catchUp(r.lastChange);
  return view(deps, c);
}

export async function revokeClientKey(deps: ClientDeps, actor: string, id: string, kid: string): Promise<ClientView> {
  const c = await mustGet(deps, id);
  if (!(await deps.auth.clientKeys(id)).some((k) => k.kid === kid)) throw new DomainError('not_found', `client ${shown(id)} has no key ${shown(kid, 64)}`);
  const r = await deps.ledger.revokeClientKey({ at: deps.now(), actor, clientId: id, kid });
  await deps.follower.catchUp(r.lastChange);
  return view(deps, c);
}
