/** Small shared helpers for the command-line tools: argument parsing, output, exit codes. */
import { existsSync, realpathSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ROLES, type Role } from '../core/auth';
import { plainText } from '../http/input';

export function parse<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T) {
  // The only short option is -h: any other word with one leading dash is a value, not an option (a
  // key id is base64url and may start with '-': `client key revoke ID -1Xy…` failed as an unknown
  // option '-1', one key in 64). It is hidden from parseArgs behind a mark and given back as it was.
  const hidden = argv.map((a) => (a.length > 1 && a.startsWith('-') && !a.startsWith('--') && a !== '-h' ? `${DASH_MARK}${a}` : a));
  const shown = <V>(v: V): V => (typeof v === 'string' && v.startsWith(DASH_MARK) ? v.slice(DASH_MARK.length) : Array.isArray(v) ? v.map(shown) : v) as V;
  try {
    const r = parseArgs({
      args: hidden,
      options: { ...options, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    for (const k of Object.keys(r.values)) (r.values as Record<string, unknown>)[k] = shown((r.values as Record<string, unknown>)[k]);
    return { ...r, positionals: r.positionals.map(shown) };
  } catch (e) {
    fail(e instanceof Error ? e.message : String(e), 2);
  }
}

/** Marks a word with one leading dash as a value for parseArgs (never typed: a control character). */
const DASH_MARK = '\u0001';

/** Prints JSON with --json, else the human form. */
export function out(json: boolean | undefined, value: unknown, human?: string): void {
  if (json || human === undefined) process.stdout.write(JSON.stringify(value, null, 2) + '\n');
  else process.stdout.write(human + '\n');
}

export function fail(message: string, code = 1): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(code);
}

/** What a shell reports for a command a closed pipe ended (128 + SIGPIPE), as for `yes | head` under pipefail. */
export const CLOSED_PIPE_STATUS = 141;

/**
 * A reader that stopped reading (`| head`) ends the command quietly, as a closed pipe ends a Unix
 * tool, but not with 0: the work was cut short. A failure already recorded keeps its own status.
 */
export function endOnClosedPipe(): never {
  const recorded = Number(process.exitCode ?? 0);
  process.exit(recorded || CLOSED_PIPE_STATUS);
}

/**
 * Writes to stdout and waits until the text is handed to the system, for a step that must not
 * happen (saving a cursor) before its output is out. A closed pipe ends the command as above.
 */
export function writeOut(text: string): Promise<void> {
  return new Promise((done, failed) =>
    process.stdout.write(text, (e) => {
      if (!e) done();
      else if (codeOf(e) === 'EPIPE') endOnClosedPipe();
      else failed(e);
    }),
  );
}

export async function main(run: () => Promise<void>): Promise<void> {
  for (const stream of [process.stdout, process.stderr])
    stream.on('error', (e) => {
      if (codeOf(e) !== 'EPIPE') throw e;
      endOnClosedPipe();
    });
  try {
    await run();
  } catch (e) {
    const code = codeOf(e);
    // A domain error's code leads its message; the client's errors already name it.
    const prefix = typeof code === 'string' && e instanceof Error && !e.message.includes(code) ? `${code}: ` : '';
    fail(e instanceof Error ? `${prefix}${e.message}` : String(e));
  }
}

/**
 * A file named on the command line, found where the user ran the command. `npm run` starts a script
 * in the package's root and puts the directory it was run from in INIT_CWD; a tool started any other
 * way (tsx itself, a test's child process that inherited an outer npm's variables) is where its own
 * working directory is. The path is left as given when that is where it is found anyway.
 */
export function userPath<P extends string | undefined>(path: P): P {
  const from = runFrom();
  return from && path !== undefined && !isAbsolute(path) ? (resolve(from, path) as P) : path;
}

/**
 * A state file (the verifier's, a feed cursor, an import's progress) found as userPath finds it.
 * Before relative paths followed the user's folder they named files of the repository root: a state
 * file missing here but still there is refused, not taken for a first run (a verifier would start
 * again from blind trust, a feed from its start), with both paths and the way out.
 */
export function userStatePath<P extends string | undefined>(path: P, flag: string): P {
  const at = userPath(path);
  if (at === path || at === undefined || existsSync(at)) return at;
  const old = resolve(path as string);
  if (existsSync(old))
    fail(
      `${flag} ${path}: there is no ${at} (the folder npm was run from), but there is ${old}, where earlier versions kept it (the repository root). ` +
        `Give it by its full path (${flag} ${old}) or move it to ${at}; nothing was done`,
      2,
    );
  return at;
}

/** The folder npm was run from, when npm started this script in the package root and that is another folder. */
function runFrom(): string | undefined {
  const { INIT_CWD: from, npm_config_local_prefix: root } = process.env;
  if (!from || !root) return undefined;
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return resolve(p);
    }
  };
  // Real paths: a repository reached through a symbolic link is still the folder npm ran the script in.
  const here = real(process.cwd());
  return real(root) === here && real(from) !== here ? from : undefined;
}

/** A client's role and name from the command line, held to what the admin API takes. */
export function clientArgs(role: string, name: string): { role: Role; name: string } {
  const known = ROLES.find((r) => r === role);
  if (!known) fail(`--role must be one of ${ROLES.join(', ')} (got ${JSON.stringify(role)})`, 2);
  const checked = plainText(200, '--name').trim().min(1, '--name must not be empty').safeParse(name);
  if (!checked.success) fail(checked.error.issues[0].message, 2);
  return { role: known, name: checked.data };
}

export { messageOf } from '../core/errors';

/** A caught error's `code` (Node's errno codes, the node's problem codes), if it has a string one. */
export const codeOf = (e: unknown): string | undefined =>
  typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : undefined;

/** A value a step cannot go on without; its absence is a bug or a broken input, said by `what`. */
export function must<T>(v: T | null | undefined, what: string): T {
  if (v === null || v === undefined) throw new Error(`${what} is missing`);
  return v;
}
