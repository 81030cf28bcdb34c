/**
 * The media is never stored: after uploads through every media route, no 64-byte run of any
 * uploaded file is found in the database files, the data folder or anything new in the temp folder.
 *
 * Search: any 64-byte run of an upload contains one of the upload's 32-byte blocks that start at a
 * multiple of 32. Those blocks are keyed by their first 4 bytes; every offset of every scanned file is
 * looked up, and a hit is confirmed by comparing the full 64 bytes around it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../support/app';
import { noiseImage } from '../support/images';
import { blockIndex, findRun, ownTmpdir, scanForUploads } from '../support/scan';
import { magazine, makePdf, prose } from '../support/pdf';

// What this node and ffmpeg write goes to a temp folder of this file's own, which the scans read.
ownTmpdir();

let t: TestApp;
const started = Date.now();
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(() => t.close());

describe('the media is never stored', () => {
  it('finds the search working on a file that does hold the upload (the check can fail)', async () => {
    const upload = await noiseImage('png', 64, 64, 99);
    const planted = Buffer.concat([Buffer.alloc(100, 7), upload.subarray(10, 80), Buffer.alloc(50, 1)]);
    expect(findRun(planted, blockIndex(upload))).toBeGreaterThanOrEqual(0);
    expect(findRun(Buffer.concat([upload.subarray(10, 70)]), blockIndex(upload))).toBe(-1); // 60 bytes: not a 64-byte run
  });

  it('leaves no 64-byte run of any upload in the database, the data folder or new temp files', async () => {
    const uploads = await Promise.all([noiseImage('png', 96, 96, 11), noiseImage('jpeg', 120, 90, 12), noiseImage('webp', 80, 80, 13)]);
    for (const [i, bytes] of uploads.entries()) {
      const type = ['image/png', 'image/jpeg', 'image/webp'][i];
      const r1 = await t.request('/v1/hash', { method: 'POST', headers: { 'content-type': type }, body: new Uint8Array(bytes) });
      expect(r1.status).toBe(200);
      const r2 = await t.request('/v1/match/media', { method: 'POST', headers: { 'content-type': type }, body: new Uint8Array(bytes) });
      expect(r2.status).toBe(200);
      const form = new FormData();
      form.set('file', new Blob([new Uint8Array(bytes)], { type }), `upload-${i}`);
      form.set('labels', 'attack-footage');
      const r3 = await t.request('/v1/hashes/media', { method: 'POST', body: form });
      expect(r3.status).toBe(201);
      const hma = new FormData();
      hma.set('photo', new Blob([new Uint8Array(bytes)], { type }), `upload-${i}`);
      const r4 = await t.request('/compat/hma/m/lookup', { method: 'POST', body: hma });
      expect(r4.status).toBe(200);
    }
    // Checkpoint nothing away: scan the main file and the WAL as they are.
    const { files, holding, scanned } = scanForUploads(t.dir, started, uploads);
    expect(files).toContain(t.dbFile);
    expect(holding).toEqual([]);
    expect(scanned).toBeGreaterThan(4096);
  });

  it('leaves no 64-byte run of any PDF or text uploaded (poppler reads them from stdin, writes nothing)', async () => {
    const pdf = Buffer.from(await makePdf(magazine(77, 3)));
    const text = Buffer.from(prose(78, 3000), 'utf8');
    for (const [bytes, type] of [
      [pdf, 'application/pdf'],
      [text, 'text/plain'],
    ] as const) {
      const body = new Uint8Array(bytes);
      const r1 = await t.request('/v1/hash', { method: 'POST', headers: { 'content-type': type }, body });
      expect(r1.status).toBe(200);
      const r2 = await t.request('/v1/match/media', { method: 'POST', headers: { 'content-type': type }, body });
      expect(r2.status).toBe(200);
      const form = new FormData();
      form.set('file', new Blob([body], { type }), 'upload');
      form.set('labels', 'manifesto');
      const r3 = await t.request('/v1/hashes/media', { method: 'POST', body: form });
      expect(r3.status).toBe(201);
    }
    const { holding, scanned } = scanForUploads(t.dir, started, [pdf, text]);
    expect(holding).toEqual([]);
    expect(scanned).toBeGreaterThan(4096);
  });
});
