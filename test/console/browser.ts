/**
 * The console's browser tests' harness: Debian's Chromium driven by playwright-core (no browser
 * download), a real node on 127.0.0.1 with a fresh database, members with real key files, and a
 * record of every request the browser makes.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { buildApp } from '../../src/http/app';
import { loadConfig } from '../../src/runtime/node/config';
import { createNodeRuntime, type NodeRuntime } from '../../src/runtime/node/deps';
import { createClient } from '../../src/services/clients';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * A temp root of the browser tests' own, outside the system temp folder, made the process's temp
 * folder while they run (os.tmpdir() reads TMPDIR; each test file runs in its own process): Chromium's
 * profile and caches, playwright's artifacts and the test node's database go there. Other tests scan
 * every new file in the system temp folder for traces of their uploads (test/support/scan.ts), and
 * a browser's hundreds of cache files would only slow them down. Removed by `restore`.
 */
export function ownTempRoot(): { root: string; restore(): void } {
  const base = process.env.CONSOLE_TEST_TMPDIR ?? '/var/tmp';
  const root = mkdtempSync(join(existsSync(base) ? base : tmpdir(), 'mhn-console-'));
  const before = process.env.TMPDIR;
  process.env.TMPDIR = root;
  return {
    root,
    restore() {
      if (before === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = before;
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Chromium as this machine runs it (flags: .library notes; no sandbox as root, no network chatter). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `the console's browser tests need Chromium at ${CHROMIUM} (Debian/Ubuntu: apt-get install chromium; .ci/run installs it), or CHROMIUM_PATH naming another build`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface TestNode {
  rt: NodeRuntime;
  url: string;
  dir: string;
  close(): Promise<void>;
}

/** A node listening on a free port, its PUBLIC_URL that address (bound first, then started). */
export async function startNode(dir: string): Promise<TestNode> {
  mkdirSync(dir, { recursive: true });
  let app: { fetch: (req: Request) => Response | Promise<Response> } | undefined;
  const server: ServerType = serve({ fetch: (req) => (app ? app.fetch(req) : new Response(null, { status: 503 })), port: 0, hostname: '127.0.0.1' });
  await new Promise((r) => server.once('listening', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const rt = await createNodeRuntime(
    loadConfig({
      DATABASE_URL: `file:${join(dir, 'node.db')}`,
      NODE_SECRET_FILE: join(dir, 'node.secret'),
      RATE_LIMIT_PER_SECOND: '0',
      TREE_HEAD_INTERVAL_MS: '0',
      PUBLIC_URL: url,
    }),
  );
  await rt.indexLoaded;
  app = buildApp(rt.deps);
  return {
    rt,
    url,
    dir,
    async close() {
      await new Promise((r) => server.close(r));
      rt.close();
    },
  };
}

export interface Member {
  id: string;
  name: string;
  privateJwk: JWK;
  /** The key file, in the shape `npm run admin -- client add --json` prints. */
  keyFile: string;
}

export async function member(node: TestNode, role: 'partner' | 'admin' | 'auditor', name: string): Promise<Member> {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { extractable: true });
  const view = await createClient(node.rt.deps, 'test-setup', { role, name, jwk: await exportJWK(publicKey) });
  const privateJwk = { ...(await exportJWK(privateKey)), kid: view.keys[0].kid, alg: 'EdDSA' };
  const keyFile = join(node.dir, `${name.replace(/\W+/g, '-')}.json`);
  writeFileSync(keyFile, JSON.stringify({ clientId: view.id, role, name, privateJwk }));
  return { id: view.id, name, privateJwk, keyFile };
}

export interface Sent {
  url: string;
  method: string;
  body: Buffer | null;
}

/** A browser context whose every request (page and workers) is kept, and whose console errors fail the test. */
export async function recordedContext(browser: Browser, sent: Sent[], problems: string[], viewport = { width: 1280, height: 900 }): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  context.on('request', (r) => sent.push({ url: r.url(), method: r.method(), body: r.postDataBuffer() }));
  context.on('page', (p) => watch(p, problems));
  return context;
}

function watch(page: Page, problems: string[]): void {
  page.on('console', (m) => {
    // A refused request shows as a console error too; refusals are part of the tests (a suspended
    // member), the CSP reports and script errors are not.
    if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of (4\d\d)/.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', (d) => void d.accept());
}

/** Signs in through the form with a key file. */
export async function signInWithFile(page: Page, url: string, keyFile: string, remember = false): Promise<void> {
  await page.goto(`${url}/console`);
  await page.getByLabel('Private key file (JSON)').setInputFiles(keyFile);
  if (remember) await page.getByLabel(/Remember this key/).check();
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByText(/^Signed in as/).waitFor();
}

/** Controls without an accessible name: every input, select, textarea and button must have one. */
export async function unlabelledControls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    for (const el of Array.from(document.querySelectorAll('input, select, textarea, button'))) {
      const e = el as HTMLInputElement;
      if (e.type === 'hidden') continue;
      const named =
        (e.labels && e.labels.length > 0) ||
        e.getAttribute('aria-label') ||
        e.getAttribute('aria-labelledby') ||
        (el.tagName === 'BUTTON' && el.textContent!.trim());
      if (!named) out.push(el.outerHTML.slice(0, 120));
    }
    return out;
  });
}

/** Whether the page scrolls sideways (it must not, at 400 % zoom: a 320 CSS px viewport). */
export const overflowsSideways = (page: Page): Promise<boolean> =>
  page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth + 1);
