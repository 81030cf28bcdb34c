/**
 * The CLIs as a user runs them: through npm from a folder of their own, where a relative path names
 * a file of that folder (npm starts the script in the repository root and puts the folder it was run
 * from in INIT_CWD), not of the repository, and a state file left in the repository root by an
 * earlier version is refused rather than taken for a first run; and into a pipe whose reader stops
 * early (`| head`), which ends the command with status 141 and no stack trace, the feed's saved
 * cursor never past a page that was not written in full.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { userPath } from '../../src/cli/args';
import { NodeClient } from '../../src/client';
import { patternImage } from '../support/images';
import { freePort, ROOT } from '../support/node-process';
import { serveTestApp } from '../support/served-app';

const TSX = join(ROOT, 'node_modules/.bin/tsx');
let dir: string;

/** The environment of a shell: none of the npm variables of the run that started the tests. */
const shellEnv = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm_|INIT_CWD$)/i.test(k)));

/** `npm run -s SCRIPT -- ARGS` in `dir`, the repository named by --prefix as a subfolder's npm finds it. */
async function npmRun(script: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)('npm', ['--prefix', ROOT, 'run', '-s', script, '--', ...args], {
      cwd: dir,
      env: { ...shellEnv(), MHN_PROGRESS: '0' },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mhn-run-from-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('relative paths are those of the folder npm was run from', () => {
  it('client keygen --out writes there; verify --key and --state read there; nothing lands in the repository', async () => {
    const inRoot = [join(ROOT, 'my.key.json'), join(ROOT, 'my.key.pub.json')];
    try {
      const made = await npmRun('client', ['keygen', '--out', 'my.key.json', '--json']);
      expect(made.code, made.stderr).toBe(0);
      expect(JSON.parse(made.stdout)).toMatchObject({ privateKeyFile: join(dir, 'my.key.json'), publicKeyFile: join(dir, 'my.key.pub.json') });
      expect(existsSync(join(dir, 'my.key.json')) && existsSync(join(dir, 'my.key.pub.json'))).toBe(true);
      expect(inRoot.filter(existsSync)).toEqual([]);
    } finally {
      // A regression must not leave a private key in the repository.
      for (const f of inRoot) rmSync(f, { force: true });
    }

    // The key is read from this folder: the verifier gets as far as the node (none listens there).
    const node = `http://127.0.0.1:${await freePort()}`;
    const verify = await npmRun('verify', ['--node', node, '--client-id', 'c', '--key', 'my.key.json', '--state', 'fresh.json']);
    expect(verify.code).toBe(1);
    expect(verify.stderr).toMatch(/^error: cannot reach the node at /);
    const missing = await npmRun('verify', ['--node', node, '--client-id', 'c', '--key', 'auditor.key.json']);
    expect(missing.stderr).toBe(`error: cannot read ${join(dir, 'auditor.key.json')}: no such file\n`);
    // So is the state: a damaged one here is named by its path here, before the node is asked.
    writeFileSync(join(dir, 'state.json'), '{}\n');
    const state = await npmRun('verify', ['--node', node, '--client-id', 'c', '--key', 'my.key.json', '--state', 'state.json']);
    expect(state.code).toBe(1);
    expect(state.stderr).toBe(`error: ${join(dir, 'state.json')} is not a verifier state file (version 1) or is damaged\n`);
  });

  it('a state file still in the repository root, where earlier versions kept it, is refused with both paths, not taken for a first run', async () => {
    const name = `run-from-${process.pid}.state.json`;
    const old = join(ROOT, name);
    writeFileSync(old, '{}\n');
    try {
      const node = `http://127.0.0.1:${await freePort()}`;
      const r = await npmRun('verify', ['--node', node, '--client-id', 'c', '--key', 'my.key.json', '--state', name]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(
        `error: --state ${name}: there is no ${join(dir, name)} (the folder npm was run from), but there is ${old}, where earlier versions kept it (the repository root). ` +
          `Give it by its full path (--state ${old}) or move it to ${join(dir, name)}; nothing was done\n`,
      );
      expect(existsSync(join(dir, name))).toBe(false);
    } finally {
      rmSync(old, { force: true });
    }
  });

  it('client hash FILE hashes the file of this folder, named as given', async () => {
    writeFileSync(join(dir, 'img.jpg'), await patternImage('jpeg'));
    const r = await npmRun('client', ['hash', 'img.jpg', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ file: 'img.jpg', kind: 'image' });
  });
});

describe('userPath', () => {
  const saved = { INIT_CWD: process.env.INIT_CWD, npm_config_local_prefix: process.env.npm_config_local_prefix };
  afterEach(() => {
    for (const [k, v] of Object.entries(saved))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  });

  it("is npm's INIT_CWD only for a script npm started in the package root, never for an inherited one", () => {
    process.env.INIT_CWD = '/home/member/work';
    process.env.npm_config_local_prefix = process.cwd();
    expect(userPath('a.key.json')).toBe('/home/member/work/a.key.json');
    expect(userPath('../b/a.key.json')).toBe('/home/member/b/a.key.json');
    expect(userPath('/etc/a.key.json')).toBe('/etc/a.key.json');
    expect(userPath(undefined)).toBeUndefined();
    // A process started elsewhere (a test's child, tsx run by hand) that inherited npm's variables: its own folder.
    process.env.npm_config_local_prefix = '/somewhere/else';
    expect(userPath('a.key.json')).toBe('a.key.json');
    delete process.env.INIT_CWD;
    process.env.npm_config_local_prefix = process.cwd();
    expect(userPath('a.key.json')).toBe('a.key.json');
  });

  it('compares real paths: a repository reached through a symbolic link is still where npm ran the script', () => {
    const link = join(dir, 'repo-link');
    symlinkSync(process.cwd(), link);
    process.env.INIT_CWD = '/home/member/work';
    process.env.npm_config_local_prefix = link;
    expect(userPath('a.key.json')).toBe('/home/member/work/a.key.json');
    // And the folder npm was run from, named through the link, is the repository itself.
    process.env.INIT_CWD = link;
    expect(userPath('a.key.json')).toBe('a.key.json');
  });
});

describe('a pipe closed early', () => {
  it('ends the command with status 141 (128 + SIGPIPE, as a shell reports it) and nothing on stderr, not an EPIPE stack trace', async () => {
    const img = join(dir, 'pipe.jpg');
    writeFileSync(img, await patternImage('jpeg'));
    // The reader is gone before the first line is written (`true` reads nothing), so every write meets a closed pipe.
    const line = `'${TSX}' '${join(ROOT, 'src/cli/client.ts')}' hash '${img}' '${img}' --json | true; echo "status \${PIPESTATUS[0]}"`;
    const { stdout, stderr } = await promisify(execFile)('bash', ['-c', line], { cwd: dir, env: { ...process.env, MHN_PROGRESS: '0' }, timeout: 60_000 });
    expect(stderr).toBe('');
    expect(stdout).toBe('status 141\n');
  });

  it('client feed --cursor-file: the cursor is saved only after a page is written in full, so the next run starts at the page the pipe cut', async () => {
    const node = await serveTestApp();
    try {
      const m = await node.member('partner', 'feed-pipe');
      const keyFile = join(dir, 'feed-pipe.key.json');
      writeFileSync(keyFile, JSON.stringify(m.jwk), { mode: 0o600 });
      const env = { ...process.env, MHN_PROGRESS: '0', MHN_NODE: node.base, MHN_CLIENT_ID: m.id, MHN_KEY: keyFile };
      const client = new NodeClient({ node: node.base, clientId: m.id, key: m.jwk });
      const hex = (i: number) => i.toString(16).padStart(32, '0');
      for (let b = 0; b < 3; b++)
        await client.share(Array.from({ length: 1000 }, (_, i) => ({ type: 'md5' as const, value: hex(b * 1000 + i + 1), labels: ['manifesto' as const] })));
      const feed = (tail: string) =>
        promisify(execFile)('bash', ['-c', `'${TSX}' '${join(ROOT, 'src/cli/client.ts')}' feed --limit 1000 --json ${tail}`], {
          cwd: dir,
          env,
          timeout: 90_000,
          maxBuffer: 64 << 20,
        });
      const all = (await feed('')).stdout.split('\n').filter(Boolean);
      expect(all).toHaveLength(3000);

      // The reader takes page 1 and the first 100 lines of page 2, then stops: the rest of page 2 is more than a pipe holds,
      // so its write fails. Page 1 was written in full; page 2 was not.
      const bytes = (lines: string[]) => Buffer.byteLength(lines.map((l) => `${l}\n`).join(''));
      const cut = bytes(all.slice(0, 1100));
      expect(bytes(all.slice(1100, 2000))).toBeGreaterThan(2 * 65536);
      const cut1 = await feed(`--cursor-file feed-pipe.cursor | head -c ${cut} > feed-pipe.got; echo "status \${PIPESTATUS[0]}"`);
      expect(cut1.stdout).toBe('status 141\n');
      expect(cut1.stderr).toBe('');
      expect(readFileSync(join(dir, 'feed-pipe.got'), 'utf8').split('\n').filter(Boolean)).toEqual(all.slice(0, 1100));

      // The next run, into a file, begins at page 2's first entry: nothing after page 1 was skipped.
      const next = await feed('--cursor-file feed-pipe.cursor');
      expect(next.stdout.split('\n').filter(Boolean)).toEqual(all.slice(1000));
      expect((await client.feed({ cursor: readFileSync(join(dir, 'feed-pipe.cursor'), 'utf8').trim() })).entries).toEqual([]);
    } finally {
      await node.close();
    }
  }, 180_000);
});
