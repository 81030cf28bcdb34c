/** Admin: the members (clients) of this node, filtered, and admitting a new one. */
import { useState } from 'hono/jsx/dom';
import { call } from '../lib/api';
import { downloadJson } from '../lib/keys';
import type { Client } from '../lib/types';
import { ErrorBox, PageTitle, Status, useAction, useLoad, when, fieldValue } from '../ui';
import { PrivateKeyHandover, useKeyInput } from './key-input';

const ROLES = ['partner', 'admin', 'auditor', 'peer'] as const;

export function Members() {
  const list = useLoad(() => call<{ clients: Client[] }>('GET', '/v1/admin/clients'));
  const [text, setText] = useState('');
  const [role, setRole] = useState('');
  const [status, setStatus] = useState('');
  const clients = (list.data?.clients ?? []).filter(
    (c) => (!role || c.role === role) && (!status || c.status === status) && (!text || `${c.id} ${c.name}`.toLowerCase().includes(text.toLowerCase())),
  );

  return (
    <section aria-labelledby="page-title">
      <PageTitle>Members</PageTitle>
      <h2 id="members-list">All members</h2>
      <form class="filters" role="search" aria-label="Filter members" onSubmit={(e: Event) => e.preventDefault()}>
        <div class="field">
          <label for="f-text">Name or id contains</label>
          <input id="f-text" type="search" value={text} onInput={(e: Event) => setText(fieldValue(e))} />
        </div>
        <div class="field">
          <label for="f-role">Role</label>
          <select id="f-role" value={role} onChange={(e: Event) => setRole(fieldValue(e))}>
            <option value="">any</option>
            {ROLES.map((r) => (
              <option value={r}>{r}</option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="f-status">Status</label>
          <select id="f-status" value={status} onChange={(e: Event) => setStatus(fieldValue(e))}>
            <option value="">any</option>
            <option value="active">active</option>
            <option value="suspended">suspended</option>
          </select>
        </div>
      </form>
      <ErrorBox error={list.error} context="Could not list the members" />
      <Status>{list.loading ? 'Loading members…' : `${clients.length} of ${list.data?.clients.length ?? 0} members shown.`}</Status>
      <div class="table-wrap">
        <table aria-describedby="members-list">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Status</th>
              <th scope="col">Active keys</th>
              <th scope="col">Admitted</th>
            </tr>
          </thead>
          <tbody>
            {clients.map((c) => (
              <tr>
                <th scope="row">
                  <a href={`#/members/${encodeURIComponent(c.id)}`}>{c.name}</a>
                  <br />
                  <code class="mono small">{c.id}</code>
                </th>
                <td>{c.role}</td>
                <td>
                  <span class={`badge ${c.status}`}>{c.status}</span>
                </td>
                <td>{c.keys.filter((k) => k.status === 'active').length}</td>
                <td>{when(c.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <AddMember onAdded={list.reload} />
    </section>
  );
}

function AddMember({ onAdded }: { onAdded: () => void }) {
  const [name, setName] = useState('');
  const [role, setRole] = useState<(typeof ROLES)[number]>('partner');
  const [made, setMade] = useState<Client | undefined>(undefined);
  const [handover, setHandover] = useState<{ name: string; content: Record<string, unknown> } | undefined>(undefined);
  const key = useKeyInput('add');
  const add = useAction(async () => {
    setMade(undefined);
    const { publicJwk, privateJwk } = await key.resolve();
    const client = await call<Client>('POST', '/v1/admin/clients', { json: { role, name: name.trim(), jwk: publicJwk } });
    setMade(client);
    if (privateJwk) {
      // The shape `npm run admin -- client add --json` prints: the CLI and this console read it to sign in.
      const file = {
        name: `${client.id}.key.json`,
        content: { clientId: client.id, role: client.role, name: client.name, privateJwk: { ...privateJwk, kid: client.keys[0]?.kid, alg: 'EdDSA' } },
      };
      setHandover(file);
      downloadJson(file.name, file.content);
    }
    setName('');
    onAdded();
  });
  return (
    <form
      class="card"
      aria-labelledby="add-member"
      onSubmit={(e: Event) => {
        e.preventDefault();
        void add.go();
      }}
    >
      <h2 id="add-member">Add a member</h2>
      <div class="row">
        <div class="field">
          <label for="add-name">Member name</label>
          <input id="add-name" type="text" required maxLength={200} value={name} onInput={(e: Event) => setName(fieldValue(e))} />
        </div>
        <div class="field">
          <label for="add-role">Member role</label>
          <select id="add-role" value={role} onChange={(e: Event) => setRole(ROLES.find((r) => r === fieldValue(e)) ?? role)}>
            {ROLES.map((r) => (
              <option value={r}>{r}</option>
            ))}
          </select>
        </div>
      </div>
      {key.fields}
      <div class="actions">
        <button type="submit" class="primary" disabled={add.busy}>
          {add.busy ? 'Adding…' : 'Add member'}
        </button>
      </div>
      <ErrorBox error={add.error} context="Not added" />
      <Status>
        {made && (
          <>
            Added <a href={`#/members/${encodeURIComponent(made.id)}`}>{made.name}</a> ({made.role}, <code class="mono">{made.id}</code>).
          </>
        )}
      </Status>
      {handover && <PrivateKeyHandover file={handover} onDone={() => setHandover(undefined)} />}
    </form>
  );
}
