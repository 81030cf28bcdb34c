/** Admin: the node's signing keys (its JWKS) and their rotation. */
import { useState } from 'hono/jsx/dom';
import { call } from '../lib/api';
import type { Jwk } from '../lib/jws';
import { ErrorBox, Mono, PageTitle, Status, useAction, useLoad } from '../ui';

export function NodeKeys() {
  const jwks = useLoad(() => call<{ keys: Jwk[] }>('GET', '/.well-known/jwks.json', { anonymous: true }));
  const [said, setSaid] = useState('');
  const rotate = useAction(async () => {
    if (!confirm("Rotate the node's signing key? A new key signs from now on; the current one stays published until the tokens it signed expire.")) return;
    const r = await call<{ kid: string }>('POST', '/v1/admin/keys/rotate');
    setSaid(`New signing key ${r.kid}.`);
    jwks.reload();
  });
  return (
    <section aria-labelledby="page-title">
      <PageTitle>Node keys</PageTitle>
      <p>
        The node signs access tokens, signed tree heads and (with federation) feed batches with its current key. Clients and auditors check them against{' '}
        <a href="/.well-known/jwks.json">/.well-known/jwks.json</a>.
      </p>
      <ErrorBox error={jwks.error} context="Could not read the JWKS" />
      <div class="table-wrap">
        <table aria-label="Published node keys">
          <thead>
            <tr>
              <th scope="col">Key id</th>
              <th scope="col">Type</th>
              <th scope="col">Public key (x)</th>
            </tr>
          </thead>
          <tbody>
            {(jwks.data?.keys ?? []).map((k, i) => (
              <tr>
                <th scope="row">
                  <Mono>{k.kid}</Mono>
                  {i === 0 ? ' (current)' : ''}
                </th>
                <td>
                  {k.kty} {k.crv} {k.alg}
                </td>
                <td>
                  <Mono>{k.x}</Mono>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div class="actions">
        <button type="button" class="danger" disabled={rotate.busy} onClick={() => rotate.go()}>
          Rotate the node's signing key
        </button>
      </div>
      <ErrorBox error={rotate.error} context="Not rotated" />
      <Status>{said}</Status>
    </section>
  );
}
