/**
 * Where the shared conformance data lives: `../shared/conformance` beside the project, or the folder
 * named by CONFORMANCE_DIR. The data is never copied into this repository. When it is missing the
 * tests that need it fail with a message saying so, rather than passing on nothing.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export const CONFORMANCE_DIR = resolve(process.env.CONFORMANCE_DIR ?? resolve(__dirname, '../../../shared/conformance'));

export function conformancePath(...parts: string[]): string {
  const p = resolve(CONFORMANCE_DIR, ...parts);
  if (!existsSync(p)) {
    throw new Error(
      `conformance data not found at ${p}. The tests read the shared reference data from ../shared/conformance ` +
        `(beside this repository) or from the folder named by CONFORMANCE_DIR.`,
    );
  }
  return p;
}
