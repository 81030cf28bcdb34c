/**
 * GET /console and its files, in process: the Content-Security-Policy and the other headers on every
 * console response, a page with no inline script or style and nothing from another origin, files
 * cached by content hash, unknown files 404 as problem+json, and the route in /openapi.json.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsole } from '../../src/console/build';
import { CONSOLE_CSP } from '../../src/http/console/headers';
import { makeTestApp, type TestApp } from '../support/app';

let t: TestApp;

beforeAll(async () => {
  await buildConsole();
  t = await makeTestApp();
});
afterAll(() => t.close());

/** The CSP as a map of directive -> sources. */
const directives = (csp: string) =>
  new Map(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .map(([k, ...v]) => [k, v]),
  );

describe('the console is served by the node', () => {
  it('GET /console: HTML whose scripts and styles are files of its own, under a strict CSP', async () => {
    const res = await t.app.request('/console');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = directives(res.headers.get('content-security-policy') ?? '');
    expect(csp.get('default-src')).toEqual(["'none'"]);
    expect(csp.get('script-src')).toEqual(["'self'", "'wasm-unsafe-eval'"]);
    expect(csp.get('style-src')).toEqual(["'self'"]);
    expect(csp.get('connect-src')).toEqual(["'self'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    expect(csp.get('base-uri')).toEqual(["'none'"]);
    expect(csp.get('form-action')).toEqual(["'none'"]);
    for (const sources of csp.values())
      expect(sources.filter((s) => /unsafe-inline|unsafe-eval'|\*|https?:|data:/.test(s) && s !== "'wasm-unsafe-eval'")).toEqual([]);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');

    const html = await res.text();
    // Every script has a src under /console/assets; no inline script, handler or style.
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, body] of scripts) {
      expect(attrs).toMatch(/src="\/console\/assets\/[\w-]+\.js"/);
      expect(body.trim()).toBe('');
    }
    expect(html).not.toMatch(/<style[\s>]|\sstyle=|\son\w+=|="javascript:/i);
    expect(html).not.toMatch(/(src|href|content)="(https?:)?\/\//);
    expect((await t.app.request('/console/')).status).toBe(200);
  });

  it('every file the page names is served with the same headers, cached for good; nothing else is', async () => {
    const html = await (await t.app.request('/console')).text();
    const files = [...html.matchAll(/"(\/console\/assets\/[^"]+)"/g)].map((m) => m[1]);
    expect(files.map((f) => f.replace(/-\w+\./, '.'))).toEqual(
      expect.arrayContaining(['/console/assets/hash-worker.js', '/console/assets/style.css', '/console/assets/app.js']),
    );
    for (const f of files) {
      const res = await t.app.request(f);
      expect(res.status, f).toBe(200);
      expect(res.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
      expect(res.headers.get('cache-control')).toContain('immutable');
      expect(res.headers.get('content-type')).toMatch(f.endsWith('.css') ? /^text\/css/ : /^text\/javascript/);
      const body = await res.text();
      // No other origin is loaded: no import or fetch of an absolute URL in the bundles.
      expect(body).not.toMatch(/\bimport\s*\(\s*["']https?:|\bfrom\s*["']https?:|fetch\(\s*["']https?:|@import|url\(\s*["']?https?:/);
    }
    const missing = await t.app.request('/console/assets/nope.js');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
    expect((await missing.json()).code).toBe('not_found');
    expect((await t.app.request('/console/assets/constructor')).status).toBe(404);
  });

  it('is described in /openapi.json', async () => {
    const doc = await (await t.app.request('/openapi.json')).json();
    expect(doc.paths['/console'].get.summary).toBe('The web console');
  });
});
