/**
 * Audit-log events: what happened, who did it, to what, when. The entry stored and hashed into the
 * Merkle tree is the event as canonical JSON (RFC 8785), so any verifier re-serialising it gets the
 * same bytes.
 */
import canonicalize from 'canonicalize';

export interface AuditEvent {
  /** Milliseconds since the epoch. */
  at: number;
  /** Client id of who did it ('node' for the node itself, 'cli' for the operator's command line). */
  actor: string;
  /** e.g. hash.share, hash.relabel, hash.retract, hash.feedback, client.create, key.rotate. */
  action: string;
  subject: { kind: string; id: string };
  /** What changed: the new state of the subject, never media. */
  content: Record<string, unknown>;
}

export function canonicalEntry(ev: AuditEvent): string {
  const out = canonicalize({
    v: 1,
    time: new Date(ev.at).toISOString(),
    actor: ev.actor,
    action: ev.action,
    subject: ev.subject,
    content: ev.content,
  });
  if (out === undefined) throw new Error('audit event is not serialisable');
  return out;
}

export function auditRow(ev: AuditEvent): { at: number; action: string; actor: string; entry: string } {
  return { at: ev.at, action: ev.action, actor: ev.actor, entry: canonicalEntry(ev) };
}
