/**
 * The database room of the Node runtime: libsql opened and migrated, each SQLite connection on a
 * thread of its own (open.ts, db-thread.mjs, copied beside the bundle as dist/db-thread.mjs), and
 * the look at a database file before anything opens it (file.ts).
 */
export { databaseFile, databaseFileProblem } from './file';
export { openDatabase, type DatabaseOptions, type OpenDb } from './open';
