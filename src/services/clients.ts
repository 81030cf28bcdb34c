/** The client registry: admins create clients, suspend and reactivate them, add and revoke their public keys. */
import { calculateJwkThumbprint, importJWK, type JWK } from 'jose';
import { auditRow } from '../core/audit-event';
import { ROLE_SCOPES, ROLES, type Role } from '../core/auth';
import { DomainError } from '../core/errors';
import type { AuthStore, ClientKeyRow, ClientRow } from '../storage/types';

export interface ClientDeps {
  auth: AuthStore;
  now: () => number;
  newId: () => string;
}

export interface ClientView extends ClientRow {
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

async function view(deps: ClientDeps, c: ClientRow): Promise<ClientView> {
  const keys = await deps.auth.clientKeys(c.id);
  return { ...c, scopes: [...ROLE_SCOPES[c.role]], keys: keys.map((k) => ({ kid: k.kid, alg: k.alg, status: k.status, createdAt: k.createdAt, revokedAt: k.revokedAt, jwk: k.jwk })) };
}

export async function createClient(deps: ClientDeps, actor: string, input: { role: string; name: string; jwk?: unknown }): Promise<ClientView> {
  if (!(ROLES as readonly string[]).includes(input.role)) {
    throw new DomainError('invalid_request', `role must be one of ${ROLES.join(', ')}`, { errors: [{ path: 'role', message: `unknown role ${JSON.stringify(input.role)}` }] });
  }
  const name = input.name.trim();
  if (!name || name.length > 200) throw new DomainError('invalid_request', 'name must be 1 to 200 characters', { errors: [{ path: 'name', message: 'bad length' }] });
  const key = input.jwk === undefined ? undefined : await checkPublicJwk(input.jwk);
  const now = deps.now();
  const client: ClientRow = { id: deps.newId(), name, role: input.role as Role, status: 'active', createdAt: now, updatedAt: now };
  const keyRow: ClientKeyRow[] = key ? [{ kid: key.kid, clientId: client.id, jwk: key.jwk, alg: key.alg, status: 'active', createdAt: now, revokedAt: null }] : [];
  await deps.auth.commit({
    putClients: [client],
    putClientKeys: keyRow,
    audit: [
      auditRow({ at: now, actor, action: 'client.create', subject: { kind: 'client', id: client.id }, content: { name, role: client.role, keys: keyRow.map((k) => ({ kid: k.kid, jwk: k.jwk })) } }),
    ],
  });
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
  const c = await mustGet(deps, id);
  if (c.status === status) return view(deps, c);
  if (status === 'suspended' && c.role === 'admin' && c.status === 'active' && (await deps.auth.countActiveAdmins()) <= 1) {
    throw new DomainError('conflict', 'this is the last active admin; create another admin before suspending it');
  }
  const now = deps.now();
  const next = { ...c, status, updatedAt: now };
  await deps.auth.commit({
    putClients: [next],
    audit: [auditRow({ at: now, actor, action: status === 'suspended' ? 'client.suspend' : 'client.reactivate', subject: { kind: 'client', id }, content: { status } })],
  });
  return view(deps, next);
}

export async function addClientKey(deps: ClientDeps, actor: string, id: string, jwkInput: unknown): Promise<ClientView> {
  const c = await mustGet(deps, id);
  const key = await checkPublicJwk(jwkInput);
  const existing = (await deps.auth.clientKeys(id)).find((k) => k.kid === key.kid);
  if (existing) throw new DomainError('conflict', `client ${id} already has a key with kid ${key.kid}${existing.status === 'revoked' ? ' (revoked; a revoked key cannot come back)' : ''}`);
  const now = deps.now();
  await deps.auth.commit({
    putClientKeys: [{ kid: key.kid, clientId: id, jwk: key.jwk, alg: key.alg, status: 'active', createdAt: now, revokedAt: null }],
    audit: [auditRow({ at: now, actor, action: 'client-key.add', subject: { kind: 'client', id }, content: { kid: key.kid, jwk: key.jwk } })],
  });
  return view(deps, c);
}

export async function revokeClientKey(deps: ClientDeps, actor: string, id: string, kid: string): Promise<ClientView> {
  const c = await mustGet(deps, id);
  const key = (await deps.auth.clientKeys(id)).find((k) => k.kid === kid);
  if (!key) throw new DomainError('not_found', `client ${id} has no key ${kid}`);
  if (key.status === 'revoked') return view(deps, c);
  const now = deps.now();
  await deps.auth.commit({
    putClientKeys: [{ ...key, status: 'revoked', revokedAt: now }],
    audit: [auditRow({ at: now, actor, action: 'client-key.revoke', subject: { kind: 'client', id }, content: { kid } })],
  });
  return view(deps, c);
}
