/**
 * `client export` and `client import` as processes against real nodes on loopback ports (each its
 * own database): node A's hashes exported as a threatexchange dataset CSV and as a signal list,
 * imported into a fresh node B, which then holds the same hashes with the same labels; a second
 * import adds nothing; lines B cannot take are refused by line number and the rest imported; a
 * state file resumes a stopped import; three imports of one file at once end with each hash once.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFeed } from '../../src/services/feed';
import { retractHash, shareHashes, type ShareItem } from '../../src/services/sharing';
import { ROOT } from '../support/node-process';
import { serveTestApp, type ServedApp } from '../support/served-app';

const TSX = join(ROOT, 'node_modules/.bin/tsx');
let A: ServedApp;
let work: string;
let envA: Record<string, string>;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function client(args: string[], env: Record<string, string>): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(TSX, [join(ROOT, 'src/cli/client.ts'), ...args], {
      cwd: work,
      env: { ...process.env, MHN_PROGRESS: '0', ...env },
      timeout: 120_000,
      maxBuffer: 64 << 20,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as Run;
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

async function memberEnv(node: ServedApp, name: string): Promise<Record<string, string>> {
  const m = await node.member('partner', name);
  const keyFile = join(work, `${name}.key.json`);
  writeFileSync(keyFile, JSON.stringify(m.jwk), { mode: 0o600 });
  return { MHN_NODE: node.base, MHN_CLIENT_ID: m.id, MHN_KEY: keyFile };
}

/** The active hashes of a node, as `type value labels` lines, sorted (read from its feed). */
async function activeHashes(node: ServedApp): Promise<string[]> {
  const last = new Map<string, { type: string; value: string; status: string; labels: string[] }>();
  let cursor: string | undefined;
  for (;;) {
    const page = await readFeed(node.t.rt.deps, cursor, 1000);
    for (const e of page.entries) last.set(e.hash.id, e.hash);
    cursor = page.nextCursor;
    if (!page.hasMore) break;
  }
  return [...last.values()]
    .filter((h) => h.status === 'active')
    .map((h) => `${h.type} ${h.value} ${[...h.labels].sort().join(',')}`)
    .sort();
}

/** POST /v1/hashes requests the node answered, from its request counter. */
async function shareRequests(node: ServedApp): Promise<number> {
  const m = await node.t.rt.metrics.registry.getSingleMetric('mhn_http_requests_total')?.get();
  return (m?.values ?? []).filter((v) => v.labels.route === '/v1/hashes' && v.labels.method === 'POST').reduce((n, v) => n + v.value, 0);
}

/** A fresh node B (its own database) with a partner's CLI environment, closed afterwards. */
async function withFreshNode(run: (B: ServedApp, envB: Record<string, string>) => Promise<void>): Promise<void> {
  const B = await serveTestApp();
  try {
    await run(B, await memberEnv(B, 'partner-b'));
  } finally {
    await B.close();
  }
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const TLSH = 'T1DFB092A1724AC2C0D3CA48452291EA04A5B75EB903A6E7577A54118FFA8148E98F9426';

beforeAll(async () => {
  A = await serveTestApp();
  work = mkdtempSync(join(tmpdir(), 'mhn-interchange-'));
  envA = await memberEnv(A, 'partner-a');
  const seeder = await A.member('partner', 'seeder');
  const who = { clientId: seeder.id, role: 'partner' as const, scopes: ['hashes:write' as const] };
  const items: ShareItem[] = [
    { type: 'pdq', value: hex(32), labels: ['recruitment'] },
    { type: 'pdq', value: hex(32), labels: ['glorification', 'attack-footage'] },
    { type: 'pdq', value: hex(32), labels: ['manifesto'] },
    { type: 'md5', value: hex(16), labels: ['attack-footage'] },
    { type: 'md5', value: hex(16), labels: ['instruction'] },
    { type: 'sha256', value: hex(32), labels: ['recruitment'] },
    { type: 'tlsh', value: TLSH, labels: ['manifesto'] },
    { type: 'blockhash', value: hex(32), labels: ['branded-publication'] },
    { type: 'pdq', value: hex(32), labels: ['recruitment'] }, // retracted below: not exported
  ];
  const shared = await shareHashes(A.t.rt.deps, who, items);
  expect((await retractHash(A.t.rt.deps, who, shared.results[8].id)).status).toBe('retracted');
}, 120_000);
afterAll(async () => {
  await A?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('export → import into a fresh node', () => {
  it("the CSV carries python-threatexchange's header, signal type names and tags; a fresh node importing it holds the same hashes and labels; a second import adds nothing", async () => {
    const exported = await client(['export', '--all-types', '--out', 'a.csv'], envA);
    expect(exported.code).toBe(0);
    expect(exported.stderr).toBe('exported 8 active hashes to a.csv\n');
    const csv = readFileSync(join(work, 'a.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('signal_type,signal_str,collab,category,tags');
    expect(csv).toHaveLength(9);
    expect(
      csv
        .map((l) => l.split(',')[0])
        .slice(1)
        .sort(),
    ).toEqual(['mhn_blockhash', 'pdq', 'pdq', 'pdq', 'text_tlsh', 'video_md5', 'video_md5', 'video_sha256']);
    expect(csv).toContainEqual(expect.stringMatching(/^pdq,[0-9a-f]{64},media-hash-node,POSITIVE_CLASS,attack-footage glorification$/));

    await withFreshNode(async (B, envB) => {
      const first = await client(['import', 'a.csv', '--json'], envB);
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      expect(JSON.parse(first.stdout)).toEqual({
        file: 'a.csv',
        format: 'csv',
        hashes: 8,
        added: 8,
        relabelled: 0,
        alreadyPresent: 0,
        refused: 0,
        mergedLines: 0,
      });
      expect(await activeHashes(B)).toEqual(await activeHashes(A));

      const again = await client(['import', 'a.csv'], envB);
      expect(again.code).toBe(0);
      expect(again.stdout).toBe('imported a.csv (csv): 0 added, 8 already present, 0 relabelled, 0 line(s) refused\n');
      expect(await activeHashes(B)).toEqual(await activeHashes(A));

      // The same through the signal list (labels from --labels, as the format has none): B's export
      // of the standard types only is A's.
      const listA = await client(['export', '--format', 'signals'], envA);
      expect(listA.stderr).toBe(
        "exported 7 active hashes; left out 1 blockhash (no python-threatexchange signal type; --all-types writes blockhash and url under this node's own names)\n",
      );
      const listB = await client(['export', '--format', 'signals'], envB);
      expect(listB.stdout.split('\n').sort()).toEqual(listA.stdout.split('\n').sort());
      expect(listA.stdout).toMatch(/^(pdq [0-9a-f]{64}|video_md5 [0-9a-f]{32}|video_sha256 [0-9a-f]{64}|text_tlsh T1[0-9A-F]{70})$/m);
    });
  });
});

describe('import refuses what it cannot take, by line number, and imports the rest', () => {
  it('unknown signal types and tags, bad values, negative opinions, broken lines', async () => {
    await withFreshNode(async (B, envB) => {
      const good = [hex(32), hex(32)];
      writeFileSync(
        join(work, 'mixed.csv'),
        [
          'signal_type,signal_str,collab,category,tags',
          `pdq,${good[0]},"Sample, with comma",POSITIVE_CLASS,recruitment`,
          `photodna,${hex(32)},c,POSITIVE_CLASS,recruitment`,
          `pdq,${hex(31)},c,POSITIVE_CLASS,recruitment`,
          `pdq,${hex(32)},c,POSITIVE_CLASS,recruitment media_type_photo`,
          `pdq,${hex(32)},c,NEGATIVE_CLASS,recruitment`,
          `pdq,${hex(32)},c,POSITIVE_CLASS`,
          '',
          `video_md5,${hex(16)},c,POSITIVE_CLASS,`,
          `pdq,${good[1]},c,,glorification`,
          `pdq,${good[0]},other collab,POSITIVE_CLASS,manifesto`,
        ].join('\n'),
      );
      const r = await client(['import', 'mixed.csv'], envB);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toEqual([
        `mixed.csv:3: refused: unknown signal type "photodna"; this node takes pdq, video_md5, video_sha256, text_tlsh, mhn_blockhash, mhn_url`,
        'mixed.csv:4: refused: pdq: pdq value must be 64 hex characters (256 bits), got 62',
        'mixed.csv:5: refused: unknown tag(s) "media_type_photo": not a label of this node; map each with --map-tag TAG=LABEL, or pass --ignore-unknown-tags',
        'mixed.csv:6: refused: category NEGATIVE_CLASS: only POSITIVE_CLASS signals are shared (a NEGATIVE_CLASS or INVESTIGATION_SEED opinion is not a finding)',
        'mixed.csv:7: refused: 4 fields; a dataset line has 5 (signal_type,signal_str,collab,category,tags)',
        'mixed.csv:9: refused: no label: the line has no tag naming a label, and no --labels were given',
      ]);
      expect(r.stdout).toBe(
        'imported mixed.csv (csv): 2 added, 0 already present, 0 relabelled, 6 line(s) refused, 1 line(s) merged into an earlier line of the same hash\n',
      );
      expect(await activeHashes(B)).toEqual([`pdq ${good[0]} manifesto,recruitment`, `pdq ${good[1]} glorification`].sort());

      // --map-tag and --labels take lines 5 and 9; --labels also adds a label to the two hashes in (relabelled).
      const mapped = await client(['import', 'mixed.csv', '--map-tag', 'media_type_photo=recruitment', '--labels', 'instruction', '--json'], envB);
      expect(JSON.parse(mapped.stdout)).toMatchObject({ added: 2, relabelled: 2, alreadyPresent: 0, refused: 4 });

      // The signal list: an unknown type named by its line; without --labels every line is refused.
      writeFileSync(join(work, 'list.txt'), `pdq ${hex(32)}\nurl https://example.org/x\n\nvideo_md5 ${hex(16)}\n`);
      const noLabels = await client(['import', 'list.txt'], envB);
      expect(noLabels.stderr).toContain('list.txt:1: refused: no label');
      const listed = await client(['import', 'list.txt', '--labels', 'attack-footage'], envB);
      expect(listed.stderr).toBe(
        'list.txt:2: refused: unknown signal type "url"; this node takes pdq, video_md5, video_sha256, text_tlsh, mhn_blockhash, mhn_url\n',
      );
      expect(listed.stdout).toBe('imported list.txt (signals): 2 added, 0 already present, 0 relabelled, 1 line(s) refused\n');
    });
  });
});

describe('usage', () => {
  it('a missing file, a second file, an unknown format or label, a bad --map-tag: exit 2 before anything is sent', async () => {
    const cases: [string[], RegExp][] = [
      [['import'], /import takes one file/],
      [['import', 'a.csv', 'b.csv'], /import takes one file/],
      [['import', 'nope.csv'], /nope\.csv: no such file/],
      [['import', 'a.csv', '--format', 'xml'], /--format takes csv or signals \(got "xml"\)/],
      [['import', 'a.csv', '--labels', 'spam'], /--labels: unknown label "spam"/],
      [['import', 'a.csv', '--map-tag', 'x'], /--map-tag takes TAG=LABEL \(got "x"\)/],
      [['export', '--format', 'json'], /--format takes csv or signals/],
    ];
    for (const [args, words] of cases) {
      const r = await client(args, envA);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(words);
    }
  });
});

describe('import at scale: batches, a resumed run, imports at once', () => {
  it('2500 hashes in requests of at most 1000 with a progress bar; a state file skips what a stopped run sent; three imports of one file at once leave each hash once', async () => {
    await withFreshNode(async (B, envB) => {
      const values = Array.from({ length: 2500 }, () => hex(32));
      const text = values.map((v) => `pdq ${v}`).join('\n') + '\n';
      writeFileSync(join(work, 'big.txt'), text);
      // A run stopped after its first request: the state it leaves says 1000 hashes are in.
      writeFileSync(join(work, 'big.state'), JSON.stringify({ sha256: createHash('sha256').update(text).digest('hex'), done: 1000 }));
      const resumed = await client(['import', 'big.txt', '--labels', 'recruitment', '--state', 'big.state'], {
        ...envB,
        MHN_PROGRESS: '1',
        MHN_PROGRESS_DELAY_MS: '0',
      });
      expect(resumed.code).toBe(0);
      expect(resumed.stdout).toBe(
        'imported big.txt (signals): 1500 added, 0 already present, 0 relabelled, 0 line(s) refused; resumed after 1000 hashes sent before\n',
      );
      // The bar is redrawn at most every 100 ms: the first update (2000 of 2500 hashes in) is always drawn.
      expect(resumed.stderr).toMatch(/importing \[#+-*\] (2000|2500)\/2500 /);
      expect(JSON.parse(readFileSync(join(work, 'big.state'), 'utf8')).done).toBe(2500);
      // Only the 1500 after the first 1000 were sent.
      expect((await activeHashes(B)).map((l) => l.split(' ')[1])).toEqual(values.slice(1000).sort());
      expect(await shareRequests(B)).toBe(2); // 1000 + 500

      // Three imports of the whole file at once (no state file): every hash once, one contribution each.
      const runs = await Promise.all([1, 2, 3].map(() => client(['import', 'big.txt', '--labels', 'recruitment', '--json'], envB)));
      for (const r of runs) expect(r.code).toBe(0);
      const sums = runs.map((r) => JSON.parse(r.stdout));
      expect(sums.reduce((n, s) => n + s.added, 0)).toBe(1000);
      expect(sums.every((s) => s.added + s.alreadyPresent === 2500)).toBe(true);
      expect((await activeHashes(B)).map((l) => l.split(' ')[1])).toEqual([...values].sort());
      const rows = (await B.t.rt.database.client.execute('SELECT count(*) AS n, count(DISTINCT hash_id) AS h FROM contributions')).rows[0];
      expect([Number(rows.n), Number(rows.h)]).toEqual([2500, 2500]);
    });
  }, 240_000);
});
