/**
 * The CLIs as a user runs them: into a pipe whose reader stops early (`| head`), which ends the
 * command quietly, with no stack trace.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patternImage } from '../support/images';
import { ROOT } from '../support/node-process';

const TSX = join(ROOT, 'node_modules/.bin/tsx');
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mhn-run-from-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a pipe closed early', () => {
  it('ends the command with status 0 and nothing on stderr, not an EPIPE stack trace', async () => {
    const img = join(dir, 'pipe.jpg');
    writeFileSync(img, await patternImage('jpeg'));
    // The reader is gone before the first line is written (`true` reads nothing), so every write meets a closed pipe.
    const line = `'${TSX}' '${join(ROOT, 'src/cli/client.ts')}' hash '${img}' '${img}' --json | true; echo "status \${PIPESTATUS[0]}"`;
    const { stdout, stderr } = await promisify(execFile)('bash', ['-c', line], { cwd: dir, env: { ...process.env, MHN_PROGRESS: '0' }, timeout: 60_000 });
    expect(stderr).toBe('');
    expect(stdout).toBe('status 0\n');
  });
});
