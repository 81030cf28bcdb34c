/**
 * The federation feed (DESIGN §8): one batch of this node's own hash changes after a cursor, signed
 * as a compact JWS (typ hash-batch+jws, EdDSA) by the node's current key, for peer nodes.
 *
 * Cursors are positions in the change log (stable across restarts and instances; the log keeps
 * every change, tombstones included, for ever), each naming the change it points after, as on the
 * partners' feed (services/feed.ts): a peer's cursor from before this node's database was restored
 * from an older copy is refused (409), not read on from. The log also holds changes of hashes
 * pulled from peers, which are never re-served: a batch covers the log from its `from` to its `to`
 * and carries the local changes in that range, so a range with none still moves the cursor. Each
 * request looks at most SCAN_WINDOW rows of the log, so a node that pulled a million hashes answers
 * every request in bounded time (`more` says there is more to read).
 */
import { CompactSign } from 'jose';
import { BATCH_ALG, BATCH_TYP, toBatchItem, type BatchPayload } from '../../core/federation';
import type { FederationStore } from '../../storage/types';
import type { ServiceDeps } from '../deps';
import { checkCursor, cursorAfter, cursorAfterRow, cursorAhead, takePage } from '../feed';

export const FEDERATION_DEFAULT_LIMIT = 500;
/**
 * Most items a batch carries (1000 before; decisions.md, "Federation": a backlog's commits at the
 * pulling node cost a fifth less per hash in batches of 2000 or 5000). A batch still ends at 20,000 video
 * frames or PDF pages (services/feed.ts).
 */
export const FEDERATION_MAX_LIMIT = 5000;
/** Change-log rows one request looks at, at most. */
export const SCAN_WINDOW = 50_000;

export interface FederationPage {
  /** The compact JWS. */
  batch: string;
  /** The payload's `to`: pass it back as `cursor`. */
  nextCursor: string;
  more: boolean;
}

export async function readFederationFeed(
  deps: Pick<ServiceDeps, 'hashes' | 'keyring' | 'issuer' | 'now'> & { federation: FederationStore },
  cursor: string | undefined,
  limit = FEDERATION_DEFAULT_LIMIT,
): Promise<FederationPage> {
  const from = cursor ?? '';
  const checked = from ? await checkCursor(deps, from) : { seq: 0, again: null };
  const after = checked.seq;
  // The log's end first: every change up to it is committed, so none can appear later below it.
  const end = await deps.hashes.lastChange();
  if (after > end) throw cursorAhead(after, end);
  const upTo = Math.min(Math.max(end, after), after + SCAN_WINDOW);
  // An idle poll (the log ends at the cursor) reads no more: two reads in all, and the cursor back.
  const rows = upTo > after ? await deps.federation.localChanges(after, upTo, limit + 1) : [];
  const { page, lists } = await takePage(deps, rows, limit);
  const full = rows.length > page.length;
  const to = full ? page[page.length - 1].seq : upTo;
  const payload: BatchPayload = {
    origin: deps.issuer,
    from,
    to: full ? await cursorAfterRow(page[page.length - 1]) : to === after && checked.again ? checked.again : await cursorAfter(deps, to),
    issuedAt: new Date(deps.now()).toISOString(),
    items: page.map((r) =>
      toBatchItem({
        kind: r.kind,
        type: r.snapshot.type,
        value: r.snapshot.value,
        labels: r.snapshot.labels,
        contributors: r.snapshot.contributors,
        externalId: r.externalId,
        items: r.items,
        ...lists.get(r.seq),
      }),
    ),
  };
  const { kid, key } = await deps.keyring.signingKey();
  const batch = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader({ alg: BATCH_ALG, typ: BATCH_TYP, kid }).sign(key);
  return { batch, nextCursor: payload.to, more: full || to < end };
}
