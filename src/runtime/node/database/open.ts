/**
 * The database on Node: libsql (an SQLite file by default, or a libsql server), migrated on open.
 *
 * An SQLite file gets two connections, each on a thread of its own (db-thread.mjs): the embedded
 * driver works synchronously, and on the main thread a 1000-hash share would stop every other
 * request while it ran. The ledger writes through one (`writer`); the stores read through the other
 * (`reader`), which WAL lets read while the writer writes. A libsql server, reached over the
 * network, is asynchronous already: one client serves both.
 *
 * Every batch runs as `BEGIN IMMEDIATE … COMMIT`: it holds the write lock from its first statement,
 * so the ledger's reads inside a batch see exactly the state its writes change, even with other
 * processes writing to the same file.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createClient, type Client, type InStatement, type ResultSet, type Row, type TransactionMode } from '@libsql/client';
import { drizzle } from 'drizzle-orm/libsql';
import { migrate } from 'drizzle-orm/libsql/migrator';
import type { AppDb } from '../../../storage/db';
import * as schema from '../../../storage/schema';
import { databaseFile } from './file';

/** What the main thread asks of a database thread (db-thread.mjs), and what it answers. */
type DbRequest =
  | { id: number; op: 'execute'; stmt: InStatement }
  | { id: number; op: 'batch'; stmts: InStatement[]; mode: TransactionMode }
  | { id: number; op: 'migrate'; stmts: InStatement[] }
  | { id: number; op: 'close' };

interface PackedResult {
  columns: string[];
  rows: unknown[][];
  rowsAffected: number;
  lastInsertRowid: bigint | undefined;
}

type DbReply = { id: number; results: PackedResult[] } | { id: number; error: { message: string; code?: string; name: string } };

/** drizzle/ at the project's root: three folders up from this file, one from the bundle in dist/. */
const MIGRATIONS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), process.env.MHN_BUNDLED ? '../drizzle' : '../../../../drizzle');

/** How long a statement waits for another connection's write lock before it fails (SQLITE_BUSY). */
const BUSY_TIMEOUT_MS = 10_000;
/** Page cache of each connection, in MB (at most; SQLite fills it as pages are read). */
const WRITER_CACHE_MB = 192;
const READER_CACHE_MB = 64;
/**
 * Pages the WAL takes before the writer copies them into the database file (SQLite's default is
 * 1000, 4 MB): a commit that dirties hundreds of random index pages otherwise starts a checkpoint
 * nearly every time, and a page changed by several commits is written back once per checkpoint, not
 * once per commit (decisions.md, "Durability"). With `synchronous=full`, 65,536 pages (about 256 MB
 * of WAL) between checkpoints: at 1 M stored a 1000-hash share dirties about 1,200 pages, most of
 * them random leaves of the (type, value, origin) index; over 55 shares those repeat, and the
 * checkpoint writes each once (decisions.md, "Shares per second at 10 k and at 1 M"). With
 * `synchronous=normal` the WAL is synced only at checkpoints, so what a power cut can take grows
 * with it: 8192 pages (32 MB) there.
 */
const WAL_AUTOCHECKPOINT_PAGES: Record<DatabaseSync, number> = { full: 65_536, normal: 8192 };

/**
 * How the writer syncs its commits (decisions.md, "Durability"): `full` (the default) syncs the WAL
 * at every commit, so nothing acknowledged or read is lost even to a power cut; `normal` syncs it at
 * checkpoints only: a crash of the process loses nothing, a power cut may lose the last commits.
 */
export type DatabaseSync = 'full' | 'normal';

export interface OpenDb {
  /** The stores' connection: reads only. */
  reader: AppDb;
  /** The ledger's connection: every write. */
  writer: AppDb;
  /** The writer's libsql client, for raw SQL (benchmarks fill tables with it). */
  client: Pick<Client, 'execute' | 'batch'>;
  close(): Promise<void>;
}

type Pending = { resolve(r: PackedResult[]): void; reject(e: Error): void };
type Message = DbReply | { ready: true } | { failed: string; code?: string };
type Request = DbRequest extends infer T ? (T extends { id: number } ? Omit<T, 'id'> : never) : never;

/** An error from the database thread, with libsql's code (SQLITE_BUSY, SQLITE_CONSTRAINT…) kept. */
class DatabaseError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'DatabaseError';
  }
}

/** The part of libsql's Client that drizzle uses, answered by a connection on another thread. */
class ThreadClient {
  readonly protocol = 'file';
  closed = false;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  private constructor(
    private readonly worker: Worker,
    private readonly onLost?: (e: Error) => void,
  ) {
    // The thread keeps the process alive only while a statement is under way.
    worker.unref();
    worker.on('message', (m: Message) => {
      if (!('id' in m)) return;
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) worker.unref();
      if ('error' in m) p.reject(new DatabaseError(m.error.message, m.error.code));
      else p.resolve(m.results);
    });
    const fail = (e: Error) => {
      const unexpected = !this.closed;
      this.closed = true;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
      if (unexpected) this.onLost?.(e);
    };
    worker.on('error', fail);
    worker.on('exit', () => fail(new DatabaseError('the database thread has stopped')));
  }

  static async start(path: string, pragmas: string[], onLost?: (e: Error) => void): Promise<ThreadClient> {
    const worker = new Worker(new URL('./db-thread.mjs', import.meta.url), { workerData: { path, pragmas } });
    const onMessage = (m: Message) => ('ready' in m ? opened.ok() : 'failed' in m ? opened.fail(new DatabaseError(m.failed, m.code)) : undefined);
    const onError = (e: Error) => opened.fail(e);
    const onExit = () => opened.fail(new DatabaseError('the database thread stopped while opening the database'));
    const opened = { ok: () => {}, fail: (_: Error) => {} };
    try {
      await new Promise<void>((ok, fail) => {
        Object.assign(opened, { ok, fail });
        worker.on('message', onMessage).on('error', onError).on('exit', onExit);
      });
    } catch (e) {
      await worker.terminate();
      throw e;
    } finally {
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
    }
    return new ThreadClient(worker, onLost);
  }

  private send(m: Request): Promise<PackedResult[]> {
    if (this.closed) return Promise.reject(new DatabaseError('the database is closed'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...m, id });
    });
  }

  async execute(stmt: InStatement | string, args?: unknown[]): Promise<ResultSet> {
    const s = typeof stmt === 'string' ? { sql: stmt, args: (args ?? []) as never } : stmt;
    return unpack((await this.send({ op: 'execute', stmt: s }))[0]);
  }

  /** drizzle's batches come without a mode; every batch here is the ledger's: it takes the write lock. */
  async batch(stmts: InStatement[], mode: TransactionMode = 'write'): Promise<ResultSet[]> {
    return (await this.send({ op: 'batch', stmts, mode })).map(unpack);
  }

  async migrate(stmts: InStatement[]): Promise<ResultSet[]> {
    return (await this.send({ op: 'migrate', stmts })).map(unpack);
  }

  transaction(): never {
    throw new DatabaseError('interactive transactions are not used: every write is one batch (DESIGN §2)');
  }

  async sync(): Promise<undefined> {
    return undefined;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.send({ op: 'close' }).catch(() => {});
    this.closed = true;
    await this.worker.terminate();
  }
}

/**
 * Rows that read as libsql's do: values by index (drizzle's query builders) and by column name (raw
 * queries). The values array itself, with the names added: no defineProperty per value, which cost
 * more than the query on large reads.
 */
function unpack(p: PackedResult): ResultSet {
  const columns = p.columns;
  const rows = p.rows.map((values) => {
    const row = values as unknown as Record<string, unknown>;
    for (let i = columns.length - 1; i >= 0; i--) row[columns[i]] = values[i];
    return row as unknown as Row;
  });
  return {
    columns: p.columns,
    columnTypes: [],
    rows,
    rowsAffected: p.rowsAffected,
    lastInsertRowid: p.lastInsertRowid,
    toJSON: () => ({ columns: p.columns, rows: p.rows }),
  };
}

/** A libsql client whose batches all take the write lock at their start (see the opening comment). */
function writeBatches(client: Client): Client {
  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop === 'batch') return (stmts: InStatement[]) => target.batch(stmts, 'write');
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

const asDb = (client: unknown) => drizzle({ client: client as Client, schema }) as unknown as AppDb;

export interface DatabaseOptions {
  authToken?: string;
  /** How long a statement waits for another connection's write lock (default BUSY_TIMEOUT_MS). */
  busyTimeoutMs?: number;
  /** Called once if a database thread stops on its own (the connection is gone: nothing works after it). */
  onThreadLost?: (e: Error) => void;
  /** The writer's `synchronous` setting (default `full`; a database file only). */
  synchronous?: DatabaseSync;
  /** Pages of WAL between the writer's checkpoints (default WAL_AUTOCHECKPOINT_PAGES for its `synchronous`; a database file only). */
  checkpointPages?: number;
}

export async function openDatabase(url: string, opts: DatabaseOptions | string = {}): Promise<OpenDb> {
  const {
    authToken,
    busyTimeoutMs = BUSY_TIMEOUT_MS,
    onThreadLost,
    synchronous = 'full',
    checkpointPages,
  } = typeof opts === 'string' ? { authToken: opts } : opts;
  const path = databaseFile(url);
  let reader: AppDb;
  let writer: AppDb;
  let raw: Pick<Client, 'execute' | 'batch'>;
  let close: () => Promise<void>;
  if (path) {
    mkdirSync(dirname(path), { recursive: true });
    const busy = `PRAGMA busy_timeout = ${busyTimeoutMs}`;
    // Page caches that hold the indexes of a bank of millions (SQLite's default is 2 MB): the
    // writer's inserts land at random places in the (origin, type, value) and id indexes.
    const cache = (mb: number) => `PRAGMA cache_size = -${mb * 1024}`;
    // The busy timeout first: after a crash the first connection recovers the WAL, holding a lock the
    // other (the threads start together) must wait for. WAL: readers do not block the writer; a crash
    // mid-batch rolls back cleanly.
    const writerPragmas = [
      busy,
      'PRAGMA journal_mode = WAL',
      cache(WRITER_CACHE_MB),
      `PRAGMA wal_autocheckpoint = ${checkpointPages ?? WAL_AUTOCHECKPOINT_PAGES[synchronous]}`,
      `PRAGMA synchronous = ${synchronous === 'normal' ? 'NORMAL' : 'FULL'}`,
    ];
    const started = await Promise.allSettled([
      ThreadClient.start(path, writerPragmas, onThreadLost),
      ThreadClient.start(path, [busy, cache(READER_CACHE_MB)], onThreadLost),
    ]);
    const failed = started.find((x) => x.status === 'rejected');
    if (failed) {
      await Promise.all(started.map((x) => (x.status === 'fulfilled' ? x.value.close() : undefined)));
      throw failed.reason;
    }
    const [w, r] = started.map((x) => (x as PromiseFulfilledResult<ThreadClient>).value);
    writer = asDb(w);
    reader = asDb(r);
    raw = w as unknown as Client;
    close = async () => {
      await Promise.all([w.close(), r.close()]);
    };
  } else {
    const client = writeBatches(createClient({ url, authToken }));
    writer = reader = asDb(client);
    raw = client;
    close = async () => client.close();
  }
  try {
    await migrateOnce(writer);
  } catch (e) {
    await close();
    throw e;
  }
  return { reader, writer, client: raw, close };
}

/**
 * Several processes may start on a new database at once; one applies the migrations and the
 * others, finding the lock taken or the tables made, try again and find nothing left to do.
 */
async function migrateOnce(db: AppDb): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await migrate(db as never, { migrationsFolder: MIGRATIONS_DIR });
      return;
    } catch (e) {
      if (attempt >= 5) throw e;
      await new Promise((r) => setTimeout(r, 100 * attempt));
    }
  }
}
