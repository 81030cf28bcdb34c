/**
 * The code before a change, as a real node of its own, for a bench that measures "before and
 * after" in one run (issue 13 item 7: the media-load bench's requests per second before the hash
 * pool). The commit's tree comes out of this repository's history (`git archive`), gets its own
 * packages from its own lockfile (`npm ci --omit=dev`: the versions it was measured with), and is
 * kept in `.bench-cache/before-<commit>/` (ignored by git) for the next run. Its database is made by
 * its own migrations and filled by the same rows as today's (`fillTables`); it runs from its
 * sources with its own tsx, as its `npm start` did.
 *
 * Needs the commit in the clone's history (not a shallow clone) and, the first time, npm's
 * registry (or its cache).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { createClient } from '@libsql/client';
import { fillTables } from './http';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const run = promisify(execFile);

/**
 * The last commit of the first round (2026-11-21), on which issue 13 measured its "before" (4.7
 * answers/s): PDQ, blockhash-core's blockhash, md5 and sha256 on the main thread, no bound on the
 * decodes at once, and `/v1/match/media` matching the image as sent (no robust variants).
 */
export const BEFORE_ISSUE_13 = 'c001d56';

export interface BeforeCode {
  commit: string;
  dir: string;
}

/** Migrates a database with the old code's own migrations (its `openDatabase`). */
const MIGRATE = `import { openDatabase } from './src/runtime/node/db';
const open = await openDatabase(process.argv[2]);
open.close();
`;

/** The old tree, unpacked and installed once. Throws with the step that failed. */
export async function prepareBefore(commit: string): Promise<BeforeCode> {
  const dir = join(ROOT, '.bench-cache', `before-${commit}`);
  if (!existsSync(join(dir, '.ready'))) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const tar = `${dir}.tar`;
    try {
      await run('git', ['-C', ROOT, 'archive', '--format=tar', '-o', tar, commit]);
      await run('tar', ['-xf', tar, '-C', dir]);
    } catch (e) {
      throw new Error(`could not take commit ${commit} out of this clone's history (a shallow clone?): ${(e as Error).message.split('\n')[0]}`);
    } finally {
      rmSync(tar, { force: true });
    }
    try {
      await run('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, maxBuffer: 16 << 20 });
    } catch (e) {
      throw new Error(`npm ci of commit ${commit} failed (npm's registry out of reach?): ${(e as Error).message.split('\n')[0]}`);
    }
    writeFileSync(join(dir, 'bench-migrate.mts'), MIGRATE);
    writeFileSync(join(dir, '.ready'), `${new Date().toISOString()}\n`);
  }
  return { commit, dir };
}

/** Node's arguments that run a TypeScript entry of the old tree with the old tree's tsx. */
export function beforeArgs(code: BeforeCode, entry: string): string[] {
  const loader = join(code.dir, 'node_modules/tsx/dist/loader.mjs');
  if (!existsSync(loader)) throw new Error(`${loader} is missing: remove ${code.dir} and run again`);
  return ['--import', pathToFileURL(loader).href, join(code.dir, entry)];
}

/** A database of the old schema holding the same kind of `n` PDQ hashes as today's bench database. */
export async function fillBefore(code: BeforeCode, url: string, n: number, rnd: () => number): Promise<void> {
  try {
    await run(process.execPath, [...beforeArgs(code, 'bench-migrate.mts'), url], { cwd: code.dir });
  } catch (e) {
    const why =
      String((e as { stderr?: string }).stderr ?? '')
        .split('\n')
        .find((l) => /Error/.test(l)) ?? (e as Error).message.split('\n')[0];
    throw new Error(`the migrations of commit ${code.commit} failed: ${why}`);
  }
  const client = createClient({ url });
  try {
    await fillTables((stmts) => client.batch(stmts, 'write'), n, rnd);
  } finally {
    client.close();
  }
}
