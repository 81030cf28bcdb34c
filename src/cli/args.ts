/** Small shared helpers for the command-line tools: argument parsing, output, exit codes. */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export function parse<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options: { ...options, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (e) {
    fail(e instanceof Error ? e.message : String(e), 2);
  }
}

/** Prints JSON with --json, else the human form. */
export function out(json: boolean | undefined, value: unknown, human?: string): void {
  if (json || human === undefined) process.stdout.write(JSON.stringify(value, null, 2) + '\n');
  else process.stdout.write(human + '\n');
}

export function fail(message: string, code = 1): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(code);
}

export async function main(run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    // A domain error's code leads its message; the client's errors already name it.
    const prefix = typeof code === 'string' && e instanceof Error && !e.message.includes(code) ? `${code}: ` : '';
    fail(e instanceof Error ? `${prefix}${e.message}` : String(e));
  }
}
