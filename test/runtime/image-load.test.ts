/**
 * Images under load, on a real node process (dist/, as `npm start` runs it): 48 clients post a
 * 12-megapixel JPEG at once to /v1/match/media. Every answer is 200 or 503 `busy` with Retry-After
 * (never a 500 or a reset connection), the process's peak resident set (VmHWM) stays within the
 * documented budget above its idle size (README, "Images under load"), and /health and a
 * single-hash /v1/match answer while the image slots and the hash pool are saturated. A node with
 * HASH_THREADS=0 (hashing on the main thread) gives the same hashes.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageMemoryBudget } from '../../src/runtime/node/hash-pool';
import { patternImage } from '../support/images';
import { ready, startNode, type NodeProcess } from '../support/node-process';

const SETTINGS = { threads: 2, concurrency: 2, queue: 8, maxBodyBytes: 8 * 2 ** 20, maxImagePixels: 12_000_000 };
const env = {
  HASH_THREADS: String(SETTINGS.threads),
  IMAGE_CONCURRENCY: String(SETTINGS.concurrency),
  IMAGE_QUEUE: String(SETTINGS.queue),
  MAX_BODY_BYTES: String(SETTINGS.maxBodyBytes),
  MAX_IMAGE_PIXELS: String(SETTINGS.maxImagePixels),
  RATE_LIMIT_PER_SECOND: '0',
};

const kib = (pid: number, field: 'VmHWM' | 'VmRSS') =>
  Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) * 1024;

let node: NodeProcess;
let base: string;
let jpeg: Uint8Array<ArrayBuffer>;
beforeAll(async () => {
  [node, jpeg] = [startNode(env), new Uint8Array(await patternImage('jpeg', 4000, 3000))];
  base = await node.url;
  await ready(base);
}, 60_000);
afterAll(async () => {
  node.child.kill('SIGTERM');
  await node.exited;
});

const auth = { authorization: 'Dev load-partner partner' };
const upload = () =>
  fetch(`${base}/v1/match/media`, { method: 'POST', headers: { ...auth, 'content-type': 'image/jpeg' }, body: jpeg }).then(
    async (r) => ({ status: r.status, retryAfter: r.headers.get('retry-after'), body: await r.json() }),
    (e: unknown) => ({ status: 0, retryAfter: null, body: { error: String(e) } }),
  );

describe('48 concurrent 12-megapixel uploads', () => {
  it('answer 200 or 503 busy, within the memory budget, while /health and /v1/match answer', async () => {
    const pid = node.child.pid ?? 0;
    const idle = kib(pid, 'VmRSS');
    const budget = imageMemoryBudget(SETTINGS).bytes;
    let done = 0;
    const uploads = Array.from({ length: 48 }, () => upload().finally(() => done++));
    // While they run: the routes that do no image work answer.
    await new Promise((r) => setTimeout(r, 200));
    const health = await fetch(`${base}/health`);
    const match = await fetch(`${base}/v1/match`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ hashes: [{ type: 'pdq', value: 'e3'.repeat(32) }] }),
    });
    const pendingThen = 48 - done;
    expect(health.status).toBe(200);
    expect(match.status).toBe(200);
    expect((await match.json()).results[0].matches).toEqual([]);
    // They answered while image work was still in flight (the pool saturated), not after it.
    expect(pendingThen).toBeGreaterThan(0);

    const answers = await Promise.all(uploads);
    const by = (s: number) => answers.filter((a) => a.status === s);
    expect(answers.filter((a) => a.status !== 200 && a.status !== 503)).toEqual([]);
    for (const a of by(503)) {
      expect(a.body).toMatchObject({ code: 'busy', detail: expect.stringMatching(/2 image decodes at once and 8 waiting/) });
      expect(a.retryAfter).toBe('5');
    }
    // The slots and their queue took ten; others may have come in as places freed.
    expect(by(200).length).toBeGreaterThanOrEqual(SETTINGS.concurrency + SETTINGS.queue);
    expect(by(503).length).toBeGreaterThan(0);
    const hashes = new Set(by(200).map((a) => JSON.stringify(a.body.hashes)));
    expect(hashes.size).toBe(1);

    const peak = kib(pid, 'VmHWM');
    if (process.env.SHOW_FIGURES)
      console.log({ idle: idle >> 20, peak: peak >> 20, budget: budget >> 20, ok: by(200).length, busy: by(503).length, pendingThen });
    expect(peak, `idle ${idle >> 20} MiB, peak ${peak >> 20} MiB, budget ${budget >> 20} MiB above idle`).toBeLessThanOrEqual(idle + budget);
    // The places are all given back.
    const again = await upload();
    expect(again.status).toBe(200);
    expect(again.body.hashes).toEqual(by(200)[0].body.hashes);
  }, 120_000);
});

describe('HASH_THREADS=0', () => {
  it('hashes on the main thread, with the same hashes as the pool', async () => {
    const inThread = startNode({ ...env, HASH_THREADS: '0' });
    try {
      const url = await inThread.url;
      await ready(url);
      const image = new Uint8Array(await patternImage('jpeg', 1920, 1080, 1));
      const post = async (at: string) =>
        (await fetch(`${at}/v1/hash`, { method: 'POST', headers: { ...auth, 'content-type': 'image/jpeg' }, body: image })).json();
      const [mine, pooled] = await Promise.all([post(url), post(base)]);
      expect(mine.hashes.pdq.value).toMatch(/^[0-9a-f]{64}$/);
      expect(mine).toEqual(pooled);
    } finally {
      inThread.child.kill('SIGTERM');
      await inThread.exited;
    }
  }, 60_000);
});
