// One database connection on its own thread (see open.ts). The embedded driver runs each statement
// synchronously; here that blocks this thread, not the event loop that serves requests. Plain
// JavaScript, so the thread starts without a TypeScript loader. Requests and replies are typed in
// open.ts (DbRequest, DbReply).
//
// It drives the `libsql` package (the driver under @libsql/client) directly, with the client's
// semantics (BEGIN IMMEDIATE batches, integers as numbers, errors named and coded as the client
// names them) and two things the client does not do: rows are taken as the arrays the driver reads
// (raw mode) and sent as they are, where the client built an object per row with a property defined
// per value, which this thread then copied back into an array (most of a 2000-row read's cost); and
// prepared statements are kept and reused, by their SQL text.
import { Buffer } from 'node:buffer';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'libsql';

const { path, pragmas } = workerData;

/** Prepared statements kept, by SQL text (drizzle's statements and the ledger's are a few hundred texts). */
const KEPT_STATEMENTS = 500;

/** @type {Database} */
let db;
/** @type {Map<string, { stmt: Database.Statement, columns: string[] | null }>} */
let prepared = new Map();

/** Opens the connection (an error opening the file as the driver gives it), checks it, sets its pragmas. */
function connect() {
  db = new Database(path);
  prepared = new Map();
  exec('SELECT 1 AS checkThatTheDatabaseCanBeOpened');
  for (const p of pragmas) exec(p);
}

/**
 * A batch that failed can leave the connection unusable (after a BEGIN refused with SQLITE_BUSY the
 * next COMMIT failed with "SQL statements in progress"): it is replaced (a few ms).
 */
function reconnect() {
  prepared = new Map();
  try {
    db.close();
  } catch {
    // already unusable
  }
  connect();
}

/** The error as @libsql/client gives it: `CODE: message`, the base code (SQLITE_BUSY, SQLITE_CONSTRAINT…). */
class LibsqlError extends Error {
  constructor(message, code, name = 'LibsqlError') {
    super(code === undefined ? message : `${code}: ${message}`);
    this.code = code;
    this.name = name;
  }
}

const BASE_CODES = [
  undefined,
  'SQLITE_ERROR',
  'SQLITE_INTERNAL',
  'SQLITE_PERM',
  'SQLITE_ABORT',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_NOMEM',
  'SQLITE_READONLY',
  'SQLITE_INTERRUPT',
  'SQLITE_IOERR',
  'SQLITE_CORRUPT',
  'SQLITE_NOTFOUND',
  'SQLITE_FULL',
  'SQLITE_CANTOPEN',
  'SQLITE_PROTOCOL',
  'SQLITE_EMPTY',
  'SQLITE_SCHEMA',
  'SQLITE_TOOBIG',
  'SQLITE_CONSTRAINT',
  'SQLITE_MISMATCH',
  'SQLITE_MISUSE',
  'SQLITE_NOLFS',
  'SQLITE_AUTH',
  'SQLITE_FORMAT',
  'SQLITE_RANGE',
  'SQLITE_NOTADB',
  'SQLITE_NOTICE',
  'SQLITE_WARNING',
];

function codeOf(rawCode) {
  if (rawCode === undefined) return 'SQLITE_UNKNOWN';
  const base = rawCode & 0xff;
  return BASE_CODES[base] ?? `SQLITE_UNKNOWN_${base}`;
}

/** A driver error as the client's; `name`: LibsqlBatchError for a statement of a batch. */
function asLibsqlError(e, name) {
  if (e instanceof Database.SqliteError) return new LibsqlError(e.message, codeOf(e.rawCode), name);
  return e;
}

const MIN_INT = -9223372036854775808n;
const MAX_INT = 9223372036854775807n;

/** An argument as the client binds it (its intMode "number"). */
function toSql(v) {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new RangeError('Only finite numbers (not Infinity or NaN) can be passed as arguments');
    return v;
  }
  if (typeof v === 'bigint') {
    if (v < MIN_INT || v > MAX_INT) throw new RangeError('bigint is too large to be represented as a 64-bit integer and passed as argument');
    return v;
  }
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof ArrayBuffer) return Buffer.from(v);
  if (v instanceof Date) return v.valueOf();
  if (v === undefined) throw new TypeError('undefined cannot be passed as argument to the database');
  return v;
}

function argsOf(args) {
  if (args === undefined) return [];
  if (Array.isArray(args)) return args.map(toSql);
  const named = {};
  for (const name in args) named[name[0] === '@' || name[0] === '$' || name[0] === ':' ? name.substring(1) : name] = toSql(args[name]);
  return named;
}

/** A value read as the client gives it: integers as numbers (refused beyond 2^53), blobs as ArrayBuffers. */
function fromSql(v) {
  if (typeof v === 'bigint') {
    if (v < -9007199254740991n || v > 9007199254740991n) throw new RangeError('Received integer which cannot be safely represented as a JavaScript number');
    return Number(v);
  }
  if (v instanceof Buffer) return v.buffer;
  return v;
}

function statementOf(sql) {
  const kept = prepared.get(sql);
  if (kept) return kept;
  const stmt = db.prepare(sql);
  stmt.safeIntegers(true);
  let columns = null;
  try {
    // raw() throws for a statement that returns no rows.
    stmt.raw(true);
    columns = stmt.columns().map((c) => c.name);
  } catch {
    columns = null;
  }
  const s = { stmt, columns };
  if (prepared.size >= KEPT_STATEMENTS) prepared.delete(prepared.keys().next().value);
  prepared.set(sql, s);
  return s;
}

/** One statement: { columns, rows (arrays), rowsAffected, lastInsertRowid }, the shape the main thread unpacks. */
function run(stmt) {
  const sql = typeof stmt === 'string' ? stmt : Array.isArray(stmt) ? stmt[0] : stmt.sql;
  const args = argsOf(typeof stmt === 'string' ? undefined : Array.isArray(stmt) ? stmt[1] : stmt.args);
  try {
    const kept = statementOf(sql);
    const s = kept.stmt;
    if (kept.columns) {
      const rows = s.all(args);
      for (const row of rows) for (let i = 0; i < row.length; i++) row[i] = fromSql(row[i]);
      // SQLite prepares a statement again after a schema change; a `*` may then name other columns.
      if (rows.length && rows[0].length !== kept.columns.length) kept.columns = s.columns().map((c) => c.name);
      // As the client: a statement returning rows reports no changes.
      return { columns: kept.columns, rows, rowsAffected: 0, lastInsertRowid: undefined };
    }
    const info = s.run(args);
    return { columns: [], rows: [], rowsAffected: info.changes, lastInsertRowid: BigInt(info.lastInsertRowid) };
  } catch (e) {
    // A statement that failed half way is not reused.
    prepared.delete(sql);
    throw e;
  }
}

function exec(stmt) {
  try {
    return run(stmt);
  } catch (e) {
    throw asLibsqlError(e);
  }
}

const BEGIN = { write: 'BEGIN IMMEDIATE', read: 'BEGIN TRANSACTION READONLY', deferred: 'BEGIN DEFERRED' };

/** Statements in one transaction, as the client's batch: BEGIN, each statement, COMMIT; rolled back on failure. */
function transaction(begin, stmts) {
  exec(begin);
  try {
    const results = [];
    for (let i = 0; i < stmts.length; i++) {
      if (!db.inTransaction) throw new LibsqlError('The transaction has been rolled back', 'TRANSACTION_CLOSED', 'LibsqlBatchError');
      try {
        results.push(run(stmts[i]));
      } catch (e) {
        throw asLibsqlError(e, 'LibsqlBatchError');
      }
    }
    exec('COMMIT');
    return results;
  } finally {
    try {
      if (db.open && db.inTransaction) exec('ROLLBACK');
    } catch {
      // the caller replaces the connection
    }
  }
}

function handle(m) {
  switch (m.op) {
    case 'execute':
      return [exec(m.stmt)];
    case 'batch': {
      // Every batch takes the write lock at its start (BEGIN IMMEDIATE): its reads then see the
      // state its writes change, and another process's commit cannot slip in between.
      const begin = BEGIN[m.mode ?? 'write'];
      if (!begin) throw new RangeError('Unknown transaction mode, supported values are "write", "read" and "deferred"');
      try {
        return transaction(begin, m.stmts);
      } catch (e) {
        try {
          reconnect();
        } catch {
          // the next request says what is wrong
        }
        throw e;
      }
    }
    case 'migrate':
      exec('PRAGMA foreign_keys=off');
      try {
        return transaction('BEGIN DEFERRED', m.stmts);
      } finally {
        exec('PRAGMA foreign_keys=on');
        // A migration may change what a kept statement's columns are.
        prepared = new Map();
      }
    case 'close':
      prepared = new Map();
      db.close();
      return [];
    default:
      throw new Error(`unknown database thread request ${m.op}`);
  }
}

function serve() {
  parentPort.on('message', (m) => {
    let reply;
    try {
      reply = { id: m.id, results: handle(m) };
    } catch (e) {
      reply = { id: m.id, error: { message: e?.message ?? String(e), name: e?.name ?? 'Error', code: e?.code } };
    }
    parentPort.postMessage(reply);
  });
  parentPort.postMessage({ ready: true });
}

let failure = null;
try {
  connect();
} catch (e) {
  failure = e;
}
// A thread that could not open is stopped by its opener.
if (failure) parentPort.postMessage({ failed: failure?.message ?? String(failure), code: failure?.code });
else serve();
