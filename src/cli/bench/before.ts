/**
 * The code before a change, as a real node of its own, for a bench that measures "before and
 * after" in one run (issue 13 item 7: the media-load bench's requests per second before the hash
 * pool). The commit's tree comes out of this repository's history (`git archive`), gets its own
 * packages from its own lockfile (`npm ci --omit=dev`: the versions it was measured with), and is
 * kept in `.bench-cache/before-<sha>/` (ignored by git) for the next run. Its database is made by
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
 * answers/s, with a 3000x2000 JPEG): PDQ, blockhash-core's blockhash, md5 and sha256 on the main
 * thread, no bound on the decodes at once, and `/v1/match/media` matching the image as sent (no
 * robust variants).
 */
export const BEFORE_ISSUE_13 = 'c001d56';

export interface BeforeCode {
  /** The full commit id. */
  commit: string;
  dir: string;
}

/** Migrates a database with the old code's own migrations (its `openDatabase`). */
const MIGRATE = `import { openDatabase } from './src/runtime/node/db';
const open = await openDatabase(process.argv[2]);
open.close();
`;

/** What a failed command said: the first line of its standard error that says something. */
function said(e: unknown): string {
  const stderr = String((e as { stderr?: string }).stderr ?? '')
    .split('\n')
    .map((l) => l.trim());
  return stderr.find((l) => /error|fatal/i.test(l)) ?? stderr.find(Boolean) ?? (e as Error).message.split('\n')[0];
}

/** The old tree, unpacked and installed once. Throws with the step that failed and what it said. */
export async function prepareBefore(name: string): Promise<BeforeCode> {
  let commit: string;
  try {
    commit = (await run('git', ['-C', ROOT, 'rev-parse', '--verify', '--end-of-options', `${name}^{commit}`])).stdout.trim();
  } catch (e) {
    throw new Error(`${JSON.stringify(name)} is not a commit of this clone's history (a shallow clone?): ${said(e)}`);
  }
  const dir = join(ROOT, '.bench-cache', `before-${commit}`);
  if (!existsSync(join(dir, '.ready'))) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const tar = `${dir}.tar`;
    try {
      await run('git', ['-C', ROOT, 'archive', '--format=tar', '-o', tar, commit]);
      await run('tar', ['-xf', tar, '-C', dir]);
    } catch (e) {
      throw new Error(`could not unpack commit ${commit}: ${said(e)}`);
    } finally {
      rmSync(tar, { force: true });
    }
    try {
      await run('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, maxBuffer: 16 << 20 });
    } catch (e) {
      throw new Error(`npm ci of commit ${commit} failed: ${said(e)}`);
    }
    // The tree sits inside this repository: a package missing there would be found in today's
    // node_modules, above it, and the "before" would run today's decoder or driver.
    for (const pkg of ['sharp', '@libsql/client', 'tsx']) {
      if (!existsSync(join(dir, 'node_modules', pkg, 'package.json'))) throw new Error(`npm ci of commit ${commit} did not install ${pkg}`);
    }
    writeFileSync(join(dir, '.ready'), `${new Date().toISOString()}\n`);
  }
  writeFileSync(join(dir, 'bench-migrate.mts'), MIGRATE);
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
    throw new Error(`the migrations of commit ${code.commit} failed: ${said(e)}`);
  }
  const client = createClient({ url });
  try {
    await fillTables((stmts) => client.batch(stmts, 'write'), n, rnd);
  } finally {
    client.close();
  }
}
