/**
 * The hash pool (runtime/node/hash-pool): the same hashes as the calling thread on real images, the
 * pixels moved to the thread (the caller's buffer is emptied, not copied), the digests equal
 * node:crypto's, a fixed set of threads however many jobs, and the main thread free while a thread
 * hashes (a timer fires before a large image's hashes come back, which cannot happen in-thread).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { buildHashKernels } from '../../src/core/kernels';
import { inThread, type Pixels } from '../../src/core/pixel-tasks';
import { HashPool, imageMemoryBudget } from '../../src/runtime/node/hash-pool';
import { imageWorkSettings, loadConfig } from '../../src/runtime/node/config';
import { SharpImageDecoder } from '../../src/runtime/node/image';
import { conformancePath } from '../support/conformance';
import { noiseImage, patternImage } from '../support/images';

const pool = new HashPool({ threads: 2 });
afterAll(() => pool.close());
const here = inThread(buildHashKernels());
const decoder = new SharpImageDecoder({ maxPixels: 50_000_000 });

async function pixelsOf(bytes: Uint8Array): Promise<Pixels> {
  const img = await decoder.decode(bytes);
  return { rgba: img.rgba, width: img.width, height: img.height };
}

const copy = (p: Pixels): Pixels => ({ ...p, rgba: p.rgba.slice() });

describe('the hash pool', () => {
  it('gives the hashes of the calling thread on the conformance JPEGs and on odd sizes, plain and dihedral', async () => {
    const dir = conformancePath('blockhash');
    const files = readdirSync(dir).filter((f) => f.endsWith('.jpg'));
    expect(files.length).toBeGreaterThan(5);
    const images = [
      ...files.map((f) => new Uint8Array(readFileSync(`${dir}/${f}`))),
      await noiseImage('png', 1001, 17),
      await patternImage('jpeg', 1919, 1081),
    ];
    for (const bytes of images) {
      const p = await pixelsOf(bytes);
      for (const dihedral of [false, true]) {
        const want = await here.run('imageHashes', copy(p), { dihedral });
        const got = await pool.pixels.run('imageHashes', copy(p), { dihedral });
        expect(got).toEqual(want);
        expect(got.variants?.pdq.length ?? 0).toBe(dihedral ? 8 : 0);
      }
    }
  });

  it('computes the robust regions in the thread (issue 14): the same as the calling thread, crops at enrolment only', async () => {
    // A photo-like pattern inside a white border: the trimmed region exists on both sides.
    const bordered = await sharp(await patternImage('png', 400, 300, 3))
      .extend({ top: 40, bottom: 40, left: 40, right: 40, background: '#ffffff' })
      .png()
      .toBuffer();
    const p = await pixelsOf(new Uint8Array(bordered));
    for (const robust of ['enrol', 'query'] as const) {
      const want = await here.run('imageHashes', copy(p), { dihedral: true, robust });
      const got = await pool.pixels.run('imageHashes', copy(p), { dihedral: true, robust });
      expect(got).toEqual(want);
      const names = got.robust?.regions.map((r) => r.variant) ?? [];
      expect(names).toContain('trim');
      expect(names.some((n) => n.startsWith('crop-'))).toBe(robust === 'enrol');
      expect(got.robust?.blockhashQuality).toBeGreaterThan(0);
    }
    expect((await pool.pixels.run('imageHashes', copy(p), { dihedral: false })).robust).toBeUndefined();
  });

  it("moves the pixels to the thread: the caller's buffer is emptied, a view into a larger buffer is copied and left as it was", async () => {
    const p = await pixelsOf(await patternImage('png', 640, 480));
    const bytes = p.rgba.byteLength;
    await pool.pixels.run('imageHashes', p, { dihedral: false });
    expect(p.rgba.byteLength).toBe(0);
    expect(bytes).toBe(640 * 480 * 4);

    const q = await pixelsOf(await patternImage('png', 64, 48));
    const big = new Uint8Array(q.rgba.byteLength + 8);
    big.set(q.rgba, 8);
    const view = { ...q, rgba: big.subarray(8) };
    expect(await pool.pixels.run('imageHashes', view, { dihedral: false })).toEqual(await here.run('imageHashes', q, { dihedral: false }));
    expect(view.rgba.byteLength).toBe(64 * 48 * 4);
  });

  it("digests as node:crypto does, leaving the caller's bytes in place", async () => {
    const bytes = new Uint8Array(await noiseImage('jpeg', 300, 200));
    const { md5, sha256 } = await pool.digests.digest(bytes);
    expect(md5).toBe(createHash('md5').update(bytes).digest('hex'));
    expect(sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(bytes.byteLength).toBeGreaterThan(0);
    expect(await pool.digests.digest(new Uint8Array(0))).toEqual({ md5: createHash('md5').digest('hex'), sha256: createHash('sha256').digest('hex') });
  });

  it("decodes and hashes an upload in one job: the calling thread's decode, hashes and digests; the decoder's errors as DomainErrors", async () => {
    const images = pool.images(50_000_000);
    const uploads = [
      new Uint8Array(readFileSync(`${conformancePath('blockhash')}/${readdirSync(conformancePath('blockhash')).find((f) => f.endsWith('.jpg'))}`)),
      await noiseImage('png', 1001, 17),
      await noiseImage('webp', 640, 480),
    ];
    for (const bytes of uploads) {
      const img = await decoder.decode(bytes);
      for (const opts of [{ dihedral: false }, { dihedral: true, robust: 'query' as const }]) {
        const got = await images.hash(bytes, opts);
        expect(got.hashes).toEqual(await here.run('imageHashes', { rgba: img.rgba.slice(), width: img.width, height: img.height }, opts));
        expect(got.media).toEqual({ width: img.width, height: img.height, format: img.format });
        expect(got.digests).toEqual({ md5: createHash('md5').update(bytes).digest('hex'), sha256: createHash('sha256').update(bytes).digest('hex') });
        expect(bytes.byteLength).toBeGreaterThan(0); // the caller keeps its bytes
      }
    }
    const jpeg = await patternImage('jpeg', 640, 480);
    await expect(images.hash(jpeg.subarray(0, 600), { dihedral: false })).rejects.toMatchObject({
      name: 'DomainError',
      code: 'corrupt_media',
      cause: { message: expect.stringMatching(/\S/) }, // sharp's words, for the log
    });
    await expect(pool.images(1000).hash(jpeg, { dihedral: false })).rejects.toMatchObject({
      code: 'image_too_large',
      extra: { width: 640, height: 480, maxPixels: 1000 },
    });
    await expect(images.hash(new TextEncoder().encode('not an image at all'), { dihedral: false })).rejects.toMatchObject({ code: 'unsupported_media_type' });
  });

  it('keeps its two threads through many jobs at once', async () => {
    const p = await pixelsOf(await patternImage('jpeg', 320, 240));
    const want = await here.run('imageHashes', copy(p), { dihedral: true });
    const got = await Promise.all(Array.from({ length: 40 }, () => pool.pixels.run('imageHashes', copy(p), { dihedral: true })));
    for (const g of got) expect(g).toEqual(want);
    expect(pool.load().threads).toBe(2);
  });

  it('leaves the main thread free while a thread hashes a large image', async () => {
    const p = await pixelsOf(await patternImage('jpeg', 4000, 3000));
    const events: string[] = [];
    const ticks = (async () => {
      for (let i = 0; i < 3; i++) await new Promise((r) => setTimeout(r, 1));
      events.push('timers');
    })();
    const hashed = pool.pixels.run('imageHashes', copy(p), { dihedral: true }).then(() => events.push('hashed'));
    await Promise.all([ticks, hashed]);
    expect(events).toEqual(['timers', 'hashed']);
    // The calling thread cannot: its timers wait for the hash.
    const inline: string[] = [];
    const t = new Promise((r) => setTimeout(r, 1)).then(() => inline.push('timer'));
    await here.run('imageHashes', copy(p), { dihedral: true }).then(() => inline.push('hashed'));
    await t;
    expect(inline).toEqual(['hashed', 'timer']);
  });

  it('the memory budget is the one README states, for the defaults on 2 cores and for 12 Mpx photographs', () => {
    const c = loadConfig({});
    const work = imageWorkSettings(c, 2);
    expect(work).toEqual({ threads: 2, concurrency: 2, queue: 8 });
    const mib = (b: number) => Math.round(b / 2 ** 20);
    expect(mib(imageMemoryBudget({ ...work, maxBodyBytes: c.MAX_BODY_BYTES, maxImagePixels: c.MAX_IMAGE_PIXELS }).bytes)).toBe(2407);
    expect(mib(imageMemoryBudget({ ...work, maxBodyBytes: 8 * 2 ** 20, maxImagePixels: 12_000_000 }).bytes)).toBe(837);
    expect(imageWorkSettings(loadConfig({ HASH_THREADS: '0', IMAGE_CONCURRENCY: '5', IMAGE_QUEUE: '0' }), 8)).toEqual({ threads: 0, concurrency: 5, queue: 0 });
    expect(imageWorkSettings(c, 1)).toEqual({ threads: 1, concurrency: 2, queue: 8 });
    // Bad values are named at start-up.
    expect(() => loadConfig({ HASH_THREADS: '-1', IMAGE_CONCURRENCY: '0', HASH_THREAD_NICE: '20' })).toThrow(
      'invalid configuration: HASH_THREADS="-1": must be a whole number from 0 to 256; HASH_THREAD_NICE="20": must be a whole number from 0 to 19; IMAGE_CONCURRENCY="0": must be a whole number from 1 to 256',
    );
  });

  it('runs its threads at a lower priority when asked (niceIncrement, Linux: per thread)', async () => {
    const niceOf = () =>
      readdirSync('/proc/self/task').map((tid) => {
        const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
      });
    const own = niceOf()[0];
    const before = niceOf().filter((n) => n === own + 3).length;
    const niced = new HashPool({ threads: 1, niceIncrement: 3 });
    try {
      const p = await pixelsOf(await patternImage('png', 64, 48));
      await niced.pixels.run('imageHashes', p, { dihedral: false });
      // The thread (and any thread it started since) runs at +3.
      expect(niceOf().filter((n) => n === own + 3).length).toBeGreaterThan(before);
    } finally {
      await niced.close();
    }
  });
});
