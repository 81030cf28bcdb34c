/**
 * The repository's own files: what the README's walkthrough and the CLIs write into the folder they
 * run in (the repository root, for whoever follows the README from a clone) is ignored by git, so
 * that `git add -A` never commits a private key, a verifier's state or a feed's output; and the
 * README's tables are tables (no paragraph swallowed as rows).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { publicKeyPath } from '../src/cli/key-files';

const ROOT = resolve(__dirname, '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The files the README's shell examples write into the folder they run in (no path: the repository root). */
function filesTheReadmeWrites(): string[] {
  const out = new Set<string>();
  for (const [, block] of README.matchAll(/```(?:sh|bash|shell)\n([\s\S]*?)```/g))
    for (const line of block.split('\n')) {
      if (/^\s*#/.test(line)) continue;
      const command = line.replace(/\s#.*$/, '');
      for (const m of command.matchAll(/(?:--out|--cursor-file|--state)[ =](\S+)|>>?\s*(\S+)/g)) {
        const file = m[1] ?? m[2];
        if (file.includes('/') || file.startsWith('$') || file === '.dev.vars') continue; // .dev.vars: ignored already, for wrangler
        out.add(file);
        // keygen writes the public half beside the private one; the cursor and state files go through FILE.tmp.
        if (/keygen/.test(command)) out.add(publicKeyPath(file));
        if (/--cursor-file|--state/.test(m[0])) out.add(`${file}.tmp`);
      }
    }
  return [...out];
}

/** The CLIs' default files: keygen's key pair, the verifier's state (and its temporary name). */
const DEFAULTS = ['client.key.json', 'client.key.pub.json', 'audit-state.json', 'audit-state.json.tmp'];

const ignored = (file: string): boolean => {
  try {
    execFileSync('git', ['check-ignore', '-q', '--no-index', file], { cwd: ROOT, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

describe('.gitignore', () => {
  it("every file the README's walkthrough and the CLIs' defaults write into the repository root is ignored", () => {
    const written = filesTheReadmeWrites();
    // The scan sees the walkthrough (it can fail).
    expect(written).toEqual(expect.arrayContaining(['admin.key.json', 'partner.key.json', 'partner.key.pub.json', 'feed.cursor', 'feed.jsonl']));
    expect([...written, ...DEFAULTS].filter((f) => !ignored(f))).toEqual([]);
  });

  it('ignores no source: every tracked file stays tracked', () => {
    expect(execFileSync('git', ['ls-files', '--cached', '--ignored', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' })).toBe('');
  });
});

/** A table row's cells, as GitHub splits them: at each pipe that is not escaped with a backslash. */
const cellsOf = (row: string) =>
  row
    .trim()
    .replace(/^\|/, '')
    .replace(/(?<!\\)\|$/, '')
    .split(/(?<!\\)\|/);

describe('README.md', () => {
  it('every table row has as many cells as its header: no paragraph was merged into a table', () => {
    const bad: string[] = [];
    let code = false;
    let header: number | null = null;
    let tables = 0;
    for (const [i, line] of README.split('\n').entries()) {
      if (/^\s*```/.test(line)) code = !code;
      if (code || !/^\s*\|/.test(line)) {
        header = null;
        continue;
      }
      if (header === null) {
        header = cellsOf(line).length;
        tables++;
      } else if (cellsOf(line).length !== header) bad.push(`line ${i + 1}: ${cellsOf(line).length} cell(s), the header ${header}: ${line.trim().slice(0, 60)}`);
    }
    expect(tables).toBeGreaterThan(10); // the scan sees the tables
    expect(bad).toEqual([]);
  });
});
