/**
 * Partner: check a file and share its hashes. The file is hashed inside this browser (PDQ and
 * blockhash by the node's own code and WebAssembly kernels, MD5 and SHA-256 of the bytes); only the
 * hashes are sent: to /v1/match to check, to /v1/hashes to share.
 */
import { useRef, useState } from 'hono/jsx/dom';
import { call } from '../lib/api';
import type { LocalHashes } from '../lib/hash-protocol';
import { hashLocally } from '../lib/hashing';
import type { Label, Match, MatchResult } from '../lib/types';
import { ErrorBox, Mono, PageTitle, Status, useAction, useLoad, fieldValue, isChecked } from '../ui';
import { HashActions } from './hash-actions';

const PDQ_MIN_SHARE_QUALITY = 50;

interface Found {
  match: Match;
  /** Which query hashes (type and rotation/mirror) found it. */
  via: string[];
}

interface Query {
  type: string;
  value: string;
  quality?: number;
  /** The image's other rotations and mirrors, hashed here: the node matches them at its distances for rotations and mirrors. */
  variants?: { variant: string; value: string }[];
}

function queries(h: LocalHashes): Query[] {
  const turned = (list: { variant: string; value: string }[] | undefined) => {
    const v = (list ?? []).filter((x) => x.variant !== 'original');
    return v.length ? { variants: v } : {};
  };
  return [
    { type: 'pdq', value: h.hashes.pdq.value, quality: h.hashes.pdq.quality, ...turned(h.variants?.pdq) },
    { type: 'blockhash', value: h.hashes.blockhash.value, ...turned(h.variants?.blockhash) },
    { type: 'md5', value: h.hashes.md5.value },
    { type: 'sha256', value: h.hashes.sha256.value },
  ];
}

export function CheckFile() {
  const file = useRef<HTMLInputElement>(null);
  const [dihedral, setDihedral] = useState(true);
  const [local, setLocal] = useState<{ name: string; hashes: LocalHashes } | undefined>(undefined);
  const [found, setFound] = useState<Found[] | undefined>(undefined);
  const [lowQuality, setLowQuality] = useState(false);

  const check = useAction(async () => {
    setLocal(undefined);
    setFound(undefined);
    const f = file.current?.files?.[0];
    if (!f) throw new Error('choose a file first');
    const hashes = await hashLocally(f, dihedral);
    setLocal({ name: f.name, hashes });
    const qs = queries(hashes);
    // Rotations and mirrors go with their hash as `variants`: the node holds them to its tighter
    // distances for turned hashes (blockhash's turned hashes meet unrelated images more often).
    const r = await call<{ results: MatchResult[] }>('POST', '/v1/match', { json: { hashes: qs } });
    const byId = new Map<string, Found>();
    r.results.forEach((res, i) => {
      for (const m of res.matches) {
        const via = `${qs[i].type}${m.variant && m.variant !== 'original' ? ` (${m.variant})` : ''} at distance ${m.distance}`;
        const f0 = byId.get(m.id);
        if (f0) f0.via.push(via);
        else byId.set(m.id, { match: m, via: [via] });
      }
    });
    setLowQuality(r.results.some((x) => x.lowQuality));
    setFound([...byId.values()].sort((a, b) => a.match.distance - b.match.distance));
  });

  return (
    <section aria-labelledby="page-title">
      <PageTitle>Check a file</PageTitle>
      <p>
        The file is hashed <strong>inside this browser</strong>; only its hashes go to the node. The node never receives the file.
      </p>
      <form
        class="card"
        onSubmit={(e: Event) => {
          e.preventDefault();
          void check.go();
        }}
      >
        <div class="field">
          <label for="check-file">Image file</label>
          <input id="check-file" type="file" accept="image/*" ref={file} />
        </div>
        <div class="check">
          <input id="check-dihedral" type="checkbox" checked={dihedral} onChange={(e: Event) => setDihedral(isChecked(e))} />
          <label for="check-dihedral">Also match its rotations and mirrors (8 PDQ and 8 blockhash variants, computed here)</label>
        </div>
        <div class="actions">
          <button type="submit" class="primary" disabled={check.busy}>
            {check.busy ? 'Hashing and checking…' : 'Hash here and check'}
          </button>
        </div>
        <ErrorBox error={check.error} context="Not checked" />
      </form>
      {local && <LocalHashTable name={local.name} h={local.hashes} />}
      <Status>
        {found && (
          <p id="match-summary">
            {found.length === 0 ? 'No match: no member has shared these hashes.' : `${found.length} stored hash${found.length === 1 ? '' : 'es'} match.`}
            {lowQuality ? ' The PDQ hash is of low quality (below 50): weak evidence.' : ''}
          </p>
        )}
      </Status>
      {found && found.length > 0 && <Matches found={found} />}
      {local && <Share h={local.hashes} />}
    </section>
  );
}

function LocalHashTable({ name, h }: { name: string; h: LocalHashes }) {
  return (
    <div class="card">
      <h2>Hashes of {name}</h2>
      <p class="muted">
        {h.media.width}×{h.media.height} {h.media.format}, {h.media.bytes.toLocaleString('en-US')} bytes; decoded by this browser in{' '}
        {h.timings.decodeMs.toFixed(0)} ms, hashed in {h.timings.hashMs.toFixed(0)} ms (
        {h.kernels.pdq && h.kernels.blockhash ? 'WebAssembly kernels' : 'TypeScript kernels'}).
      </p>
      {h.notes.map((n) => (
        <p class="note" role="note">
          {n}
        </p>
      ))}
      <div class="table-wrap">
        <table id="local-hashes" aria-label="Hashes computed in this browser">
          <thead>
            <tr>
              <th scope="col">Type</th>
              <th scope="col">Value</th>
            </tr>
          </thead>
          <tbody>
            <tr>
              <th scope="row">pdq (quality {h.hashes.pdq.quality})</th>
              <td>
                <Mono>{h.hashes.pdq.value}</Mono>
              </td>
            </tr>
            <tr>
              <th scope="row">blockhash</th>
              <td>
                <Mono>{h.hashes.blockhash.value}</Mono>
              </td>
            </tr>
            <tr>
              <th scope="row">md5</th>
              <td>
                <Mono>{h.hashes.md5.value}</Mono>
              </td>
            </tr>
            <tr>
              <th scope="row">sha256</th>
              <td>
                <Mono>{h.hashes.sha256.value}</Mono>
              </td>
            </tr>
          </tbody>
        </table>
      </div>
    </div>
  );
}

function MatchCard({ f }: { f: Found }) {
  const m = f.match;
  return (
    <li class="card match">
      <h3>
        {m.type} match <Mono>{m.id}</Mono>
      </h3>
      <dl class="facts">
        <dt>Found by</dt>
        <dd>{f.via.join('; ')}</dd>
        <dt>Labels</dt>
        <dd>{m.labels.join(', ') || 'none'}</dd>
        <dt>Members who shared it</dt>
        <dd>{m.contributors}</dd>
        <dt>Feedback</dt>
        <dd>
          {m.feedback.confirm} confirm, {m.feedback.dispute} dispute
        </dd>
        <dt>Stored value</dt>
        <dd>
          <Mono>{m.value}</Mono>
        </dd>
      </dl>
      <HashActions id={m.id} />
    </li>
  );
}

function Matches({ found }: { found: Found[] }) {
  return (
    <>
      <h2>Matches</h2>
      <ul class="plain" aria-label="Matches">
        {found.map((f) => (
          <MatchCard f={f} />
        ))}
      </ul>
    </>
  );
}

function Share({ h }: { h: LocalHashes }) {
  const labels = useLoad(() => call<{ labels: Label[] }>('GET', '/v1/labels'));
  const [chosen, setChosen] = useState<string[]>([]);
  const [externalId, setExternalId] = useState('');
  const [shared, setShared] = useState<{ type: string; id: string; created: boolean }[] | undefined>(undefined);
  const pdqOk = h.hashes.pdq.quality >= PDQ_MIN_SHARE_QUALITY;
  const share = useAction(async () => {
    if (chosen.length === 0) throw new Error('choose at least one label');
    const base = { labels: chosen, ...(externalId.trim() ? { externalId: externalId.trim() } : {}) };
    const items = [
      ...(pdqOk ? [{ type: 'pdq', value: h.hashes.pdq.value, quality: h.hashes.pdq.quality, ...base }] : []),
      { type: 'blockhash', value: h.hashes.blockhash.value, ...base },
      { type: 'md5', value: h.hashes.md5.value, ...base },
      { type: 'sha256', value: h.hashes.sha256.value, ...base },
    ];
    const r = await call<{ items: { id: string; created: boolean }[] }>('POST', '/v1/hashes', { json: { items } });
    setShared(r.items.map((x, i) => ({ type: items[i].type, id: x.id, created: x.created })));
  });
  return (
    <form
      class="card"
      aria-labelledby="share-title"
      onSubmit={(e: Event) => {
        e.preventDefault();
        void share.go();
      }}
    >
      <h2 id="share-title">Share these hashes</h2>
      <p>
        Shares the hashes above (not the file) with every member, under the labels you choose.
        {pdqOk ? '' : ` The PDQ hash (quality ${h.hashes.pdq.quality}, below ${PDQ_MIN_SHARE_QUALITY}) is left out.`}
      </p>
      <ErrorBox error={labels.error} context="Could not read the labels" />
      <fieldset>
        <legend>Labels</legend>
        {(labels.data?.labels ?? []).map((l) => (
          <div class="check">
            <input
              type="checkbox"
              id={`label-${l.id}`}
              checked={chosen.includes(l.id)}
              onChange={(e: Event) => setChosen(isChecked(e) ? [...chosen, l.id] : chosen.filter((x) => x !== l.id))}
              aria-describedby={`label-${l.id}-d`}
            />
            <label for={`label-${l.id}`}>{l.name}</label>{' '}
            <span id={`label-${l.id}-d`} class="hint">
              {l.description}
            </span>
          </div>
        ))}
      </fieldset>
      <div class="field">
        <label for="share-external">Your reference (optional)</label>
        <input id="share-external" type="text" maxLength={200} value={externalId} onInput={(e: Event) => setExternalId(fieldValue(e))} />
      </div>
      <div class="actions">
        <button type="submit" class="primary" disabled={share.busy}>
          Share these hashes
        </button>
      </div>
      <ErrorBox error={share.error} context="Not shared" />
      <Status>
        {shared && (
          <p id="share-summary">
            Shared {shared.length} hashes ({shared.filter((s) => s.created).length} new).
          </p>
        )}
      </Status>
      {shared && (
        <ul class="plain">
          {shared.map((s) => (
            <li>
              {s.type} <Mono>{s.id}</Mono>
              <HashActions id={s.id} />
            </li>
          ))}
        </ul>
      )}
    </form>
  );
}
