/**
 * Sign in with the member's own private key: picked from a file (read here, imported into WebCrypto
 * as non-extractable, never sent) or remembered in this browser's IndexedDB. The node receives a
 * one-minute signed assertion, nothing else.
 */
import { useEffect, useRef, useState } from 'hono/jsx/dom';
import { importSigningKey, parseKeyFile } from '../lib/keys';
import { forgetKey, loadKey, saveKey, type StoredKey } from '../lib/keystore';
import { endedBecause, nodeMetadata, signIn } from '../lib/session';
import { ErrorBox, PageTitle, useAction, useLoad, fieldValue, isChecked } from '../ui';

export function SignIn() {
  const meta = useLoad(() => nodeMetadata());
  const issuer = meta.data?.issuer;
  const [stored, setStored] = useState<StoredKey | undefined>(undefined);
  const [clientId, setClientId] = useState('');
  const [fileNote, setFileNote] = useState('');
  const [remember, setRemember] = useState(false);
  const file = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (issuer) void loadKey(issuer).then(setStored);
  }, [issuer]);

  const fromFile = useAction(async () => {
    const f = file.current?.files?.[0];
    if (!f) throw new Error('choose your private key file first');
    const parsed = parseKeyFile(await f.text());
    const id = clientId.trim() || parsed.clientId;
    if (!id) throw new Error('enter your client id (the key file does not name it)');
    const { key, alg, kid } = await importSigningKey(parsed.jwk);
    // The parsed JWK (with its private part) goes out of scope here; only the non-extractable key stays.
    await signIn({ clientId: id, key, alg, kid });
    if (file.current) file.current.value = '';
    if (remember && issuer) await saveKey({ issuer, clientId: id, alg, kid, key });
  });

  const fromStore = useAction(async () => {
    if (!stored) return;
    await signIn({ clientId: stored.clientId, key: stored.key, alg: stored.alg, kid: stored.kid });
  });

  const onFile = async () => {
    const f = file.current?.files?.[0];
    setFileNote('');
    if (!f) return;
    try {
      const parsed = parseKeyFile(await f.text());
      if (parsed.clientId && !clientId) setClientId(parsed.clientId);
      setFileNote(
        `${parsed.jwk.crv ?? ''} private key${parsed.jwk.kid ? ` ${parsed.jwk.kid}` : ''}${parsed.clientId ? ` of client ${parsed.clientId}` : ''}: read in this browser, not sent.`,
      );
    } catch (e) {
      setFileNote(e instanceof Error ? e.message : String(e));
    }
  };

  return (
    <section aria-labelledby="page-title" class="narrow">
      <PageTitle>Sign in</PageTitle>
      <p>
        Sign in with your member key: the private key file you made with <code>npm run client -- keygen</code> (your admin admitted its public half), or the one{' '}
        <code>npm run admin</code> wrote or printed when your client was added. With a bare key file, give your client id too. This page reads the key and signs
        a one-minute assertion with it; the node receives only that signature, never the key.
      </p>
      {meta.error ? <ErrorBox error={meta.error} context="The node's metadata" /> : null}
      {issuer && (
        <p class="muted">
          Node: <code>{issuer}</code>
        </p>
      )}
      {endedBecause && (
        <div class="error" role="alert">
          <p>
            <strong>Your session ended.</strong>
          </p>
          <p class="detail">{endedBecause}</p>
        </div>
      )}

      {stored && (
        <div class="card">
          <h2>Key remembered in this browser</h2>
          <p>
            Client <strong>{stored.clientId}</strong> ({stored.alg}
            {stored.kid ? `, key ${stored.kid}` : ''}). Kept in IndexedDB as a key this page can sign with but cannot read out.
          </p>
          <div class="actions">
            <button type="button" class="primary" onClick={() => fromStore.go()} disabled={fromStore.busy}>
              Sign in as {stored.clientId}
            </button>
            <button
              type="button"
              onClick={async () => {
                if (issuer) await forgetKey(issuer);
                setStored(undefined);
              }}
            >
              Forget this key
            </button>
          </div>
          <ErrorBox error={fromStore.error} context="Sign-in refused" />
        </div>
      )}

      <form
        class="card"
        onSubmit={(e: Event) => {
          e.preventDefault();
          void fromFile.go();
        }}
      >
        <h2>{stored ? 'Or use a key file' : 'Use your key file'}</h2>
        <div class="field">
          <label for="key-file">Private key file (JSON)</label>
          <input id="key-file" type="file" accept=".json,application/json" ref={file} onChange={onFile} aria-describedby="key-file-note" />
          <p id="key-file-note" class="hint" aria-live="polite">
            {fileNote || 'An Ed25519 or P-256 private JWK.'}
          </p>
        </div>
        <div class="field">
          <label for="client-id">Client id</label>
          <input
            id="client-id"
            type="text"
            autocomplete="username"
            spellcheck={false}
            value={clientId}
            onInput={(e: Event) => setClientId(fieldValue(e))}
            aria-describedby="client-id-hint"
          />
          <p id="client-id-hint" class="hint">
            Filled in from the file when it names it.
          </p>
        </div>
        <div class="check">
          <input id="remember" type="checkbox" checked={remember} onChange={(e: Event) => setRemember(isChecked(e))} />
          <label for="remember">Remember this key in this browser (stored non-extractable in IndexedDB; forget it on a shared computer)</label>
        </div>
        <div class="actions">
          <button type="submit" class="primary" disabled={fromFile.busy}>
            {fromFile.busy ? 'Signing in…' : 'Sign in'}
          </button>
        </div>
        <ErrorBox error={fromFile.error} context="Sign-in refused" />
      </form>
    </section>
  );
}
