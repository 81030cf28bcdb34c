/**
 * How an admin gives a member its public key: made here (an Ed25519 pair in this browser; the
 * private half becomes a download and is never sent), or pasted or uploaded as a public JWK
 * (a private JWK is refused before anything is sent).
 */
import { useRef, useState } from 'hono/jsx/dom';
import type { Jwk } from '../lib/jws';
import { downloadJson, generatePair, parsePublicJwk } from '../lib/keys';
import { fieldValue } from '../ui';

export type KeySource = 'generate' | 'paste' | 'upload';

export function useKeyInput(prefix: string) {
  const [source, setSource] = useState<KeySource>('generate');
  const [pasted, setPasted] = useState('');
  const upload = useRef<HTMLInputElement>(null);
  /** The public JWK to send, and the private one to hand over when it was made here. */
  const resolve = async (): Promise<{ publicJwk: Jwk; privateJwk?: Jwk }> => {
    if (source === 'generate') return generatePair();
    const text = source === 'paste' ? pasted : await (upload.current?.files?.[0]?.text() ?? Promise.reject(new Error('choose the public key file first')));
    return { publicJwk: parsePublicJwk(text) };
  };
  const fields = (
    <fieldset>
      <legend>Key</legend>
      {(
        [
          ['generate', 'Make a key pair in this browser (you download the private key and give it to the member)'],
          ['paste', "Paste the member's public JWK"],
          ['upload', "Upload the member's public JWK file"],
        ] as const
      ).map(([v, text]) => (
        <div class="check">
          <input type="radio" id={`${prefix}-src-${v}`} name={`${prefix}-src`} value={v} checked={source === v} onChange={() => setSource(v)} />
          <label for={`${prefix}-src-${v}`}>{text}</label>
        </div>
      ))}
      {source === 'paste' && (
        <div class="field">
          <label for={`${prefix}-jwk`}>Public JWK</label>
          <textarea
            id={`${prefix}-jwk`}
            rows={4}
            spellcheck={false}
            value={pasted}
            onInput={(e: Event) => setPasted(fieldValue(e))}
            placeholder='{"kty":"OKP","crv":"Ed25519","x":"…"}'
          />
        </div>
      )}
      {source === 'upload' && (
        <div class="field">
          <label for={`${prefix}-jwk-file`}>Public JWK file</label>
          <input id={`${prefix}-jwk-file`} type="file" accept=".json,.jwk,application/json" ref={upload} />
        </div>
      )}
    </fieldset>
  );
  return { fields, resolve, source };
}

/** After a pair was made here: the private key, offered until the admin says it is saved. */
export function PrivateKeyHandover({ file, onDone }: { file: { name: string; content: Record<string, unknown> }; onDone: () => void }) {
  return (
    <div class="card notice" role="region" aria-label="New private key">
      <h3>Private key made in this browser</h3>
      <p>
        The download <code>{file.name}</code> holds the member's private key. The node has only the public half: give this file to the member over a safe
        channel, then delete your copy. It cannot be shown again.
      </p>
      <div class="actions">
        <button type="button" onClick={() => downloadJson(file.name, file.content)}>
          Download {file.name} again
        </button>
        <button type="button" class="primary" onClick={onDone}>
          I have saved it; forget it here
        </button>
      </div>
    </div>
  );
}
