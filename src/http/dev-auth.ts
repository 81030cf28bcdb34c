/**
 * DEVELOPMENT ONLY: a fixed identity instead of real tokens, for trying the node before any client is
 * registered. It is used only when DEV_AUTH=1 and refused at start-up when NODE_ENV=production
 * (see src/config/settings.ts). A request may name its dev client with `Authorization: Dev <id>[ <role>]`.
 */
import { ROLE_SCOPES, ROLES, type Principal } from '../core/auth';
import { DomainError } from '../core/errors';
import type { Authenticator } from './env';

export class DevAuthenticator implements Authenticator {
  async authenticate(authorization: string | undefined): Promise<Principal> {
    const m = /^Dev\s+([\w.-]{1,64})(?:\s+(\w+))?$/.exec(authorization ?? '');
    const clientId = m?.[1] ?? 'dev-partner';
    const named = m?.[2] ?? 'partner';
    const role = ROLES.find((r) => r === named);
    if (!role) throw new DomainError('invalid_token', `unknown dev role ${named}`);
    return { clientId, role, scopes: [...ROLE_SCOPES[role]] };
  }
}
