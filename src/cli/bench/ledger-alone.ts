/**
 * The ledger alone (issue 10 item 7: where a share's cost goes as the bank grows), no HTTP:
 *
 *   npm run bench -- --only ledger-alone           # 1000-hash shares of new PDQ hashes to 1 M
 *   npm run bench -- --only ledger-alone --quick   # to 100 k
 *
 * One partner shares batches of 1000 new random PDQ hashes through `SqlLedger.share` on a fresh
 * SQLite file opened as the node opens it (the writer and reader threads, the node's pragmas and
 * UUIDv7 ids), one share after another. Each twentieth of the fill is a window: its shares per
 * second (wall clock) and the process's CPU time per share (user + system, all threads: the writer
 * thread's statements and commits, and this thread's preparation of the statements), both counted
 * over the share calls alone. CPU time is the steadier of the two on a shared machine; the
 * wall-clock rate also holds the commits' syncs. With --quick a window is 5 shares: noisy.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../runtime/node/database';
import { uuidV7Source } from '../../runtime/node/ids';
import { SqlLedger } from '../../storage/ledger';
import type { BenchTable } from './types';

const BATCH = 1000;
const WINDOWS = 20;

const fmt = (x: number) => Math.round(x).toLocaleString('en');

export async function run(opts: { quick?: boolean } = {}): Promise<BenchTable> {
  const total = opts.quick ? 100_000 : 1_000_000;
  const window = total / WINDOWS;
  const dir = mkdtempSync(join(tmpdir(), 'mhn-bench-ledger-alone-'));
  const db = await openDatabase(`file:${join(dir, 'node.db')}`);
  const load = [loadavg()[0]];
  const started = new Date();
  const rows: (string | number)[][] = [];
  const windows: { rate: number; cpu: number }[] = [];
  try {
    const ledger = new SqlLedger(db.writer, { newId: uuidV7Source() });
    // Only the share calls are timed: the random values of the next batch are made outside them.
    let wall = 0;
    let cpu = 0;
    for (let stored = 0; stored < total; ) {
      const items = Array.from({ length: BATCH }, () => ({
        type: 'pdq' as const,
        value: randomBytes(32).toString('hex'),
        labels: ['recruitment'],
        externalId: null,
      }));
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      await ledger.share({ at: Date.now(), contributor: 'bench-partner', items });
      const used = process.cpuUsage(c0);
      wall += performance.now() - t0;
      cpu += (used.user + used.system) / 1000;
      stored += BATCH;
      if (stored % window !== 0) continue;
      const shares = window / BATCH;
      windows.push({ rate: (window * 1000) / wall, cpu: cpu / shares });
      rows.push([fmt(stored), fmt((window * 1000) / wall), (wall / shares).toFixed(1), (cpu / shares).toFixed(1)]);
      wall = 0;
      cpu = 0;
    }
    load.push(loadavg()[0]);
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const first = windows[0];
  const last = windows[windows.length - 1];
  return {
    title: `Ledger alone: 1000-hash shares to ${fmt(total)} stored, no HTTP`,
    columns: ['stored after the window', 'hashes/s', 'wall ms a share', 'CPU ms a share'],
    rows,
    notes: [
      `${started.toISOString().slice(0, 16).replace('T', ' ')} UTC, ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, Node ${process.version}; load average (1 min) ${load.map((l) => l.toFixed(1)).join(' at the start, ')} at the end.`,
      `Last window against the first: rate ${((100 * last.rate) / first.rate).toFixed(0)} %, CPU a share ${((100 * last.cpu) / first.cpu).toFixed(0)} %.`,
      'One partner, batches of 1000 new random PDQ hashes through SqlLedger.share on a fresh SQLite file opened as the node opens it; wall and CPU counted over the share calls alone (each batch of random values made outside them); CPU is the whole process (user + system, the writer thread included).',
    ],
  };
}
