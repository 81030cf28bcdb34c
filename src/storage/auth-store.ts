/** The SQL AuthStore: clients, their public keys, the node's keys. Reads only; the ledger writes. */
import { and, asc, eq, sql } from 'drizzle-orm';
import type { AppDb } from './db';
import { clientKeys, clients, nodeKeys } from './schema';
import type { AuthStore, ClientKeyRow, ClientRow, NodeKeyRow } from './types';

export class SqlAuthStore implements AuthStore {
  constructor(private readonly db: AppDb) {}

  async getClient(id: string): Promise<ClientRow | null> {
    const [row] = await this.db.select().from(clients).where(eq(clients.id, id));
    return row ? toClient(row) : null;
  }

  async listClients(): Promise<ClientRow[]> {
    return (await this.db.select().from(clients).orderBy(asc(clients.createdAt), asc(clients.id))).map(toClient);
  }

  async clientKeys(clientId: string): Promise<ClientKeyRow[]> {
    const rows = await this.db.select().from(clientKeys).where(eq(clientKeys.clientId, clientId)).orderBy(asc(clientKeys.createdAt));
    return rows.map(({ tx: _, ...r }) => ({ ...r, jwk: JSON.parse(r.jwk) }));
  }

  /** Whether any client holds a key of this kid (a small table: no index needed). */
  async hasClientKey(kid: string): Promise<boolean> {
    const [row] = await this.db.select({ kid: clientKeys.kid }).from(clientKeys).where(eq(clientKeys.kid, kid)).limit(1);
    return row !== undefined;
  }

  async countActiveAdmins(): Promise<number> {
    const [row] = await this.db
      .select({ n: sql<number>`count(*)` })
      .from(clients)
      .where(and(eq(clients.role, 'admin'), eq(clients.status, 'active')));
    return Number(row?.n ?? 0);
  }

  async nodeKeys(): Promise<NodeKeyRow[]> {
    const rows = await this.db.select().from(nodeKeys).orderBy(asc(nodeKeys.createdAt));
    return rows.map(({ tx: _, ...r }) => ({ ...r, publicJwk: JSON.parse(r.publicJwk) }));
  }
}

function toClient({ tx: _, ...row }: typeof clients.$inferSelect): ClientRow {
  return row;
}
