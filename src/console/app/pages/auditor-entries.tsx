/** Auditor: browse the log's entries (filter by action, actor, time) and prove any one's inclusion. */
import { useState } from 'hono/jsx/dom';
import { ApiError } from '../lib/api';
import { fetchEntries, fetchHead, proveInclusion } from '../lib/audit';
import type { AuditEntry, SignedTreeHead } from '../lib/types';
import { ErrorBox, PageTitle, Status, useLoad, fieldValue, messageOf } from '../ui';
import { member } from '../../../client/json';

interface Row extends AuditEntry {
  time: string;
  actor: string;
  action: string;
  subject: string;
}

function parse(e: AuditEntry): Row {
  try {
    const v: unknown = JSON.parse(e.entry);
    const str = (x: unknown) => (typeof x === 'string' ? x : '');
    const subject = member(v, 'subject');
    return {
      ...e,
      time: str(member(v, 'time')),
      actor: str(member(v, 'actor')),
      action: str(member(v, 'action')),
      subject: `${str(member(subject, 'kind'))} ${str(member(subject, 'id'))}`.trim(),
    };
  } catch {
    return { ...e, time: '', actor: '', action: '(not JSON)', subject: '' };
  }
}

const PAGE = 50;

export function Entries() {
  const [loaded, setLoaded] = useState(0);
  const log = useLoad(async () => {
    const head = await fetchHead(true);
    const entries = await fetchEntries(head.treeSize, setLoaded);
    return { head, rows: entries.map(parse) };
  });
  const [action, setAction] = useState('');
  const [actor, setActor] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [page, setPage] = useState(0);
  // datetime-local values carry no zone; the labels say UTC, as the entries' times are. `to` takes its whole minute.
  const utc = (v: string, plusMs = 0) => {
    const t = Date.parse(`${v}Z`);
    return Number.isNaN(t) ? undefined : new Date(t + plusMs).toISOString();
  };
  const fromIso = from ? utc(from) : undefined;
  const toIso = to ? utc(to, 59_999) : undefined;
  const rows = (log.data?.rows ?? []).filter(
    (r) => (!action || r.action === action) && (!actor || r.actor.includes(actor)) && (!fromIso || r.time >= fromIso) && (!toIso || r.time <= toIso),
  );
  const newestFirst = [...rows].reverse();
  const pages = Math.max(1, Math.ceil(newestFirst.length / PAGE));
  const shown = newestFirst.slice(page * PAGE, page * PAGE + PAGE);
  const head = log.data?.head;
  const actions = [...new Set((log.data?.rows ?? []).map((r) => r.action))].sort();
  const set = (f: (v: string) => void) => (e: Event) => {
    f(fieldValue(e));
    setPage(0);
  };

  return (
    <section aria-labelledby="page-title">
      <PageTitle>Log entries</PageTitle>
      <ErrorBox error={log.error} context="Could not read the log" />
      <form class="filters" role="search" aria-label="Filter entries" onSubmit={(e: Event) => e.preventDefault()}>
        <div class="field">
          <label for="e-action">Action</label>
          <select id="e-action" value={action} onChange={set(setAction)}>
            <option value="">any</option>
            {actions.map((a) => (
              <option value={a}>{a}</option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="e-actor">Actor contains</label>
          <input id="e-actor" type="search" value={actor} onInput={set(setActor)} />
        </div>
        <div class="field">
          <label for="e-from">From (UTC)</label>
          <input id="e-from" type="datetime-local" value={from} onChange={set(setFrom)} />
        </div>
        <div class="field">
          <label for="e-to">To (UTC)</label>
          <input id="e-to" type="datetime-local" value={to} onChange={set(setTo)} />
        </div>
      </form>
      <Status>
        {log.loading
          ? `Loading entries… ${loaded}`
          : `${rows.length} of ${log.data?.rows.length ?? 0} entries match; newest first; page ${page + 1} of ${pages}.`}
      </Status>
      <div class="table-wrap">
        <table aria-label="Log entries">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Time</th>
              <th scope="col">Action</th>
              <th scope="col">Actor</th>
              <th scope="col">Subject</th>
              <th scope="col">Entry and proof</th>
            </tr>
          </thead>
          <tbody>{head && shown.map((r) => <EntryRow row={r} head={head} />)}</tbody>
        </table>
      </div>
      <nav class="pager" aria-label="Entry pages">
        <button type="button" disabled={page === 0} onClick={() => setPage(page - 1)}>
          Newer
        </button>
        <button type="button" disabled={page + 1 >= pages} onClick={() => setPage(page + 1)}>
          Older
        </button>
      </nav>
    </section>
  );
}

function EntryRow({ row, head }: { row: Row; head: SignedTreeHead }) {
  const [proof, setProof] = useState<{ ok: boolean; text: string } | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const prove = async () => {
    setError(undefined);
    try {
      const p = await proveInclusion(row, head);
      setProof({ ok: true, text: `Included: the entry's leaf hash and ${p.path.length} proof hashes lead to the signed root of size ${head.treeSize}.` });
    } catch (e) {
      if (e instanceof ApiError) setError(e);
      else setProof({ ok: false, text: `Not proven: ${messageOf(e)}` });
    }
  };
  return (
    <tr>
      <th scope="row">{row.index}</th>
      <td>{row.time.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}</td>
      <td>{row.action}</td>
      <td>
        <code class="mono small">{row.actor}</code>
      </td>
      <td>
        <code class="mono small">{row.subject}</code>
      </td>
      <td>
        <details>
          <summary>Entry #{row.index}</summary>
          <pre class="entry">{row.entry}</pre>
        </details>
        <button type="button" onClick={prove} aria-label={`Prove inclusion of entry ${row.index}`}>
          Prove inclusion
        </button>
        {proof && <p class={proof.ok ? 'verdict good' : 'verdict bad'}>{proof.text}</p>}
        <ErrorBox error={error} />
      </td>
    </tr>
  );
}
