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

/** RFC 8785 canonical JSON of a value (what every audit entry is made of). */
export function canonicalJson(value: unknown): string {
  const out = canonicalize(value);
  if (out === undefined) throw new Error('value is not serialisable as JSON');
  return out;
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

/**
 * A value of an audit event that only the database knows when it writes the entry (the id a
 * concurrent share gave a hash, the contributors a retraction removed): the ledger fills it in
 * the same statement that appends the entry, so the entry says what the commit did.
 */
export class Hole {
  constructor(readonly name: string) {}
}

/** Canonical JSON of an event cut at its holes: `parts[0] hole[0] parts[1] … parts[n]`. */
export interface EntryTemplate {
  parts: string[];
  holes: string[];
}

/**
 * The event's canonical entry with each Hole left open. Whatever fills a hole must itself be
 * canonical JSON (a quoted string of plain characters, an integer, an array of such).
 */
export function entryTemplate(
  ev: Omit<AuditEvent, 'action' | 'subject' | 'content'> & {
    action: string | Hole;
    subject: { kind: string; id: string | Hole };
    content: Record<string, unknown> | Hole;
  },
): EntryTemplate {
  const found: string[] = [];
  // Each hole becomes a string with NULs around its number; JSON writes a NUL as \u0000, so the
  // marker shows up in the output as one exact run of text, checked to occur once.
  const mark = (x: unknown): unknown => {
    if (x instanceof Hole) return `\u0000${found.push(x.name) - 1}\u0000`;
    if (Array.isArray(x)) return x.map(mark);
    if (x !== null && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, mark(v)]));
    return x;
  };
  const marked = mark({ ...ev, at: 0 }) as AuditEvent;
  const whole = canonicalEntry({ ...marked, at: ev.at });
  const order = found.map((name, i) => ({ name, marker: JSON.stringify(`\u0000${i}\u0000`), at: whole.indexOf(JSON.stringify(`\u0000${i}\u0000`)) }));
  for (const h of order) if (h.at < 0 || whole.indexOf(h.marker, h.at + 1) >= 0) throw new Error(`audit entry hole ${h.name} is not found exactly once`);
  // Cut in the order the holes appear in the text (canonical JSON sorts keys).
  order.sort((a, b) => a.at - b.at);
  const parts: string[] = [];
  const holes: string[] = [];
  let text = whole;
  for (const { name, marker } of order) {
    const at = text.indexOf(marker);
    parts.push(text.slice(0, at));
    holes.push(name);
    text = text.slice(at + marker.length);
  }
  parts.push(text);
  return { parts, holes };
}
