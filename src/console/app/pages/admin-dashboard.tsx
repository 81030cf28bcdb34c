/**
 * Admin: what the node can tell an admin today (members and keys from /v1/admin/clients; the match
 * index's counts and the node's state from /health), and what it cannot yet (see the list at the end).
 */
import { call } from '../lib/api';
import type { Client } from '../lib/types';
import { ErrorBox, PageTitle, useLoad } from '../ui';

interface Health {
  status: string;
  node: { name: string; version: string; runtime: string };
  checks: Record<string, { ok: boolean; hashes?: Record<string, number>; [k: string]: unknown }>;
}

function countBy<T>(xs: T[], key: (x: T) => string): [string, number][] {
  const m = new Map<string, number>();
  for (const x of xs) m.set(key(x), (m.get(key(x)) ?? 0) + 1);
  return [...m].sort((a, b) => a[0].localeCompare(b[0]));
}

function Counts({ id, caption, rows, head }: { id: string; caption: string; rows: [string, number][]; head: string }) {
  return (
    <table id={id} class="counts">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{head}</th>
          <th scope="col">count</th>
        </tr>
      </thead>
      <tbody>
        {rows.length === 0 ? (
          <tr>
            <td colSpan={2}>none</td>
          </tr>
        ) : (
          rows.map(([k, n]) => (
            <tr>
              <th scope="row">{k}</th>
              <td>{n.toLocaleString('en-US')}</td>
            </tr>
          ))
        )}
      </tbody>
    </table>
  );
}

export function Dashboard() {
  const clients = useLoad(() => call<{ clients: Client[] }>('GET', '/v1/admin/clients'));
  const health = useLoad(async () => {
    const r = await fetch('/health', { credentials: 'omit', cache: 'no-store' });
    return (await r.json()) as Health;
  });
  const cs = clients.data?.clients ?? [];
  const keys = cs.flatMap((c) => c.keys);
  const index = health.data?.checks.index?.hashes;
  return (
    <section aria-labelledby="page-title">
      <PageTitle>Dashboard</PageTitle>
      <ErrorBox error={clients.error} context="Could not list the members" />
      <ErrorBox error={health.error} context="Could not read /health" />
      <div class="grid">
        <Counts id="by-role" caption="Members by role" head="role" rows={countBy(cs, (c) => c.role)} />
        <Counts id="by-status" caption="Members by status" head="status" rows={countBy(cs, (c) => c.status)} />
        <Counts id="keys" caption="Member keys" head="status" rows={countBy(keys, (k) => k.status)} />
        {index ? (
          <Counts id="by-type" caption="Active hashes by type (match index)" head="type" rows={Object.entries(index).sort((a, b) => a[0].localeCompare(b[0]))} />
        ) : (
          <p class="muted">Hashes by type: this deployment's /health does not count them (Workers keep the index in D1).</p>
        )}
      </div>
      {health.data && (
        <p>
          Node <strong>{health.data.node.name}</strong> {health.data.node.version} on {health.data.node.runtime}:{' '}
          <span class={`badge ${health.data.status === 'ok' ? 'active' : 'suspended'}`}>{health.data.status}</span>
          {Object.entries(health.data.checks).map(([k, v]) => ` · ${k} ${v.ok ? 'ok' : 'not ok'}`)}
        </p>
      )}
      <div class="card notice">
        <h2>Not shown yet: the API does not offer it to admins</h2>
        <p>The admin role carries only the scope <code>admin</code>. For the rest of this dashboard the node needs:</p>
        <ul>
          <li>
            <strong>Hashes by label and by member</strong>: a <code>GET /v1/admin/stats/hashes</code> (active and retracted hashes grouped by type, label and
            contributing member), computed in SQL from the hashes and contributions tables.
          </li>
          <li>
            <strong>Match queries per day</strong>: a <code>GET /v1/admin/stats/matches?from=&amp;to=</code> reading the per-client, per-day counts the node already
            writes (the match counter).
          </li>
          <li>
            <strong>Recent audit entries</strong>: read access to <code>GET /v1/audit/entries</code> for admins (the scope <code>audit:read</code> added to the admin
            role, or a <code>GET /v1/admin/audit/recent</code>); auditors see them on their Entries page today.
          </li>
        </ul>
      </div>
    </section>
  );
}
