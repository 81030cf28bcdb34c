/**
 * The auth room: roles, the scopes each role is granted, and the authenticated caller (DESIGN §6).
 * Tokens and keys are the services' (services/tokens.ts, services/keyring.ts); this is the vocabulary.
 */
export const ROLES = ['partner', 'admin', 'auditor', 'peer'] as const;
export type Role = (typeof ROLES)[number];

export const SCOPES = ['hash', 'match', 'hashes:read', 'hashes:write', 'feedback', 'admin', 'audit:read', 'federation:read'] as const;
export type Scope = (typeof SCOPES)[number];

export const ROLE_SCOPES: Record<Role, Scope[]> = {
  partner: ['hash', 'match', 'hashes:read', 'hashes:write', 'feedback'],
  admin: ['admin'],
  auditor: ['audit:read'],
  peer: ['federation:read'],
};

export interface Principal {
  clientId: string;
  role: Role;
  scopes: Scope[];
}
