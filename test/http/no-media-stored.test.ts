/**
 * The media is never stored: after uploads through every media route, no 64-byte run of any
 * uploaded file is found in the database files, the data folder or anything new in the temp folder.
 *
 * Search: any 64-byte run of an upload contains one of the upload's 32-byte blocks that start at a
 * multiple of 32. Those blocks are keyed by their first 4 bytes; every offset of every scanned file is
 * looked up, and a hit is confirmed by comparing the full 64 bytes around it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../support/app';
import { noiseImage } from '../support/images';

let t: TestApp;
const started = Date.now();
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(() => t.close());

function findRun(haystack: Buffer, upload: Buffer, blocks: Map<number, number[]>): number {
  for (let i = 0; i + 32 <= haystack.length; i++) {
    const offs = blocks.get(haystack.readUInt32LE(i));
    if (!offs) continue;
    for (const o of offs) {
      if (!haystack.subarray(i, i + 32).equals(upload.subarray(o, o + 32))) continue;
      // Extend both ways: is there a 64-byte common run through this block?
      let left = 0;
      while (left < 32 && i - left - 1 >= 0 && o - left - 1 >= 0 && haystack[i - left - 1] === upload[o - left - 1]) left++;
      let right = 0;
      while (i + 32 + right < haystack.length && o + 32 + right < upload.length && haystack[i + 32 + right] === upload[o + 32 + right] && right < 32) right++;
      if (left + 32 + right >= 64) return i;
    }
  }
  return -1;
}

function blockIndex(upload: Buffer): Map<number, number[]> {
  const m = new Map<number, number[]>();
  for (let o = 0; o + 32 <= upload.length; o += 32) {
    const k = upload.readUInt32LE(o);
    m.set(k, [...(m.get(k) ?? []), o]);
  }
  return m;
}

function filesUnder(dir: string, since: number, depth = 0): string[] {
  const out: string[] = [];
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    try {
      if (e.isDirectory() && depth < 4) out.push(...filesUnder(p, since, depth + 1));
      else if (e.isFile()) {
        const st = statSync(p);
        if (st.mtimeMs >= since - 1000 && st.size < 512 * 1024 * 1024) out.push(p);
      }
    } catch {
      /* vanished or unreadable: not ours */
    }
  }
  return out;
}

describe('the media is never stored', () => {
  it('finds the search working on a file that does hold the upload (the check can fail)', async () => {
    const upload = await noiseImage('png', 64, 64, 99);
    const planted = Buffer.concat([Buffer.alloc(100, 7), upload.subarray(10, 80), Buffer.alloc(50, 1)]);
    expect(findRun(planted, upload, blockIndex(upload))).toBeGreaterThanOrEqual(0);
    expect(findRun(Buffer.concat([upload.subarray(10, 70)]), upload, blockIndex(upload))).toBe(-1); // 60 bytes: not a 64-byte run
  });

  it('leaves no 64-byte run of any upload in the database, the data folder or new temp files', async () => {
    const uploads = await Promise.all([noiseImage('png', 96, 96, 11), noiseImage('jpeg', 120, 90, 12), noiseImage('webp', 80, 80, 13)]);
    for (const [i, bytes] of uploads.entries()) {
      const type = ['image/png', 'image/jpeg', 'image/webp'][i];
      const r1 = await t.request('/v1/hash', { method: 'POST', headers: { 'content-type': type }, body: bytes });
      expect(r1.status).toBe(200);
      const r2 = await t.request('/v1/match/media', { method: 'POST', headers: { 'content-type': type }, body: bytes });
      expect(r2.status).toBe(200);
      const form = new FormData();
      form.set('file', new Blob([bytes], { type }), `upload-${i}`);
      form.set('labels', 'attack-footage');
      const r3 = await t.request('/v1/hashes/media', { method: 'POST', body: form });
      expect(r3.status).toBe(201);
    }
    // Checkpoint nothing away: scan the main file and the WAL as they are.
    const files = [...new Set([...filesUnder(t.dir, 0), ...filesUnder(tmpdir(), started)])];
    expect(files).toContain(t.dbFile);
    let scanned = 0;
    for (const f of files) {
      let data: Buffer;
      try {
        data = readFileSync(f);
      } catch {
        continue;
      }
      scanned += data.length;
      for (const u of uploads) expect(findRun(data, u, blockIndex(u)), `${f} holds a run of an upload`).toBe(-1);
    }
    expect(scanned).toBeGreaterThan(4096);
  });
});
