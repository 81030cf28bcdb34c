/**
 * Admin: the dashboard. Members and keys from /v1/admin/clients; hashes by type, label and member,
 * match queries per day and the latest audit entries from /v1/admin/stats (counts kept up to a
 * minute by the node); the node's state from /health.
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

interface Stats {
  countedAt: string;
  byType: { type: string; status: string; count: number }[];
  byLabel: { label: string; count: number }[];
  byMember: { member: string; standing: number; retracted: number }[];
  matchesByDay: { day: string; queries: number; hashes: number }[];
  auditSize: number;
  recentAudit: { index: number; at: string; action: string; actor: string }[];
}

function Table({ id, caption, head, rows }: { id: string; caption: string; head: string[]; rows: (string | number)[][] }) {
  return (
    <div class="table-wrap">
      <table id={id} class="counts">
        <caption>{caption}</caption>
        <thead>
          <tr>
            {head.map((h) => (
              <th scope="col">{h}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr>
              <td colSpan={head.length}>none</td>
            </tr>
          ) : (
            rows.map(([first, ...rest]) => (
              <tr>
                <th scope="row">{first}</th>
                {rest.map((v) => (
                  <td>{typeof v === 'number' ? v.toLocaleString('en-US') : v}</td>
                ))}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}

export function Dashboard() {
  const clients = useLoad(() => call<{ clients: Client[] }>('GET', '/v1/admin/clients'));
  const stats = useLoad(() => call<Stats>('GET', '/v1/admin/stats'));
  const health = useLoad(async () => {
    const r = await fetch('/health', { credentials: 'omit', cache: 'no-store' });
    return (await r.json()) as Health;
  });
  const cs = clients.data?.clients ?? [];
  const names = new Map(cs.map((c) => [c.id, c.name]));
  const keys = cs.flatMap((c) => c.keys);
  const st = stats.data;
  return (
    <section aria-labelledby="page-title">
      <PageTitle>Dashboard</PageTitle>
      <ErrorBox error={clients.error} context="Could not list the members" />
      <ErrorBox error={stats.error} context="Could not read the figures" />
      <ErrorBox error={health.error} context="Could not read /health" />
      <div class="grid">
        <Counts id="by-role" caption="Members by role" head="role" rows={countBy(cs, (c) => c.role)} />
        <Counts id="by-status" caption="Members by status" head="status" rows={countBy(cs, (c) => c.status)} />
        <Counts id="keys" caption="Member keys" head="status" rows={countBy(keys, (k) => k.status)} />
      </div>
      {st && (
        <>
          <p class="muted">
            Hash counts taken {new Date(st.countedAt).toLocaleString('en-GB', { timeZone: 'UTC' })} UTC (recounted at most every 5 s after a change).
          </p>
          <div class="grid">
            <Table id="by-type" caption="Hashes by type" head={['type', 'status', 'hashes']} rows={st.byType.map((r) => [r.type, r.status, r.count])} />
            <Table id="by-label" caption="Active hashes by label" head={['label', 'hashes']} rows={st.byLabel.map((r) => [r.label, r.count])} />
            <Table
              id="by-member"
              caption="Contributions by member"
              head={['member', 'standing', 'retracted']}
              rows={st.byMember.map((r) => [names.get(r.member) ?? r.member, r.standing, r.retracted])}
            />
            <Table
              id="matches"
              caption="Match queries per day (UTC)"
              head={['day', 'queries', 'hashes asked']}
              rows={st.matchesByDay.map((r) => [r.day, r.queries, r.hashes])}
            />
          </div>
          <Table
            id="recent-audit"
            caption={`Latest audit entries (of ${st.auditSize.toLocaleString('en-US')})`}
            head={['#', 'time (UTC)', 'action', 'actor']}
            rows={st.recentAudit.map((e) => [String(e.index), e.at.replace('T', ' ').slice(0, 19), e.action, names.get(e.actor) ?? e.actor])}
          />
        </>
      )}
      {health.data && (
        <p>
          Node <strong>{health.data.node.name}</strong> {health.data.node.version} on {health.data.node.runtime}:{' '}
          <span class={`badge ${health.data.status === 'ok' ? 'active' : 'suspended'}`}>{health.data.status}</span>
          {Object.entries(health.data.checks).map(([k, v]) => ` · ${k} ${v.ok ? 'ok' : 'not ok'}`)}
        </p>
      )}
    </section>
  );
}
