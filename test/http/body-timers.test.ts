/**
 * The body reader's clocks, in process (the web-stream path): a body whose stream fails mid-way (a
 * connection reset) leaves no timer armed behind it (a review found one left for up to
 * BODY_IDLE_TIMEOUT_MS each time).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../support/app';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp({ BODY_IDLE_TIMEOUT_MS: '600000', BODY_TIMEOUT_MS: '3600000' });
});
afterAll(() => t.close());

const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

it('a body whose stream fails (a connection reset) leaves no timer behind', async () => {
  const before = timers();
  for (let i = 0; i < 5; i++) {
    let n = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(ctrl) {
        if (n++ === 0) ctrl.enqueue(new Uint8Array(10));
        else ctrl.error(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
      },
    });
    const res = await t.request('/v1/hash', { method: 'POST', headers: { 'content-type': 'image/png' }, body: stream, duplex: 'half' } as RequestInit);
    await res.arrayBuffer();
  }
  const after = timers();
  expect(after).toBeLessThanOrEqual(before);
});
