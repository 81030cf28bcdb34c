/**
 * The node as a real process (`node dist/main.node.js`, built before the suite, or `npm start`), for the tests of
 * start-up, readiness and shutdown, and of several processes (instances on one database, crashes).
 * Each process carries a marker in its environment, which its children (ffmpeg, a shell) inherit, so
 * a test can tell whether any of them outlived it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { clientAssertion } from '../../src/cli/oauth';
import { openDatabase } from '../../src/runtime/node/database';
import { NO_FOLLOWER } from '../../src/services/change-follower';
import { createClient } from '../../src/services/clients';
import { SqlAuthStore } from '../../src/storage/auth-store';
import { SqlLedger } from '../../src/storage/ledger';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface NodeProcess {
  child: ChildProcess;
  marker: string;
  dir: string;
  stdout(): string;
  stderr(): string;
  /** The base URL from the "listening on" line. */
  url: Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * A fresh data folder and a process on it; PORT 0 (the kernel's choice), HOST 127.0.0.1, DEV_AUTH on.
 * `detached`: in a process group of its own, as a terminal's foreground job is, so that a test can
 * signal the whole group (`process.kill(-pid, 'SIGINT')`, a Ctrl-C) without signalling itself.
 */
export function startNode(env: Record<string, string> = {}, how: 'node' | 'npm' = 'node', opts: { detached?: boolean } = {}): NodeProcess {
  const dir = mkdtempSync(join(tmpdir(), 'mhn-proc-'));
  const marker = randomUUID();
  const fullEnv = {
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: `file:${join(dir, 'node.db')}`,
    NODE_SECRET_FILE: join(dir, 'node.secret'),
    DEV_AUTH: '1',
    NODE_ENV: 'development',
    MHN_TEST_MARK: marker,
    ...env,
  };
  const child =
    how === 'npm'
      ? spawn('npm', ['start'], { cwd: ROOT, env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: opts.detached })
      : // The production build (made once by test/support/global-build.ts before the suite).
        spawn(process.execPath, ['dist/main.node.js'], { cwd: ROOT, env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: opts.detached });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  // 'close', not 'exit': the exit can come before the last lines the child wrote reach us through the pipe.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('close', (code, signal) => r({ code, signal })));
  const url = new Promise<string>((resolveUrl, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+?),? /.exec(out);
      if (m) resolveUrl(m[1]);
    });
    void exited.then(({ code }) => reject(new Error(`the node exited (${code}) before listening: ${err}`)));
  });
  url.catch(() => undefined);
  return { child, marker, dir, stdout: () => out, stderr: () => err, url, exited };
}

/** The node's log: its JSON lines on stdout, parsed (other lines, such as npm's banner, skipped). */
export function logLines(p: Pick<NodeProcess, 'stdout'>): Record<string, unknown>[] {
  return p
    .stdout()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Waits until GET /health answers 200. */
export async function ready(base: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    // Each try bounded: a request that hangs fails the wait with the status seen, not the test's timeout.
    const status = await fetch(`${base}/health`, { signal: AbortSignal.timeout(5000) }).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return;
    if (Date.now() > until) throw new Error(`${base} not ready after ${timeoutMs} ms (last status ${status})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Waits for the process to end after a signal; one that has not ended after `timeoutMs` is killed
 * and the wait fails, saying what the node logged last (a hang then names itself instead of
 * running into the test's timeout).
 */
export async function exitedWithin(p: NodeProcess, timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), timeoutMs)));
  const end = await Promise.race([p.exited, late]);
  clearTimeout(timer);
  if (end !== 'late') return end;
  p.child.kill('SIGKILL');
  const tail = (s: string) => s.split('\n').slice(-8).join('\n');
  throw new Error(`the node had not exited ${timeoutMs} ms after the signal; its last lines:\n${tail(p.stdout())}\n${tail(p.stderr())}`);
}

/** Whether a TCP connection to the URL's port is refused. */
export function refused(base: string): Promise<boolean> {
  const { hostname, port } = new URL(base);
  return new Promise((r) => {
    const s = connect(Number(port), hostname);
    s.once('connect', () => (s.destroy(), r(false)));
    s.once('error', (e: NodeJS.ErrnoException) => r(e.code === 'ECONNREFUSED'));
  });
}

/** Live processes (not zombies) whose environment carries the marker. */
export function processesWithMarker(marker: string): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      if (readFileSync(`/proc/${pid}/environ`).includes(`MHN_TEST_MARK=${marker}\0`))
        out.push(`${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')}`);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return out;
}

/** Live child processes of `pid` whose command line matches (e.g. ffmpeg decoding frames: /^ffmpeg .* -f rawvideo /), as "PID COMMAND LINE". */
export function childrenRunning(pid: number, commandLine: RegExp): string[] {
  const out: string[] = [];
  for (const p of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state === 'Z' || Number(ppid) !== pid) continue;
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      if (commandLine.test(cmd)) out.push(`${p} ${cmd}`);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Child processes of `pid` named like one of `names` (e.g. ffmpeg while a video decodes). */
export function childrenNamed(pid: number, names: RegExp): string[] {
  const out: string[] = [];
  for (const p of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid && names.test(comm)) out.push(`${p} ${comm}`);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

export async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export { freePort } from '../../src/cli/free-port';

/** Image places taken at a node (decoding or waiting), from its metrics endpoint. */
export async function imagePlacesTaken(metricsUrl: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  const waiting = /^mhn_decode_slots_queued\{kind="image"\} (\d+)$/m.exec(text);
  const running = /^mhn_decode_slots_in_use\{kind="image"\} (\d+)$/m.exec(text);
  return Number(waiting?.[1] ?? Number.NaN) + Number(running?.[1] ?? Number.NaN);
}

/** A node with tokens (no DEV_AUTH) on a given database, ready (index loaded) when it resolves. */
export async function startReadyNode(env: Record<string, string>): Promise<NodeProcess & { base: string; stop(signal?: NodeJS.Signals): Promise<unknown> }> {
  const p = startNode({ DEV_AUTH: '0', NODE_ENV: 'test', ...env });
  const base = await p.url;
  try {
    await ready(base);
  } catch (e) {
    throw new Error(`${(e as Error).message}; the node wrote:\n${p.stdout()}\n${p.stderr()}`);
  }
  return {
    ...p,
    base,
    async stop(signal = 'SIGTERM') {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill(signal);
      return p.exited;
    },
  };
}

export interface Member {
  id: string;
  jwk: JWK;
}

/** Admits a client straight into a node's database (as the admin CLI does) and returns its key. */
export async function admit(databaseUrl: string, role: 'partner' | 'admin' | 'auditor' | 'peer', name: string): Promise<Member> {
  const db = await openDatabase(databaseUrl);
  try {
    const { publicKey, privateKey } = await generateKeyPair('EdDSA', { extractable: true });
    const registry = { auth: new SqlAuthStore(db.reader), ledger: new SqlLedger(db.writer), follower: NO_FOLLOWER, now: Date.now, newId: () => randomUUID() };
    const view = await createClient(registry, 'test', { role, name, jwk: await exportJWK(publicKey) });
    return { id: view.id, jwk: { ...(await exportJWK(privateKey)), kid: view.keys[0].kid, alg: 'EdDSA' } };
  } finally {
    await db.close();
  }
}

/** An access token from `node` for a client of the node whose issuer is `issuer`. */
export async function tokenFor(node: string, issuer: string, m: Member): Promise<string> {
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: await clientAssertion(`${issuer}/v1/oauth/token`, m.id, m.jwk),
  });
  const res = await fetch(`${node}/v1/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
  const body = await res.json();
  if (res.status !== 200) throw new Error(`token refused: ${res.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

/** ffmpeg decoding a video's frames (not its -version check); pdftoppm rendering a PDF's pages. */
export const DECODING_VIDEO = /^ffmpeg .* -f rawvideo /;
export const RENDERING_PDF = /^pdftoppm /;

/** Waits until the node `p` has an ffmpeg decoding a video and a pdftoppm rendering a PDF, both its children. */
export const decodersRunning = (p: NodeProcess): Promise<void> =>
  until(
    () => childrenRunning(p.child.pid!, DECODING_VIDEO).length > 0 && childrenRunning(p.child.pid!, RENDERING_PDF).length > 0,
    30_000,
    'ffmpeg and pdftoppm to run',
  );
