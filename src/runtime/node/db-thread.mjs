// One database connection on its own thread (see db.ts). The embedded libsql driver runs each
// statement synchronously; here that blocks this thread, not the event loop that serves requests.
// Plain JavaScript, so the thread starts without a TypeScript loader. Requests and replies are
// typed in db.ts (DbRequest, DbReply).
import { createClient } from '@libsql/client';
import { parentPort, workerData } from 'node:worker_threads';

const { url, pragmas } = workerData;
const client = createClient({ url });

const pack = (r) => ({ columns: r.columns, rows: r.rows.map((row) => Array.from(row)), rowsAffected: r.rowsAffected, lastInsertRowid: r.lastInsertRowid });

async function handle(m) {
  switch (m.op) {
    case 'execute':
      return [pack(await client.execute(m.stmt))];
    case 'batch':
      // Every batch takes the write lock at its start (BEGIN IMMEDIATE): its reads then see the
      // state its writes change, and another process's commit cannot slip in between.
      return (await client.batch(m.stmts, 'write')).map(pack);
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
  for (const p of pragmas) await client.execute(p);
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
