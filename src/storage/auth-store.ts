/** The SQL AuthStore: clients, their public keys, the node's keys, seen assertion ids. */
import { and, asc, eq, lt, sql } from 'drizzle-orm';
import type { AppDb } from './db';
import { SqlHashStore } from './hash-store';
import { clientKeys, clients, nodeKeys, usedJtis } from './schema';
import type { AuthStore, ClientKeyRow, ClientRow, NodeKeyRow, WriteSet } from './types';

export class SqlAuthStore implements AuthStore {
  private readonly writer: SqlHashStore;

  constructor(private readonly db: AppDb) {
    this.writer = new SqlHashStore(db);
  }

  async getClient(id: string): Promise<ClientRow | null> {
    const [row] = await this.db.select().from(clients).where(eq(clients.id, id));
    return (row as ClientRow) ?? null;
  }

  async listClients(): Promise<ClientRow[]> {
    return (await this.db.select().from(clients).orderBy(asc(clients.createdAt), asc(clients.id))) as ClientRow[];
  }

  async clientKeys(clientId: string): Promise<ClientKeyRow[]> {
    const rows = await this.db.select().from(clientKeys).where(eq(clientKeys.clientId, clientId)).orderBy(asc(clientKeys.createdAt));
    return rows.map((r) => ({ ...r, jwk: JSON.parse(r.jwk) }));
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
    return rows.map((r) => ({ ...r, publicJwk: JSON.parse(r.publicJwk) }));
  }

  async useJti(clientId: string, jti: string, expiresAt: number, now: number): Promise<boolean> {
    const [, inserted] = await this.db.batch([
      this.db.delete(usedJtis).where(lt(usedJtis.expiresAt, now)),
      this.db.insert(usedJtis).values({ clientId, jti, expiresAt }).onConflictDoNothing().returning({ jti: usedJtis.jti }),
    ]);
    return (inserted as unknown[]).length === 1;
  }

  commit(ws: WriteSet): Promise<Map<string, number>> {
    return this.writer.commit(ws);
  }
}
