/** Partner: the delta feed (additions, label changes, retractions), page by page. */
import { useEffect, useState } from 'hono/jsx/dom';
import { call } from '../lib/api';
import type { FeedEntry } from '../lib/types';
import { ErrorBox, Mono, PageTitle, Status, useAction } from '../ui';
import { HashActions } from './hash-actions';

interface FeedPage {
  entries: FeedEntry[];
  nextCursor: string;
  hasMore: boolean;
}

export function Feed() {
  const [entries, setEntries] = useState<FeedEntry[]>([]);
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const [more, setMore] = useState(true);
  const load = useAction(async (from?: string) => {
    const p = await call<FeedPage>('GET', '/v1/hashes', { query: { cursor: from, limit: 100 } });
    setEntries((xs) => (from ? [...xs, ...p.entries] : p.entries));
    setCursor(p.nextCursor);
    setMore(p.hasMore);
  });
  useEffect(() => void load.go(undefined), []);
  return (
    <section aria-labelledby="page-title">
      <PageTitle>Feed</PageTitle>
      <p>
        Every change to the shared hashes, oldest first: what an integration pulls with <code>GET /v1/hashes?cursor=</code>.
      </p>
      <ErrorBox error={load.error} context="Could not read the feed" />
      <Status>{load.busy ? 'Loading…' : `${entries.length} changes${more ? ', more to load' : ', up to date'}.`}</Status>
      <div class="table-wrap">
        <table aria-label="Feed">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Change</th>
              <th scope="col">Hash</th>
              <th scope="col">Labels</th>
              <th scope="col">Members</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr>
                <td>{e.at.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}</td>
                <td>
                  {e.kind} <span class={`badge ${e.hash.status === 'active' ? 'active' : 'suspended'}`}>{e.hash.status}</span>
                </td>
                <th scope="row">
                  {e.hash.type} <Mono>{e.hash.value}</Mono>
                  <br />
                  <span class="small">id {e.hash.id}</span>
                </th>
                <td>{e.hash.labels.join(', ')}</td>
                <td>{e.hash.contributors}</td>
                <td>{e.hash.status === 'active' && <HashActions id={e.hash.id} />}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div class="actions">
        <button type="button" disabled={load.busy} onClick={() => load.go(cursor)}>
          {more ? 'Load more' : 'Check for newer changes'}
        </button>
      </div>
    </section>
  );
}
