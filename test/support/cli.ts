/**
 * The repository's command-line tools run as processes, as a member runs them (tsx, no npm in
 * between), for the tests under test/cli: exit code, stdout and stderr, and JSON Lines read back.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from './node-process';

export const TSX = join(ROOT, 'node_modules/.bin/tsx');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `src/cli/TOOL.ts ARGS` in `cwd`, with `env` over the test's own; a run cut off by the timeout (or any signal) says so in its stderr. */
export async function runCli(tool: 'client' | 'admin' | 'verify', args: string[], opts: { cwd: string; env?: Record<string, string> }): Promise<CliRun> {
  try {
    const { stdout, stderr } = await promisify(execFile)(TSX, [join(ROOT, `src/cli/${tool}.ts`), ...args], {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      timeout: 90_000,
      maxBuffer: 64 << 20,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as CliRun & { killed?: boolean; signal?: string | null };
    const cut = err.killed || err.signal ? `\n(the command was ended by ${err.signal ?? 'a signal'}${err.killed ? ' at the 90 s timeout' : ''})` : '';
    return { code: err.code, stdout: err.stdout, stderr: `${err.stderr}${cut}` };
  }
}

/** A command's JSON Lines output, parsed (lines of several shapes: typed loosely). */
export const jsonLines = (text: string): any[] =>
  text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
