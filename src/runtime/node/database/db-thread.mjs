// One database connection on its own thread (see db.ts). The embedded libsql driver runs each
// statement synchronously; here that blocks this thread, not the event loop that serves requests.
// Plain JavaScript, so the thread starts without a TypeScript loader. Requests and replies are
// typed in db.ts (DbRequest, DbReply).
import { createClient } from '@libsql/client';
import { parentPort, workerData } from 'node:worker_threads';

const { url, pragmas } = workerData;
let client = createClient({ url });

async function open() {
  for (const p of pragmas) await client.execute(p);
}

/**
 * A batch that failed can leave libsql's connection unusable: after a BEGIN refused with SQLITE_BUSY
 * the next COMMIT fails with "SQL statements in progress". The connection is replaced (a few ms).
 */
async function reopen() {
  try {
    client.close();
  } catch {
    // already unusable
  }
  client = createClient({ url });
  await open();
}

const pack = (r) => ({ columns: r.columns, rows: r.rows.map((row) => Array.from(row)), rowsAffected: r.rowsAffected, lastInsertRowid: r.lastInsertRowid });

async function handle(m) {
  switch (m.op) {
    case 'execute':
      return [pack(await client.execute(m.stmt))];
    case 'batch':
      // Every batch takes the write lock at its start (BEGIN IMMEDIATE): its reads then see the
      // state its writes change, and another process's commit cannot slip in between.
      try {
        return (await client.batch(m.stmts, m.mode ?? 'write')).map(pack);
      } catch (e) {
        await reopen().catch(() => {});
        throw e;
      }
    case 'migrate':
      return (await client.migrate(m.stmts)).map(pack);
    case 'close':
      client.close();
      return [];
    default:
      throw new Error(`unknown database thread request ${m.op}`);
  }
}

try {
  await open();
  parentPort.on('message', (m) => {
    handle(m).then(
      (results) => parentPort.postMessage({ id: m.id, results }),
      (e) => parentPort.postMessage({ id: m.id, error: { message: e?.message ?? String(e), name: e?.name ?? 'Error', code: e?.code } }),
    );
  });
  parentPort.postMessage({ ready: true });
} catch (e) {
  parentPort.postMessage({ failed: e?.message ?? String(e), code: e?.code });
}
