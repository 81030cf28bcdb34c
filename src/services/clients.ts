/** The client registry: admins create clients, suspend and reactivate them, add and revoke their public keys. */
import { calculateJwkThumbprint, importJWK, type JWK } from 'jose';
import { ROLE_SCOPES, ROLES, type Role } from '../core/auth';
import { DomainError } from '../core/errors';
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

export interface ClientView extends Omit<ClientRow, 'jwksUrl'> {
  /** Peer nodes registered by their JWKS URL. */
  jwksUrl?: string;
  scopes: string[];
  keys: { kid: string; alg: string; status: 'active' | 'revoked'; createdAt: number; revokedAt: number | null; jwk: Record<string, unknown> }[];
}

const ALG_OF: Record<string, string> = { 'OKP/Ed25519': 'EdDSA', 'EC/P-256': 'ES256' };

/** Checks a submitted public JWK: Ed25519 or P-256, public half only, well-formed. Returns it with kid and alg. */
export async function checkPublicJwk(input: unknown): Promise<{ jwk: Record<string, unknown>; kid: string; alg: string }> {
  const bad = (msg: string) => new DomainError('invalid_request', msg, { errors: [{ path: 'jwk', message: msg }] });
  if (!input || typeof input !== 'object' || Array.isArray(input)) throw bad('jwk must be a JSON Web Key object');
  const jwk = input as Record<string, unknown>;
  if ('d' in jwk || 'k' in jwk || 'p' in jwk) throw bad('jwk holds private key material; register only the public key (the node never holds a client\'s private key)');
  const alg = ALG_OF[`${jwk.kty}/${jwk.crv}`];
  if (!alg) throw bad('jwk must be an Ed25519 (kty OKP) or P-256 (kty EC) public key');
  if (jwk.alg !== undefined && jwk.alg !== alg && !(alg === 'EdDSA' && jwk.alg === 'Ed25519')) throw bad(`jwk alg ${String(jwk.alg)} does not fit its key type (${alg})`);
  const pub: Record<string, unknown> = alg === 'EdDSA' ? { kty: 'OKP', crv: 'Ed25519', x: jwk.x } : { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y };
  try {
    await importJWK(pub as JWK, alg);
  } catch {
    throw bad('jwk is not a valid public key');
  }
  const kid = typeof jwk.kid === 'string' && /^[\w.:-]{1,128}$/.test(jwk.kid) ? jwk.kid : await calculateJwkThumbprint(pub as JWK);
  return { jwk: { ...pub, kid, alg, use: 'sig' }, kid, alg };
}

async function view(deps: ClientDeps, { jwksUrl, ...c }: ClientRow): Promise<ClientView> {
  const keys = await deps.auth.clientKeys(c.id);
  return { ...c, ...(jwksUrl ? { jwksUrl } : {}), scopes: [...ROLE_SCOPES[c.role]], keys: keys.map((k) => ({ kid: k.kid, alg: k.alg, status: k.status, createdAt: k.createdAt, revokedAt: k.revokedAt, jwk: k.jwk })) };
}

/** A peer client's JWKS URL: absolute http(s), nothing but a plain URL (the node fetches it). */
function checkJwksUrl(role: string, text: string, withKey: boolean): string {
  const bad = (msg: string) => new DomainError('invalid_request', msg, { errors: [{ path: 'jwksUrl', message: msg }] });
  if (role !== 'peer') throw bad('jwksUrl is for peer nodes (role peer); other clients register their public keys');
  if (withKey) throw bad('give either jwk or jwksUrl: a peer\'s keys come from its JWKS URL');
  const u = peerUrl(text);
  if ('problem' in u) throw bad(`jwksUrl: ${u.problem}`);
  return u.url;
}

export async function createClient(deps: ClientDeps, actor: string, input: { role: string; name: string; jwk?: unknown; jwksUrl?: string; onlyIfNoAdmin?: boolean }): Promise<ClientView> {
  if (!(ROLES as readonly string[]).includes(input.role)) {
    throw new DomainError('invalid_request', `role must be one of ${ROLES.join(', ')}`, { errors: [{ path: 'role', message: `unknown role ${JSON.stringify(input.role)}` }] });
  }
  const name = input.name.trim();
  if (!name || name.length > 200) throw new DomainError('invalid_request', 'name must be 1 to 200 characters', { errors: [{ path: 'name', message: 'bad length' }] });
  const jwksUrl = input.jwksUrl === undefined ? null : checkJwksUrl(input.role, input.jwksUrl, input.jwk !== undefined);
  const key = input.jwk === undefined ? undefined : await checkPublicJwk(input.jwk);
  const now = deps.now();
  const client: ClientRow = { id: deps.newId(), name, role: input.role as Role, status: 'active', createdAt: now, updatedAt: now, jwksUrl };
  const keyRow: ClientKeyRow[] = key ? [{ kid: key.kid, clientId: client.id, jwk: key.jwk, alg: key.alg, status: 'active', createdAt: now, revokedAt: null }] : [];
  const r = await deps.ledger.createClient({ at: now, actor, client, keys: keyRow, onlyIfNoAdmin: input.onlyIfNoAdmin });
  if (!r.created) throw new DomainError('conflict', 'an active admin exists already');
  await deps.follower.catchUp(r.lastChange);
  return view(deps, client);
}

async function mustGet(deps: ClientDeps, id: string): Promise<ClientRow> {
  const c = await deps.auth.getClient(id);
  if (!c) throw new DomainError('not_found', `no client with id ${id}`);
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
  if (r.outcome === 'not_found') throw new DomainError('not_found', `no client with id ${id}`);
  if (r.outcome === 'last_admin') throw new DomainError('conflict', 'this is the last active admin; create another admin before suspending it');
  await deps.follower.catchUp(r.lastChange);
  return view(deps, await mustGet(deps, id));
}

export async function addClientKey(deps: ClientDeps, actor: string, id: string, jwkInput: unknown): Promise<ClientView> {
  const c = await mustGet(deps, id);
  if (c.jwksUrl) throw new DomainError('conflict', `client ${id} is a peer node whose keys come from its JWKS URL ${c.jwksUrl}; it rotates them there`);
  const key = await checkPublicJwk(jwkInput);
  const r = await deps.ledger.addClientKey({ at: deps.now(), actor, key: { kid: key.kid, clientId: id, jwk: key.jwk, alg: key.alg, status: 'active', createdAt: deps.now(), revokedAt: null } });
  if (!r.added) {
    const existing = (await deps.auth.clientKeys(id)).find((k) => k.kid === key.kid);
    throw new DomainError('conflict', `client ${id} already has a key with kid ${key.kid}${existing?.status === 'revoked' ? ' (revoked; a revoked key cannot come back)' : ''}`);
  }
  await deps.follower.catchUp(r.lastChange);
  return view(deps, c);
}

export async function revokeClientKey(deps: ClientDeps, actor: string, id: string, kid: string): Promise<ClientView> {
  const c = await mustGet(deps, id);
  if (!(await deps.auth.clientKeys(id)).some((k) => k.kid === kid)) throw new DomainError('not_found', `client ${id} has no key ${kid}`);
  const r = await deps.ledger.revokeClientKey({ at: deps.now(), actor, clientId: id, kid });
  await deps.follower.catchUp(r.lastChange);
  return view(deps, c);
}
