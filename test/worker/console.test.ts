/** The web console from the worker entry inside workerd: the same page, files and headers as on Node. */
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { CONSOLE_CSP } from '../../src/http/console/headers';

const worker = (exports as any).default as { fetch(input: string, init?: RequestInit): Promise<Response> };
const BASE = 'https://node.example';

describe('GET /console on Workers', () => {
  it('serves the page and every file it names, under the console CSP', async () => {
    const res = await worker.fetch(`${BASE}/console`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const html = await res.text();
    const files = [...html.matchAll(/"(\/console\/assets\/[^"]+)"/g)].map((m) => m[1]);
    expect(files).toHaveLength(3);
    for (const f of files) {
      const r = await worker.fetch(`${BASE}${f}`);
      expect(r.status, f).toBe(200);
      expect(r.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
      expect((await r.text()).length).toBeGreaterThan(1000);
    }
  });
});
