/** Reading the shared conformance data (../shared/conformance beside the project, or CONFORMANCE_DIR) in benchmarks. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A conformance file's bytes, e.g. `conformanceFile('pdq', 'tmk', 'sample-videos', 'x.mp4')`; a clear error when absent. */
export function conformanceFile(...parts: string[]): Buffer {
  const dir = process.env.CONFORMANCE_DIR ?? fileURLToPath(new URL('../../../../shared/conformance', import.meta.url));
  const path = resolve(dir, ...parts);
  try {
    return readFileSync(path);
  } catch {
    throw new Error(`conformance file not found at ${path}; set CONFORMANCE_DIR to the shared conformance folder`);
  }
}
