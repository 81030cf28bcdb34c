/**
 * /docs in Debian's Chromium (playwright-core, as the console's tests), against a real node process
 * (the production build), with every request to another origin blocked and recorded: the page, its
 * script and styles come from the node (swagger-ui-dist, pinned), it renders every operation of
 * /openapi.json, nothing is asked of any other origin, and no CSP violation or script error occurs.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, ownTempRoot } from '../console/browser';
import { ready, startNode, type NodeProcess } from '../support/node-process';

let temp: ReturnType<typeof ownTempRoot>;
let browser: Browser;
let p: NodeProcess;
let base: string;

beforeAll(async () => {
  temp = ownTempRoot();
  browser = await launchChromium();
  p = startNode();
  base = await p.url;
  await ready(base);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  p?.child.kill('SIGTERM');
  await p?.exited;
  temp?.restore();
});

describe('/docs, offline', () => {
  it('renders every operation from files the node serves, asking nothing of any other origin', async () => {
    const spec = (await (await fetch(`${base}/openapi.json`)).json()) as { paths: Record<string, Record<string, { summary?: string }>> };
    const operations = Object.values(spec.paths).flatMap((ops) => Object.keys(ops).filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m)));
    expect(operations.length).toBeGreaterThan(20);

    const origin = new URL(base).origin;
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const blocked: string[] = [];
    const served: { url: string; status: number }[] = [];
    const problems: string[] = [];
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(`${origin}/`) || url.startsWith('data:')) return route.continue();
      blocked.push(url);
      return route.abort('internetdisconnected');
    });
    context.on('response', (r) => served.push({ url: r.url(), status: r.status() }));
    const page = await context.newPage();
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    try {
      const res = await page.goto(`${base}/docs`);
      expect(res?.status()).toBe(200);
      expect(res?.headers()['content-security-policy']).toMatch(/default-src 'none'/);
      // Swagger UI draws one block per operation, each with its method and path.
      await page.locator('.opblock').first().waitFor({ timeout: 30_000 });
      await expect.poll(() => page.locator('.opblock').count(), { timeout: 30_000 }).toBe(operations.length);
      await expect(page.getByText('Get an access token (client credentials, private_key_jwt)').first().isVisible()).resolves.toBe(true);
      const paths = await page.locator('.opblock-summary-path').allTextContents();
      expect(paths.map((x) => x.replace(/\u200b/g, ''))).toContain('/v1/match');
      await page.screenshot({ path: `${temp.root}/docs.png` });

      expect(blocked).toEqual([]);
      expect(served.filter((r) => !r.url.startsWith(`${origin}/`)).map((r) => r.url)).toEqual([]);
      expect(served.map((r) => new URL(r.url).pathname)).toEqual(
        expect.arrayContaining(['/docs', '/docs/assets/swagger-ui-bundle.js', '/docs/assets/swagger-ui.css', '/docs/init.js', '/openapi.json']),
      );
      expect(served.filter((r) => r.status !== 200)).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);

  it('serves the bundle gzipped to browsers, and only the files it names', async () => {
    const gz = await fetch(`${base}/docs/assets/swagger-ui-bundle.js`, { headers: { 'accept-encoding': 'gzip' } });
    expect(gz.status).toBe(200);
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect(gz.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await gz.text()).length).toBeGreaterThan(1_000_000); // fetch inflates it
    for (const name of ['package.json', 'index.html', '..%2Fpackage.json', 'swagger-ui-bundle.js.map']) {
      const res = await fetch(`${base}/docs/assets/${name}`);
      expect(res.status, name).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
  });
});
