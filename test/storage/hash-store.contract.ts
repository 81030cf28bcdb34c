/** The contract both HashStore implementations pass (run by hash-store.test.ts for each). */
import { describe, expect, it } from 'vitest';
import type { HashStore, WriteSet } from '../../src/storage/types';

const T0 = Date.UTC(2026, 0, 1);

function newHash(id: string, value: string, type: 'pdq' | 'md5' = 'pdq', origin = '') {
  return { id, type, value, origin, status: 'active' as const, createdAt: T0, updatedAt: T0 };
}
const audit = (action: string) => ({ at: T0, action, actor: 'tester', entry: `{"action":"${action}"}` });

export function hashStoreContract(name: string, make: () => Promise<HashStore>) {
  describe(`HashStore contract: ${name}`, () => {
    it('commits hashes, contributions, changes and audit entries, and reads them back', async () => {
      const s = await make();
      const ws: WriteSet = {
        insertHashes: [newHash('h1', 'a'.repeat(64)), newHash('h2', 'b'.repeat(32), 'md5')],
        putContributions: [{ hashId: 'h1', contributor: 'p1', labels: ['attack-footage'], externalId: 'case-1', createdAt: T0, updatedAt: T0, retractedAt: null }],
        changes: [{ hashId: 'h1', kind: 'add', at: T0, snapshot: { id: 'h1', type: 'pdq', value: 'a'.repeat(64), status: 'active', labels: ['attack-footage'], contributors: 1 } }],
        audit: [audit('hash.share'), audit('hash.share')],
      };
      const seqs = await s.commit(ws);
      expect([...seqs.keys()].sort()).toEqual(['h1', 'h2']);
      expect(seqs.get('h1')).not.toBe(seqs.get('h2'));

      const h1 = await s.getById('h1');
      expect(h1).toMatchObject({ id: 'h1', type: 'pdq', status: 'active', seq: seqs.get('h1') });
      expect(h1!.contributions).toEqual([{ hashId: 'h1', contributor: 'p1', labels: ['attack-footage'], externalId: 'case-1', createdAt: T0, updatedAt: T0, retractedAt: null }]);
      expect(await s.getById('missing')).toBeNull();
      expect((await s.getBySeqs([seqs.get('h2')!, 99999])).map((h) => h.id)).toEqual(['h2']);
      expect((await s.findByValues('', [{ type: 'md5', value: 'b'.repeat(32) }])).map((h) => h.id)).toEqual(['h2']);
      expect(await s.findByValues('peer-x', [{ type: 'md5', value: 'b'.repeat(32) }])).toEqual([]);
      expect(await s.changesSince(0, 10)).toEqual([{ seq: 1, hashId: 'h1', kind: 'add', at: T0, snapshot: ws.changes![0].snapshot }]);
      expect(await s.changesSince(1, 10)).toEqual([]);
      expect(await s.auditSize()).toBe(2);
      expect((await s.auditEntries(0, 10)).map((a) => a.index)).toEqual([0, 1]);
      expect((await s.auditEntries(1, 2)).map((a) => a.index)).toEqual([1]);
    });

    it('upserts contributions and feedback by key, keeping the first createdAt', async () => {
      const s = await make();
      await s.commit({ insertHashes: [newHash('h1', 'c'.repeat(64))] });
      const c = { hashId: 'h1', contributor: 'p1', labels: ['recruitment'], externalId: null, createdAt: T0, updatedAt: T0, retractedAt: null };
      await s.commit({ putContributions: [c] });
      await s.commit({ putContributions: [{ ...c, labels: ['manifesto'], createdAt: T0 + 5, updatedAt: T0 + 5, retractedAt: T0 + 5 }] });
      const f = { hashId: 'h1', member: 'p2', verdict: 'confirm' as const, reason: null, createdAt: T0, updatedAt: T0 };
      await s.commit({ putFeedback: [f] });
      await s.commit({ putFeedback: [{ ...f, verdict: 'dispute', reason: 'not terrorist content', createdAt: T0 + 9, updatedAt: T0 + 9 }] });
      const h = (await s.getById('h1'))!;
      expect(h.contributions).toEqual([{ ...c, labels: ['manifesto'], updatedAt: T0 + 5, retractedAt: T0 + 5 }]);
      expect(h.feedback).toEqual([{ ...f, verdict: 'dispute', reason: 'not terrorist content', updatedAt: T0 + 9 }]);
    });

    it('lists active hashes for the index in seq order, page by page, and follows status updates', async () => {
      const s = await make();
      const ids = Array.from({ length: 25 }, (_, i) => `h${i}`);
      await s.commit({ insertHashes: ids.map((id, i) => newHash(id, i.toString(16).padStart(64, '0'))) });
      await s.commit({ updateHashes: [{ id: 'h3', status: 'retracted', updatedAt: T0 + 1 }] });
      const first = await s.listActive(0, 10);
      expect(first).toHaveLength(10);
      const rest = await s.listActive(first[9].seq, 100);
      const all = [...first, ...rest];
      expect(all).toHaveLength(24);
      expect(all.map((e) => e.seq)).toEqual([...all.map((e) => e.seq)].sort((a, b) => a - b));
      expect(all.find((e) => e.value === (3).toString(16).padStart(64, '0'))).toBeUndefined();
      expect(await s.listActive(0, 100, 'md5')).toEqual([]);
      expect(await s.findActiveByValue('pdq', (4).toString(16).padStart(64, '0'))).toHaveLength(1);
      expect(await s.findActiveByValue('pdq', (3).toString(16).padStart(64, '0'))).toEqual([]);
    });

    it('stores video frames: the commit returns the indexed ones, and they are read back by video and by seq', async () => {
      const s = await make();
      const video = (id: string, value: string) => ({ ...newHash(id, value), type: 'vpdq' as const });
      const frame = (hashId: string, frame: number, value: string, quality: number, indexed: boolean) => ({ hashId, frame, timestampMs: frame * 1000, quality, value, indexed });
      const f = (c: string) => c.repeat(64);
      const committed = await s.commit({
        insertHashes: [video('v1', 'e'.repeat(64)), video('v2', 'd'.repeat(64)), newHash('p1', f('1'))],
        // v1: frames 0 and 2 indexed; frame 1 is low quality, frame 3 a repeat. v2: one frame, indexed.
        insertFrames: [frame('v1', 0, f('a'), 90, true), frame('v1', 1, f('b'), 20, false), frame('v1', 2, f('c'), 80, true), frame('v1', 3, f('a'), 90, false), frame('v2', 0, f('9'), 100, true)],
      });
      expect(committed.frames.map((e) => e.value).sort()).toEqual([f('9'), f('a'), f('c')]);
      expect(committed.frames.every((e) => e.type === 'vpdq')).toBe(true);
      const v1 = await s.framesOf('v1');
      expect(v1.map((r) => [r.frame, r.quality, r.indexed, r.timestampMs])).toEqual([
        [0, 90, true, 0],
        [1, 20, false, 1000],
        [2, 80, true, 2000],
        [3, 90, false, 3000],
      ]);
      expect(await s.framesOf('nothing')).toEqual([]);
      // By seq: the owning video's seq and its count of indexed frames; unknown seqs left out.
      const owners = await s.framesBySeqs([v1[2].seq, committed.frames.find((e) => e.value === f('9'))!.seq, 99999]);
      expect(owners.map((o) => [o.hashId, o.frame, o.timestampMs, o.hashSeq, o.indexedFrames]).sort()).toEqual(
        [
          ['v1', 2, 2000, committed.get('v1'), 2],
          ['v2', 0, 0, committed.get('v2'), 1],
        ].sort(),
      );
      // The index lists: hashes without their vpdq rows; frames of active videos only, indexed ones only.
      expect((await s.listActive(0, 10)).map((e) => e.type)).toEqual(['pdq']);
      expect((await s.listActive(0, 10, 'vpdq')).map((e) => e.value)).toEqual([f('a'), f('c'), f('9')]);
      await s.commit({ updateHashes: [{ id: 'v1', status: 'retracted', updatedAt: T0 + 1 }] });
      expect((await s.listActive(0, 10, 'vpdq')).map((e) => e.value)).toEqual([f('9')]);
      // A frame number repeated within a video breaks the batch: nothing of it is written.
      await expect(s.commit({ insertHashes: [video('v3', 'c'.repeat(64))], insertFrames: [frame('v3', 0, f('5'), 90, true), frame('v3', 0, f('6'), 90, true)] })).rejects.toThrow();
      expect(await s.getById('v3')).toBeNull();
      expect(await s.framesOf('v3')).toEqual([]);
    });

    it('a commit that breaks a constraint writes nothing at all', async () => {
      const s = await make();
      await s.commit({ insertHashes: [newHash('h1', 'd'.repeat(64))], audit: [audit('first')] });
      const bad: WriteSet = {
        insertHashes: [newHash('h2', 'e'.repeat(64)), newHash('h3', 'd'.repeat(64))], // h3 repeats h1's value
        changes: [{ hashId: 'h2', kind: 'add', at: T0, snapshot: { id: 'h2', type: 'pdq', value: 'e'.repeat(64), status: 'active', labels: [], contributors: 0 } }],
        audit: [audit('second')],
      };
      await expect(s.commit(bad)).rejects.toThrow();
      expect(await s.getById('h2')).toBeNull();
      expect(await s.changesSince(0, 10)).toEqual([]);
      expect(await s.auditSize()).toBe(1);
    });

    it('writes batches larger than one statement can bind (D1: 100 parameters)', async () => {
      const s = await make();
      const n = 1000;
      const seqs = await s.commit({
        insertHashes: Array.from({ length: n }, (_, i) => newHash(`b${i}`, i.toString(16).padStart(32, '0'), 'md5')),
        audit: Array.from({ length: n }, (_, i) => audit(`a${i}`)),
      });
      expect(seqs.size).toBe(n);
      expect(await s.auditSize()).toBe(n);
      const found = await s.findByValues('', Array.from({ length: n }, (_, i) => ({ type: 'md5' as const, value: i.toString(16).padStart(32, '0') })));
      expect(found).toHaveLength(n);
    });
  });
}
