/**
 * An AuthStore that remembers clients and their keys for a short time, so a request's token check
 * costs no database read. Any change written through this process clears the cache at once, so a
 * suspension or key revocation made through the node's API takes effect on the client's next
 * request. A change made by another process on the same database (the admin CLI, another instance)
 * takes effect within `ttlMs`.
 */
import type { AuthStore, ClientKeyRow, ClientRow, NodeKeyRow, WriteSet } from './types';

export class CachedAuthStore implements AuthStore {
  private clients = new Map<string, { at: number; row: ClientRow | null }>();
  private keys = new Map<string, { at: number; rows: ClientKeyRow[] }>();

  constructor(
    private readonly inner: AuthStore,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async getClient(id: string): Promise<ClientRow | null> {
    const hit = this.clients.get(id);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.row && { ...hit.row };
    const row = await this.inner.getClient(id);
    this.remember(this.clients, id, { at: this.now(), row });
    return row;
  }

  async clientKeys(clientId: string): Promise<ClientKeyRow[]> {
    const hit = this.keys.get(clientId);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.rows.map((k) => ({ ...k }));
    const rows = await this.inner.clientKeys(clientId);
    this.remember(this.keys, clientId, { at: this.now(), rows });
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

  useJti(clientId: string, jti: string, expiresAt: number, now: number): Promise<boolean> {
    return this.inner.useJti(clientId, jti, expiresAt, now);
  }

  async commit(ws: WriteSet): Promise<Map<string, number>> {
    try {
      return await this.inner.commit(ws);
    } finally {
      // Cleared whether or not the write went through: the next read asks the database.
      for (const c of ws.putClients ?? []) this.clients.delete(c.id);
      for (const k of ws.putClientKeys ?? []) this.keys.delete(k.clientId);
    }
  }

  private remember<V>(m: Map<string, V>, k: string, v: V): void {
    if (m.size > 50_000) m.clear();
    m.set(k, v);
  }
}
