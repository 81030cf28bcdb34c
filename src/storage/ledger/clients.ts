/** The statements of the client registry and the node's keys: conditions in SQL, entries only for what changes. */
import { sql, type SQL } from 'drizzle-orm';
import { canonicalEntry, entryTemplate, Hole } from '../../core/audit';
import type { ClientKeyRow, ClientRow, NodeKeyRow } from '../types';
import type { Statements } from './hashes';
import { entrySql, lastChange, read, write, type Stmt } from './sql';

/** An audit entry and a change-log row, written only when `changed` (SQL) holds after the change. */
export function recordIf(
  changed: SQL,
  entry: { at: number; actor: string; action: string; subject: { kind: string; id: string }; content: Record<string, unknown> },
  change: { kind: 'client' | 'node-key' | 'peer' },
): Stmt[] {
  return [
    write(sql`insert into audit_log (at, action, actor, entry) select ${entry.at}, ${entry.action}, ${entry.actor}, ${canonicalEntry(entry)} where ${changed}`),
    write(sql`insert into changes (at, kind, subject) select ${entry.at}, ${change.kind}, ${entry.subject.id} where ${changed}`),
  ];
}

function keyInsert(k: ClientKeyRow, tx: string, when: SQL): Stmt {
  return write(sql`insert into client_keys (kid, client_id, jwk, alg, status, created_at, revoked_at, tx)
    select ${k.kid}, ${k.clientId}, ${JSON.stringify(k.jwk)}, ${k.alg}, ${k.status}, ${k.createdAt}, ${k.revokedAt}, ${tx} where ${when}
    on conflict (client_id, kid) do nothing`);
}

export function createClientStatements(p: {
  at: number;
  tx: string;
  actor: string;
  client: ClientRow;
  keys: ClientKeyRow[];
  onlyIfNoAdmin?: boolean;
}): Statements {
  const { at, tx, client: c } = p;
  const allowed = p.onlyIfNoAdmin ? sql`not exists (select 1 from clients where role = 'admin' and status = 'active')` : sql`1`;
  const created = sql`exists (select 1 from clients where id = ${c.id} and tx = ${tx})`;
  const stmts: Stmt[] = [
    write(sql`insert into clients (id, name, role, status, created_at, updated_at, jwks_url, tx)
      select ${c.id}, ${c.name}, ${c.role}, ${c.status}, ${c.createdAt}, ${c.updatedAt}, ${c.jwksUrl ?? null}, ${tx} where ${allowed}`),
    ...p.keys.map((k) => keyInsert(k, tx, created)),
    ...recordIf(
      created,
      {
        at,
        actor: p.actor,
        action: 'client.create',
        subject: { kind: 'client', id: c.id },
        content: { name: c.name, role: c.role, keys: p.keys.map((k) => ({ kid: k.kid, jwk: k.jwk })), ...(c.jwksUrl ? { jwksUrl: c.jwksUrl } : {}) },
      },
      { kind: 'client' },
    ),
  ];
  const result = stmts.push(read(['changed'], sql`select ${created} as changed`)) - 1;
  return { stmts, result, last: stmts.push(lastChange()) - 1 };
}

export function setClientStatusStatements(p: { at: number; tx: string; actor: string; clientId: string; status: ClientRow['status'] }): Statements {
  const { at, tx, clientId, status } = p;
  // The last active admin is never suspended: the count is taken in the statement that suspends.
  const keepsAnAdmin = sql`(${status} <> 'suspended' or role <> 'admin' or (select count(*) from clients where role = 'admin' and status = 'active') > 1)`;
  const changed = sql`exists (select 1 from clients where id = ${clientId} and tx = ${tx})`;
  const stmts: Stmt[] = [
    write(sql`update clients set status = ${status}, updated_at = ${at}, tx = ${tx} where id = ${clientId} and status <> ${status} and ${keepsAnAdmin}`),
    ...recordIf(
      changed,
      {
        at,
        actor: p.actor,
        action: status === 'suspended' ? 'client.suspend' : 'client.reactivate',
        subject: { kind: 'client', id: clientId },
        content: { status },
      },
      { kind: 'client' },
    ),
  ];
  const result = stmts.push(read(['status', 'role', 'changed'], sql`select status, role, tx = ${tx} as changed from clients where id = ${clientId}`)) - 1;
  return { stmts, result, last: stmts.push(lastChange()) - 1 };
}

export function addClientKeyStatements(p: { at: number; tx: string; actor: string; key: ClientKeyRow }): Statements {
  const { at, tx, key: k } = p;
  const added = sql`exists (select 1 from client_keys where client_id = ${k.clientId} and kid = ${k.kid} and tx = ${tx})`;
  const stmts: Stmt[] = [
    keyInsert(k, tx, sql`exists (select 1 from clients where id = ${k.clientId})`),
    ...recordIf(
      added,
      { at, actor: p.actor, action: 'client-key.add', subject: { kind: 'client', id: k.clientId }, content: { kid: k.kid, jwk: k.jwk } },
      { kind: 'client' },
    ),
  ];
  const result = stmts.push(read(['changed'], sql`select ${added} as changed`)) - 1;
  return { stmts, result, last: stmts.push(lastChange()) - 1 };
}

export function revokeClientKeyStatements(p: { at: number; tx: string; actor: string; clientId: string; kid: string }): Statements {
  const { at, tx, clientId, kid } = p;
  const revoked = sql`exists (select 1 from client_keys where client_id = ${clientId} and kid = ${kid} and tx = ${tx})`;
  const stmts: Stmt[] = [
    write(sql`update client_keys set status = 'revoked', revoked_at = ${at}, tx = ${tx} where client_id = ${clientId} and kid = ${kid} and status = 'active'`),
    ...recordIf(revoked, { at, actor: p.actor, action: 'client-key.revoke', subject: { kind: 'client', id: clientId }, content: { kid } }, { kind: 'client' }),
  ];
  const result = stmts.push(read(['changed'], sql`select ${revoked} as changed`)) - 1;
  return { stmts, result, last: stmts.push(lastChange()) - 1 };
}

export function rotateNodeKeyStatements(p: { at: number; tx: string; actor: string; key: NodeKeyRow; onlyIfNoCurrent?: boolean }): Statements {
  const { at, tx, key: k } = p;
  // First start: several processes may race to make the first key; one does.
  const guard = p.onlyIfNoCurrent ? sql`not exists (select 1 from node_keys where status = 'current')` : sql`1`;
  const t = entryTemplate({
    at,
    actor: p.actor,
    action: 'node-key.rotate',
    subject: { kind: 'node-key', id: k.kid },
    content: { alg: k.alg, retired: new Hole('retired') },
  });
  const made = sql`exists (select 1 from node_keys where kid = ${k.kid} and tx = ${tx})`;
  const stmts: Stmt[] = [
    // The entry names the keys this commit retires: those current when it runs.
    write(sql`insert into audit_log (at, action, actor, entry)
      select ${at}, 'node-key.rotate', ${p.actor}, ${entrySql(t, { retired: sql`select json_group_array(kid order by kid) from node_keys where status = 'current'` })}
      where ${guard}`),
    write(sql`update node_keys set status = 'retired', retired_at = ${at}, tx = ${tx} where status = 'current' and ${guard}`),
    write(sql`insert into node_keys (kid, alg, public_jwk, private_jwk, status, created_at, retired_at, tx)
      select ${k.kid}, ${k.alg}, ${JSON.stringify(k.publicJwk)}, ${k.privateJwk}, 'current', ${k.createdAt}, null, ${tx} where ${guard}`),
    write(sql`insert into changes (at, kind, subject) select ${at}, 'node-key', ${k.kid} where ${made}`),
  ];
  const result = stmts.push(read(['changed'], sql`select ${made} as changed`)) - 1;
  return { stmts, result, last: stmts.push(lastChange()) - 1 };
}
