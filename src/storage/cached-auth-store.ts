/**
 * An AuthStore that remembers clients and their keys for a short time, so a request's token check
 * costs no database read. The change follower calls `forget` for every client the change log says
 * changed (from any instance), and a write through this process waits for its follower, so a
 * suspension or key revocation takes effect on the client's next request; a change that leaves no
 * change-log row (none does today) would take effect within `ttlMs`.
 */
import type { AuthStore, ClientKeyRow, ClientRow, NodeKeyRow } from './types';

export class CachedAuthStore implements AuthStore {
  private clients = new Map<string, { at: number; row: ClientRow | null }>();
  private keys = new Map<string, { at: number; rows: ClientKeyRow[] }>();
  private generation = 0;

  constructor(
    private readonly inner: AuthStore,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async getClient(id: string): Promise<ClientRow | null> {
    const hit = this.clients.get(id);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.row && { ...hit.row };
    const gen = this.generation;
    const row = await this.inner.getClient(id);
    if (gen === this.generation) this.remember(this.clients, id, { at: this.now(), row });
    return row;
  }

  async clientKeys(clientId: string): Promise<ClientKeyRow[]> {
    const hit = this.keys.get(clientId);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.rows.map((k) => ({ ...k }));
    const gen = this.generation;
    const rows = await this.inner.clientKeys(clientId);
    if (gen === this.generation) this.remember(this.keys, clientId, { at: this.now(), rows });
    return rows;
  }

  listClients(): Promise<ClientRow[]> {
    return this.inner.listClients();
  }

  countActiveAdmins(): Promise<number> {
    return this.inner.countActiveAdmins();
  }

  nodeKeys(): Promise<NodeKeyRow[]> {
    return this.inner.nodeKeys();
  }

  /** Drops these clients and their keys: they changed. */
  forget(clientIds: Iterable<string>): void {
    // A read under way may predate the change: it is not kept.
    this.generation++;
    for (const id of clientIds) {
      this.clients.delete(id);
      this.keys.delete(id);
    }
  }

  private remember<V>(m: Map<string, V>, k: string, v: V): void {
    if (m.size > 50_000) m.clear();
    m.set(k, v);
  }
}
