/** Admin: one member: suspend or reactivate it, add and revoke its keys. */
import { useState } from 'hono/jsx/dom';
import { call } from '../lib/api';
import { downloadJson } from '../lib/keys';
import type { Client } from '../lib/types';
import { ErrorBox, Mono, PageTitle, Status, useAction, useLoad, when } from '../ui';
import { PrivateKeyHandover, useKeyInput } from './key-input';

export function MemberPage({ id }: { id: string }) {
  const path = `/v1/admin/clients/${encodeURIComponent(id)}`;
  const got = useLoad(() => call<Client>('GET', path), [id]);
  const [client, setClient] = useState<Client | undefined>(undefined);
  const [said, setSaid] = useState('');
  const c = client?.id === id ? client : got.data;
  const act = useAction(async (what: 'suspend' | 'reactivate') => {
    const next = await call<Client>('POST', `${path}/${what}`);
    setClient(next);
    setSaid(`${next.name} is now ${next.status}.`);
  });
  const revoke = useAction(async (kid: string) => {
    if (!confirm(`Revoke key ${kid}? Tokens obtained with it stop working at once.`)) return;
    const next = await call<Client>('DELETE', `${path}/keys/${encodeURIComponent(kid)}`);
    setClient(next);
    setSaid(`Key ${kid} revoked.`);
  });

  return (
    <section aria-labelledby="page-title">
      <p>
        <a href="#/members">← All members</a>
      </p>
      <PageTitle>{c ? c.name : 'Member'}</PageTitle>
      <ErrorBox error={got.error} context="Could not load the member" />
      {c && (
        <>
          <dl class="facts">
            <dt>Client id</dt>
            <dd>
              <Mono>{c.id}</Mono>
            </dd>
            <dt>Role</dt>
            <dd>{c.role}</dd>
            <dt>Scopes</dt>
            <dd>{c.scopes.join(' ')}</dd>
            <dt>Status</dt>
            <dd>
              <span class={`badge ${c.status}`}>{c.status}</span>
            </dd>
            <dt>Admitted</dt>
            <dd>{when(c.createdAt)}</dd>
          </dl>
          <div class="actions">
            {c.status === 'active' ? (
              <button type="button" class="danger" disabled={act.busy} onClick={() => act.go('suspend')}>
                Suspend {c.name}
              </button>
            ) : (
              <button type="button" class="primary" disabled={act.busy} onClick={() => act.go('reactivate')}>
                Reactivate {c.name}
              </button>
            )}
          </div>
          <ErrorBox error={act.error || revoke.error} context="Refused" />
          <Status>{said}</Status>
          <h2 id="keys-title">Keys</h2>
          <div class="table-wrap">
            <table aria-labelledby="keys-title">
              <thead>
                <tr>
                  <th scope="col">Key id</th>
                  <th scope="col">Algorithm</th>
                  <th scope="col">Status</th>
                  <th scope="col">Added</th>
                  <th scope="col">Action</th>
                </tr>
              </thead>
              <tbody>
                {c.keys.map((k) => (
                  <tr>
                    <th scope="row">
                      <Mono>{k.kid}</Mono>
                    </th>
                    <td>{k.alg}</td>
                    <td>
                      <span class={`badge ${k.status}`}>{k.status}</span>
                      {k.revokedAt ? ` ${when(k.revokedAt)}` : ''}
                    </td>
                    <td>{when(k.createdAt)}</td>
                    <td>
                      {k.status === 'active' && (
                        <button type="button" class="danger" disabled={revoke.busy} onClick={() => revoke.go(k.kid)} aria-label={`Revoke key ${k.kid}`}>
                          Revoke
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <AddKey client={c} onAdded={(next, note) => (setClient(next), setSaid(note))} />
        </>
      )}
    </section>
  );
}

function AddKey({ client, onAdded }: { client: Client; onAdded: (c: Client, note: string) => void }) {
  const key = useKeyInput('key');
  const [handover, setHandover] = useState<{ name: string; content: Record<string, unknown> } | undefined>(undefined);
  const add = useAction(async () => {
    const { publicJwk, privateJwk } = await key.resolve();
    const before = new Set(client.keys.map((k) => k.kid));
    const next = await call<Client>('POST', `/v1/admin/clients/${encodeURIComponent(client.id)}/keys`, { json: { jwk: publicJwk } });
    const added = next.keys.find((k) => !before.has(k.kid));
    if (privateJwk) {
      const file = {
        name: `${client.id}.${added?.kid ?? 'new'}.key.json`,
        content: { clientId: client.id, role: client.role, name: client.name, privateJwk: { ...privateJwk, kid: added?.kid, alg: 'EdDSA' } },
      };
      setHandover(file);
      downloadJson(file.name, file.content);
    }
    onAdded(next, `Key ${added?.kid ?? ''} added.`);
  });
  return (
    <form
      class="card"
      aria-labelledby="add-key"
      onSubmit={(e: Event) => {
        e.preventDefault();
        void add.go();
      }}
    >
      <h2 id="add-key">Add a key</h2>
      {key.fields}
      <div class="actions">
        <button type="submit" class="primary" disabled={add.busy}>
          Add key
        </button>
      </div>
      <ErrorBox error={add.error} context="Key not added" />
      {handover && <PrivateKeyHandover file={handover} onDone={() => setHandover(undefined)} />}
    </form>
  );
}
