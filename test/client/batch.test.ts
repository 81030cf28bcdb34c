/**
 * Splitting shares into requests (src/client/batch.ts): the hashes of one shared file (its item)
 * stay in one request where they fit, so a file's share is one commit at the node; order is kept;
 * a group larger than a request is split as the limits require.
 */
import { describe, expect, it } from 'vitest';
import { batches } from '../../src/client/batch';

const limits = { maxItems: 1000, maxBytes: 2 << 20, maxFrames: 1_000_000 };
/** `files` files of `per` hashes each, in order. */
const shares = (files: number, per: number) =>
  Array.from({ length: files * per }, (_, i) => ({ type: 'pdq', value: String(i).padStart(64, '0'), item: { sha256: `file-${Math.floor(i / per)}` } }));
const envelope = (items: unknown[]) => ({ items });
const byFile = (it: { item?: { sha256: string } }) => it.item?.sha256;

describe('batches', () => {
  it("keeps each file's hashes in one request: 100 files of 26 hashes in requests of at most 1000", () => {
    const items = shares(100, 26);
    const grouped = batches(items, limits, envelope, 'item', byFile);
    expect(grouped.flat()).toEqual(items);
    for (const req of grouped) expect(req.length).toBeLessThanOrEqual(1000);
    // No file is split across two requests; each request but the last is as full as whole files allow (38 files).
    const filesOf = grouped.map((req) => new Set(req.map(byFile)));
    for (let a = 0; a < filesOf.length; a++) for (let b = a + 1; b < filesOf.length; b++) for (const f of filesOf[a]) expect(filesOf[b].has(f)).toBe(false);
    expect(grouped.map((r) => r.length)).toEqual([988, 988, 624]);
    // Without groups, the limit alone decides: files 38 and 76 are split.
    expect(batches(items, limits, envelope, 'item').map((r) => r.length)).toEqual([1000, 1000, 600]);
  });

  it('a group larger than one request is split by the limits; items without a group pack as before', () => {
    const big = shares(1, 1500);
    expect(batches(big, limits, envelope, 'item', byFile).map((r) => r.length)).toEqual([1000, 500]);
    const loose: { type: string; value: string; item?: { sha256: string } }[] = Array.from({ length: 2500 }, (_, i) => ({
      type: 'md5',
      value: String(i).padStart(32, '0'),
    }));
    expect(batches(loose, limits, envelope, 'item', byFile).map((r) => r.length)).toEqual([1000, 1000, 500]);
    // Bytes bound a request too: a group that does not fit what is pending starts the next one.
    const small = { ...limits, maxBytes: 4000 };
    const req = batches(shares(3, 20), small, envelope, 'item', byFile);
    expect(req.flat()).toHaveLength(60);
    for (const r of req) expect(JSON.stringify(envelope(r)).length).toBeLessThanOrEqual(4000);
    expect(req.every((r) => new Set(r.map(byFile)).size === 1 || r.length < 20)).toBe(true);
  });
});
