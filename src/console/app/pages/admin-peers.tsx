/**
 * Admin: the peer nodes this node pulls from (DESIGN §8), through /v1/admin/peers: each with where
 * its pulling stands (status, last pull, cursor, how long since, the last refusal), and adding,
 * pausing, resuming, switching matching and removing. The list reloads every few seconds while the
 * page is open, so a pull's outcome shows without a click.
 */
import { useEffect, useState } from 'hono/jsx/dom';
import { call } from '../lib/api';
import type { Label, Peer } from '../lib/types';
import { ErrorBox, Mono, PageTitle, Status, fieldValue, isChecked, useAction, useLoad, when } from '../ui';

const RELOAD_MS = 3000;

/** "12 s", "4 min", "3 h", "2 d": how long ago, roughly. */
function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} d`;
}

/**
 * How far behind a peer may be, as far as this node can tell without asking it: the time since the
 * last batch that brought changes (a pull that finds nothing new changes nothing here, so a quiet
 * peer's lag grows too), and in red while its pulls are failing, when it really falls behind.
 */
function lagOf(p: Peer, now: number): { text: string; late: boolean } {
  const since = p.pulledAt ? `${ago(now - Date.parse(p.pulledAt))} since the last batch with changes` : 'nothing pulled yet';
  if (p.status !== 'active') return { text: `${since} (not pulling: ${p.status})`, late: false };
  return { text: p.failures > 0 ? `${since}; pulls failing` : since, late: p.failures > 0 };
}

export function Peers() {
  const list = useLoad(() => call<{ peers: Peer[] }>('GET', '/v1/admin/peers'));
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => {
      setNow(Date.now());
      list.reload();
    }, RELOAD_MS);
    return () => clearInterval(t);
  }, []);
  const peers = list.data?.peers ?? [];
  const shown = peers.filter((p) => p.status !== 'removed');
  const removed = peers.length - shown.length;
  return (
    <section aria-labelledby="page-title">
      <PageTitle>Peers</PageTitle>
      <p>
        The nodes this node pulls hashes from. A peer's admin first registers this node there as a member of role <code>peer</code> by this node's JWKS URL (
        <code>{location.origin}/.well-known/jwks.json</code>) and gives you the client id; this node then signs its pulls with its own key. Nodes that pull from
        this one are members of role <code>peer</code>, on the Members page.
      </p>
      <ErrorBox error={list.error} context="Could not list the peers" />
      <Status>
        {list.data
          ? `${shown.length} peer${shown.length === 1 ? '' : 's'}${removed ? ` (and ${removed} removed)` : ''}.`
          : list.loading
            ? 'Loading peers…'
            : ''}
      </Status>
      {shown.map((p) => (
        <PeerCard peer={p} now={now} onChanged={list.reload} />
      ))}
      <AddPeer onAdded={list.reload} />
    </section>
  );
}

function PeerCard({ peer: p, now, onChanged }: { peer: Peer; now: number; onChanged: () => void }) {
  const [said, setSaid] = useState('');
  const change = useAction(async (path: string, method: 'POST' | 'PATCH' | 'DELETE', json?: unknown) => {
    const r = await call<Peer>(method, `/v1/admin/peers/${encodeURIComponent(p.id)}${path}`, json === undefined ? {} : { json });
    setSaid(`${r.url} is now ${r.status}${r.status === 'removed' ? '' : `, matching ${r.matching ? 'on' : 'off'}`}.`);
    onChanged();
  });
  const lag = lagOf(p, now);
  const titleId = `peer-${p.id}`;
  return (
    <article class={`card${p.lastError ? ' bad' : ''}`} aria-labelledby={titleId}>
      <h2 id={titleId}>
        <Mono>{p.url}</Mono> <span class={`badge ${p.status}`}>{p.status}</span>
      </h2>
      <dl class="facts">
        <dt>Client id there</dt>
        <dd>
          <Mono>{p.clientId}</Mono>
        </dd>
        <dt>Matching</dt>
        <dd>{p.matching ? 'on: its hashes match here' : 'off: its hashes are kept and match nothing'}</dd>
        <dt>Labels taken</dt>
        <dd>{p.labels ? p.labels.join(', ') : 'every label'}</dd>
        <dt>Pull interval</dt>
        <dd>{p.intervalMs / 1000} s</dd>
        <dt>Last pull</dt>
        <dd>{p.pulledAt ? `${when(p.pulledAt)}; ${p.pulledItems} items pulled in all` : 'none yet'}</dd>
        <dt>Cursor</dt>
        <dd>{p.cursor ? <Mono>{p.cursor}</Mono> : 'the start of its feed'}</dd>
        <dt>Lag</dt>
        <dd class={lag.late ? 'late' : ''}>{lag.text}</dd>
        <dt>Last refusal</dt>
        <dd>
          {p.lastError ? (
            <span class="refusal">
              {when(p.lastErrorAt ?? undefined)}: {p.lastError} ({p.failures} failed pull{p.failures === 1 ? '' : 's'} in a row)
            </span>
          ) : (
            'none'
          )}
        </dd>
        <dt>Added</dt>
        <dd>{when(p.createdAt)}</dd>
      </dl>
      <div class="actions">
        {p.status === 'active' ? (
          <button type="button" disabled={change.busy} aria-label={`Pause ${p.url}`} onClick={() => change.go('/pause', 'POST')}>
            Pause pulling
          </button>
        ) : (
          <button type="button" class="primary" disabled={change.busy} aria-label={`Resume ${p.url}`} onClick={() => change.go('/resume', 'POST')}>
            Resume pulling
          </button>
        )}
        <button
          type="button"
          disabled={change.busy}
          aria-label={`Switch matching ${p.matching ? 'off' : 'on'} for ${p.url}`}
          onClick={() => change.go('', 'PATCH', { matching: !p.matching })}
        >
          Switch matching {p.matching ? 'off' : 'on'}
        </button>
        <button
          type="button"
          class="danger"
          disabled={change.busy}
          aria-label={`Remove ${p.url}`}
          onClick={() => {
            if (confirm(`Remove ${p.url}? Pulling stops and its hashes stop matching; they stay stored.`)) void change.go('', 'DELETE');
          }}
        >
          Remove
        </button>
      </div>
      <ErrorBox error={change.error} context="Not changed" />
      <Status>{said}</Status>
    </article>
  );
}

function AddPeer({ onAdded }: { onAdded: () => void }) {
  const labels = useLoad(() => call<{ labels: Label[] }>('GET', '/v1/labels'));
  const [url, setUrl] = useState('');
  const [clientId, setClientId] = useState('');
  const [seconds, setSeconds] = useState('60');
  const [chosen, setChosen] = useState<string[]>([]);
  const [matching, setMatching] = useState(true);
  const [made, setMade] = useState<Peer | undefined>(undefined);
  const add = useAction(async () => {
    setMade(undefined);
    const s = Number(seconds);
    if (!Number.isFinite(s) || s <= 0) throw new Error('the pull interval is a number of seconds above 0');
    const peer = await call<Peer>('POST', '/v1/admin/peers', {
      json: { url: url.trim(), clientId: clientId.trim(), intervalMs: Math.round(s * 1000), labels: chosen.length ? chosen : null, matching },
    });
    setMade(peer);
    setUrl('');
    setClientId('');
    onAdded();
  });
  return (
    <form
      class="card"
      aria-labelledby="add-peer"
      onSubmit={(e: Event) => {
        e.preventDefault();
        void add.go();
      }}
    >
      <h2 id="add-peer">Add a peer</h2>
      <div class="row">
        <div class="field">
          <label for="peer-url">Peer URL</label>
          <input
            id="peer-url"
            type="text"
            inputMode="url"
            required
            maxLength={2000}
            placeholder="https://hashes.example.org"
            value={url}
            onInput={(e: Event) => setUrl(fieldValue(e))}
          />
        </div>
        <div class="field">
          <label for="peer-client">Client id this node was given there</label>
          <input id="peer-client" type="text" required maxLength={100} value={clientId} onInput={(e: Event) => setClientId(fieldValue(e))} />
        </div>
        <div class="field">
          <label for="peer-interval">Pull interval (seconds)</label>
          <input id="peer-interval" type="text" inputMode="decimal" required value={seconds} onInput={(e: Event) => setSeconds(fieldValue(e))} />
        </div>
      </div>
      <fieldset>
        <legend>Labels to take (none ticked: every label)</legend>
        <ErrorBox error={labels.error} context="Could not read the labels" />
        {(labels.data?.labels ?? []).map((l) => (
          <div class="check">
            <input
              type="checkbox"
              id={`peer-label-${l.id}`}
              checked={chosen.includes(l.id)}
              onChange={(e: Event) => setChosen(isChecked(e) ? [...chosen, l.id] : chosen.filter((x) => x !== l.id))}
            />
            <label for={`peer-label-${l.id}`}>{l.name}</label>
          </div>
        ))}
      </fieldset>
      <div class="check">
        <input type="checkbox" id="peer-matching" checked={matching} onChange={(e: Event) => setMatching(isChecked(e))} />
        <label for="peer-matching">Its hashes match here</label>
      </div>
      <div class="actions">
        <button type="submit" class="primary" disabled={add.busy}>
          {add.busy ? 'Adding…' : 'Add peer'}
        </button>
      </div>
      <ErrorBox error={add.error} context="Not added" />
      <Status>{made && `Added ${made.url}: pulling starts now.`}</Status>
    </form>
  );
}
