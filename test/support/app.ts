/**
 * Builds the real app the way src/main.node.ts does (libsql file database, sharp, migrations),
 * in a fresh temp folder, with a fixed clock the test can move.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../../src/http/app';
import type { Authenticator } from '../../src/http/env';
import { loadConfig } from '../../src/runtime/node/config';
import { createNodeRuntime, type NodeRuntime } from '../../src/runtime/node/deps';

export class TestClock {
  constructor(public t = Date.UTC(2026, 10, 21, 12, 0, 0)) {}
  now = () => this.t;
  advance(ms: number) {
    this.t += ms;
  }
}

export interface TestApp {
  app: ReturnType<typeof buildApp>;
  rt: NodeRuntime;
  dir: string;
  dbFile: string;
  clock: TestClock;
  close(): void;
}

export async function makeTestApp(env: Record<string, string> = {}, opts: { authenticator?: Authenticator } = {}): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'mhn-test-'));
  const dbFile = join(dir, 'node.db');
  const config = loadConfig({ DATABASE_URL: `file:${dbFile}`, DEV_AUTH: '1', NODE_ENV: 'test', ...env });
  const clock = new TestClock();
  const rt = await createNodeRuntime(config, { now: clock.now, authenticator: opts.authenticator });
  await rt.indexLoaded;
  const app = buildApp(rt.deps, { onInternalError: (e) => console.error(e) });
  return {
    app,
    rt,
    dir,
    dbFile,
    clock,
    close() {
      rt.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** JSON request helper. */
export function json(method: string, body: unknown, headers: Record<string, string> = {}): RequestInit {
  return { method, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}
