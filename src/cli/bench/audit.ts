/**
 * The audit log on its real storage (libsql file, the SQL stores, the node's signing key): how
 * fast entries are appended and integrated into the Merkle tree when the log already holds a
 * million, and how long an inclusion proof takes at that size. Targets (DESIGN §7): >= 5,000
 * entries/s appended, inclusion proof < 5 ms.
 *
 *   npx tsx src/cli/bench/audit.ts            # 1 M entries first
 *   npx tsx src/cli/bench/audit.ts --quick    # 100 k
 *   npx tsx src/cli/bench/audit.ts --size 2000000
 *
 * The starting log is built fast: rows generated inside SQLite (one INSERT ... SELECT), then one
 * integration, the same code the node runs, which hashes them into stored subtrees and signs heads.
 * Appends then go through SqlHashStore.commit exactly as a share or a retraction does (one db.batch
 * each), and the figure includes integrating them into the tree.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { auditRow } from '../../core/audit';
import { openDatabase } from '../../runtime/node/database';
import { consistencyProofFor, currentTreeHead, inclusionProofFor, integrate, IntegrationGate, type AuditDeps } from '../../services/audit-log';
import { Keyring } from '../../services/keyring';
import { SecretBox } from '../../services/secret-box';
import { SqlAuthStore } from '../../storage/auth-store';
import { SqlLedger } from '../../storage/ledger';
import { SqlLogStore } from '../../storage/log-store';
import { formatTable, type BenchTable } from './types';
import { uniform as prng } from '../../core/prng';

const COLUMNS = ['operation', 'log size', 'entries or runs', 'p50 ms', 'p99 ms', 'rate', 'target', 'met'];

export async function run(opts: { size?: number; quick?: boolean } = {}): Promise<BenchTable> {
  const size = opts.size ?? (opts.quick ? 100_000 : 1_000_000);
  if (!Number.isSafeInteger(size) || size < 1000) throw new Error('bench size must be an integer >= 1000');
  const dir = mkdtempSync(join(tmpdir(), 'mhn-bench-audit-'));
  const database = await openDatabase(`file:${join(dir, 'bench.db')}`);
  try {
    const auth = new SqlAuthStore(database.reader);
    const ledger = new SqlLedger(database.writer);
    const keyring = new Keyring({ auth, ledger, secretBox: new SecretBox(randomUUID()), now: Date.now, retiredKeyGraceMs: 600_000 });
    await keyring.ensureCurrent('bench');
    const deps: AuditDeps = { log: new SqlLogStore(database.reader), ledger, keyring, now: Date.now, integration: new IntegrationGate() };
    const rows: (string | number)[][] = [];
    const notes: string[] = [];

    // ---- the starting log
    let t = performance.now();
    await database.client.execute({
      sql: `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
            INSERT INTO audit_log (at, action, actor, entry)
            SELECT 0, 'hash.share', 'bench',
              '{"action":"hash.share","actor":"bench","content":{"labels":["glorification"],"type":"sha256","value":"' || printf('%064x', i) ||
              '"},"subject":{"id":"' || printf('%036d', i) || '","kind":"hash"},"time":"2026-01-01T00:00:00.000Z","v":1}'
            FROM n`,
      args: [size - 1], // plus the node-key.rotate entry ensureCurrent wrote
    });
    const loadS = (performance.now() - t) / 1000;
    t = performance.now();
    const built = await integrate(deps);
    const buildS = (performance.now() - t) / 1000;
    if (built.treeSize !== size) throw new Error(`bench: the tree holds ${built.treeSize} entries, expected ${size}`);
    rows.push(['integrate the starting log (hash, store subtrees, sign heads)', 0, size, '', '', `${fmt(size / buildS)} entries/s`, '', '']);
    notes.push(`starting log: ${fmt(size)} entries of ~250 bytes generated in SQLite in ${loadS.toFixed(1)} s, integrated in ${buildS.toFixed(1)} s`);

    // ---- appends on top, as the services make them, then integrated. Last, if the node commits with
    // synchronous=FULL, single-entry commits again under NORMAL (safe with WAL: a power cut may lose
    // the last commits, never corrupt), to show what that setting is worth.
    const sync = Number((await database.client.execute('PRAGMA synchronous')).rows[0]?.[0]);
    const SYNC = ['OFF', 'NORMAL', 'FULL', 'EXTRA'][sync] ?? String(sync);
    const phases: [number, number, string][] = [
      [1, 5_000, SYNC],
      [100, 20_000, SYNC],
    ];
    if (SYNC === 'FULL') phases.push([1, 5_000, 'NORMAL']);
    for (const [perCommit, entries, mode] of phases) {
      if (mode !== SYNC) await database.client.execute(`PRAGMA synchronous = ${mode}`);
      const from = (await deps.log.latestHead())?.treeSize ?? 0;
      const latencies: number[] = [];
      t = performance.now();
      for (let done = 0; done < entries; done += perCommit) {
        const at = Date.now();
        const audit = Array.from({ length: perCommit }, (_, k) =>
          auditRow({
            at,
            actor: 'bench',
            action: 'hash.share',
            subject: { kind: 'hash', id: randomUUID() },
            content: { type: 'sha256', value: (from + done + k).toString(16).padStart(64, '0'), labels: ['glorification'] },
          }),
        );
        const c = performance.now();
        // The log alone: entries appended as the ledger appends them, one commit each.
        await database.client.execute({
          sql: `insert into audit_log (at, action, actor, entry) values ${audit.map(() => '(?, ?, ?, ?)').join(', ')}`,
          args: audit.flatMap((a) => [a.at, a.action, a.actor, a.entry]),
        });
        latencies.push(performance.now() - c);
      }
      const commitS = (performance.now() - t) / 1000;
      const i = performance.now();
      const head = await integrate(deps);
      const integrateS = (performance.now() - i) / 1000;
      if (head.treeSize !== from + entries) throw new Error('bench: appended entries are missing from the tree');
      const rate = entries / (commitS + integrateS);
      rows.push([
        `append, ${perCommit} entr${perCommit === 1 ? 'y' : 'ies'} per commit, then integrate (synchronous=${mode}${mode === SYNC ? '' : ", not the node's setting"})`,
        from,
        entries,
        q(latencies, 0.5),
        q(latencies, 0.99),
        `${fmt(rate)} entries/s`,
        '>= 5,000 entries/s',
        rate >= 5000 ? 'yes' : 'no',
      ]);
      notes.push(
        `${perCommit} per commit, synchronous=${mode}: commits ${fmt(entries / commitS)} entries/s (p50/p99 per commit in the row), integration ${fmt(entries / integrateS)} entries/s`,
      );
    }

    await database.client.execute(`PRAGMA synchronous = ${SYNC}`);

    // ---- proofs at the final size
    const n = (await deps.log.latestHead())?.treeSize ?? 0;
    const samples = opts.quick ? 1_000 : 5_000;
    const rand = prng(9162);
    for (let w = 0; w < 100; w++) await inclusionProofFor(deps, Math.floor(rand() * n), n); // warm-up
    const inc = await timeEach(samples, () => inclusionProofFor(deps, Math.floor(rand() * n), n));
    rows.push([
      'inclusion proof (inclusionProofFor, random leaf)',
      n,
      samples,
      q(inc, 0.5),
      q(inc, 0.99),
      `${fmt(1000 / mean(inc))} proofs/s`,
      'p99 < 5 ms',
      q(inc, 0.99) < 5 ? 'yes' : 'no',
    ]);
    const con = await timeEach(Math.floor(samples / 5), () => consistencyProofFor(deps, 1 + Math.floor(rand() * (n - 1)), n));
    rows.push(['consistency proof (random first size)', n, con.length, q(con, 0.5), q(con, 0.99), `${fmt(1000 / mean(con))} proofs/s`, '', '']);
    const th = await timeEach(200, () => currentTreeHead(deps, 0));
    rows.push(['tree head, fresh, nothing new', n, th.length, q(th, 0.5), q(th, 0.99), '', '', '']);

    const cpu = cpus();
    notes.unshift(
      `${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpu.length} x ${cpu[0]?.model ?? 'unknown CPU'}; libsql file in ${tmpdir()} (WAL); database ${(statSync(join(dir, 'bench.db')).size / 2 ** 20).toFixed(0)} MB at the end.`,
      'Append rate = entries / (time of the commits + time of integrating them): what a node sustains with integration keeping up.',
    );
    return { title: `Audit log on libsql, ${fmt(size)} entries to start`, columns: COLUMNS, rows, notes };
  } finally {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function timeEach(n: number, op: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await op();
    out.push(performance.now() - t);
  }
  return out;
}

function q(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor(p * s.length))] * 1000) / 1000;
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const fmt = (x: number): string => Math.round(x).toLocaleString('en-US');

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const argv = process.argv.slice(2);
  const at = argv.indexOf('--size');
  run({ quick: argv.includes('--quick'), size: at >= 0 ? Number(argv[at + 1].replace(/_/g, '')) : undefined }).then((table) => console.log(formatTable(table)));
}
