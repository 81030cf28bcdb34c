/**
 * Looking for uploaded bytes where they must not be (test/http/no-media-stored.test.ts explains the
 * search): any 64-byte run of an upload contains one of its 32-byte blocks that start at a multiple
 * of 32; blocks are keyed by their first 4 bytes and a hit is confirmed on the full 64 bytes.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync, type Dirent } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Block {
  upload: Buffer;
  offset: number;
}

/**
 * The 32-byte blocks of the uploads, keyed by their first 4 bytes. Blocks with fewer than 8 distinct
 * bytes (zero padding, runs of one value: container filler in videos) are left out: a database holds
 * such runs of its own, and they say nothing about the upload.
 */
export function blockIndex(...uploads: Buffer[]): Map<number, Block[]> {
  const m = new Map<number, Block[]>();
  for (const upload of uploads) {
    for (let offset = 0; offset + 32 <= upload.length; offset += 32) {
      if (new Set(upload.subarray(offset, offset + 32)).size < 8) continue;
      const k = upload.readUInt32LE(offset);
      const list = m.get(k);
      if (list) list.push({ upload, offset });
      else m.set(k, [{ upload, offset }]);
    }
  }
  return m;
}

/** A bit per low 24 bits of the blocks' keys: most positions of a haystack are passed over on one bit test. */
const filters = new WeakMap<Map<number, Block[]>, Uint8Array>();
function filterOf(blocks: Map<number, Block[]>): Uint8Array {
  let f = filters.get(blocks);
  if (!f) {
    f = new Uint8Array(1 << 21);
    for (const k of blocks.keys()) f[(k & 0xffffff) >>> 3] |= 1 << (k & 7);
    filters.set(blocks, f);
  }
  return f;
}

/** The offset in `haystack` of a 64-byte run of any upload indexed in `blocks`, or -1. One pass. */
export function findRun(haystack: Buffer, blocks: Map<number, Block[]>): number {
  const filter = filterOf(blocks);
  for (let i = 0; i + 32 <= haystack.length; i++) {
    const key = haystack.readUInt32LE(i);
    if (!(filter[(key & 0xffffff) >>> 3] & (1 << (key & 7)))) continue;
    const found = blocks.get(key);
    if (!found) continue;
    for (const { upload, offset: o } of found) {
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

/** Files under `dir` changed since `since` (ms), to depth 4, under 512 MB. */
export function filesUnder(dir: string, since: number, depth = 0): string[] {
  const out: string[] = [];
  let entries: Dirent[];
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

/**
 * Scans the test's data folder (database, WAL, secrets) and every file created or changed in the
 * system temp folder since `since` for runs of the uploads: the files holding one, and the bytes read.
 */
export function scanForUploads(dataDir: string, since: number, uploads: Buffer[]): { files: string[]; holding: string[]; scanned: number } {
  const files = [...new Set([...filesUnder(dataDir, 0), ...filesUnder(tmpdir(), since)])];
  const blocks = blockIndex(...uploads);
  const holding: string[] = [];
  let scanned = 0;
  for (const f of files) {
    let data: Buffer;
    try {
      data = readFileSync(f);
    } catch {
      continue; // vanished or unreadable: not ours
    }
    scanned += data.length;
    if (findRun(data, blocks) >= 0) holding.push(f);
  }
  return { files, holding, scanned };
}

/**
 * Gives this test file's process a temp folder of its own (TMPDIR, read by os.tmpdir() and inherited
 * by ffmpeg and every other child): the scan then reads what this node and its children wrote, not
 * what other suites, builds or benchmarks on the same machine write to the shared /tmp meanwhile.
 */
export function ownTmpdir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mhn-scan-'));
  process.env.TMPDIR = dir;
  return dir;
}
