/**
 * Item ids (core/items) and the items a federation batch carries (core/federation): ids made from the
 * origin and the media's SHA-256, checked by the puller against the batch's origin; merged per hash.
 */
import { describe, expect, it } from 'vitest';
import { checkBatchPayload, mergeBatchItems, toBatchItem, type CheckedItem } from '../../src/core/federation';
import { ITEM_ID_PATTERN, itemId } from '../../src/core/items';

const ORIGIN = 'https://a.example';
const hex = (n: number, len = 64) => n.toString(16).padStart(len, '0');
const ref = (sha: string, over: Record<string, unknown> = {}) => ({ id: itemId(ORIGIN, sha), variant: 'whole', sha256: sha, kind: 'image', ...over });
const batchItem = (over: Record<string, unknown> = {}) => ({ op: 'add', type: 'pdq', value: hex(1), labels: ['attack-footage'], contributors: 1, ...over });
const check = (items: unknown[]) =>
  checkBatchPayload({ origin: ORIGIN, from: 'c1', to: 'c2', issuedAt: '2026-01-01T00:00:00.000Z', items }, { origin: ORIGIN, from: 'c1' });

describe('itemId', () => {
  it("is a version-8 UUID fixed by the origin and the media's SHA-256", () => {
    const id = itemId(ORIGIN, hex(5));
    expect(id).toMatch(ITEM_ID_PATTERN);
    expect(itemId(ORIGIN, hex(5))).toBe(id);
    expect(itemId(ORIGIN, hex(5).toUpperCase())).toBe(id);
    expect(itemId('https://b.example', hex(5))).not.toBe(id);
    expect(itemId(ORIGIN, hex(6))).not.toBe(id);
    // Pinned: ids handed out must not change with a refactoring.
    expect(itemId('http://node.test', '0'.repeat(64))).toMatchInlineSnapshot(`"a99ade41-015e-88af-a5a4-f27fdf1c82ef"`);
  });
});

describe('items in a federation batch', () => {
  it('served with a hash when it has any, and only then', () => {
    const base = { kind: 'add' as const, type: 'pdq', value: hex(1), labels: ['manifesto'], contributors: 1, externalId: null };
    expect(toBatchItem(base)).not.toHaveProperty('items');
    expect(toBatchItem({ ...base, items: [] })).not.toHaveProperty('items');
    const items = [{ id: itemId(ORIGIN, hex(9)), variant: 'whole', sha256: hex(9), kind: 'image' as const }];
    expect(toBatchItem({ ...base, items })).toMatchObject({ items });
  });

  it("taken when each id is the one the batch's origin gives the media", () => {
    const r = check([batchItem({ items: [ref(hex(9)), ref(hex(10), { variant: 'crop-10-tl' })] })]);
    expect(r.ok && r.items[0].items).toEqual([ref(hex(9)), ref(hex(10), { variant: 'crop-10-tl' })]);
  });

  const refused: [string, unknown, RegExp][] = [
    ['an id of another origin', [ref(hex(9), { id: itemId('https://b.example', hex(9)) })], /items\/0: the item id is not the one the origin gives/],
    ['an id that is not an item id', [ref(hex(9), { id: 'x' })], /id must be an item id/],
    ['a bad variant', [ref(hex(9), { variant: 'Whole!' })], /variant must be a variant name/],
    ['a bad sha256', [ref(hex(9), { sha256: 'abc' })], /sha256 must be 64 lowercase hex digits/],
    ['an unknown kind', [ref(hex(9), { kind: 'audio' })], /kind must be image, video, pdf or text/],
    ['not an array', { id: 'x' }, /items must be an array/],
  ];
  it.each(refused)('refuses the whole batch for %s', (_, items, problem) => {
    const r = check([batchItem(), batchItem({ value: hex(2), items })]);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problem).toMatch(/^items\/1\/items/);
    if (!r.ok) expect(r.problem).toMatch(problem);
  });

  it('merged per hash: a hash standing names the items its last change names; one that does not, every item any change of it named, in order', () => {
    const c = (over: Partial<CheckedItem>): CheckedItem => ({
      op: 'add',
      type: 'pdq',
      value: hex(1),
      labels: ['attack-footage'],
      contributors: 1,
      externalId: null,
      ...over,
    });
    const a = { id: itemId(ORIGIN, hex(9)), variant: 'whole', sha256: hex(9), kind: 'image' as const };
    const b = { ...a, id: itemId(ORIGIN, hex(10)), sha256: hex(10), variant: 'trim' };
    const merged = mergeBatchItems(
      [
        c({ items: [a] }),
        c({ op: 'update', items: [a, b] }),
        c({ value: hex(2) }),
        // a stops standing at the origin: the hash's last row names b alone.
        c({ value: hex(3), items: [a, b] }),
        c({ op: 'update', value: hex(3), items: [b] }),
        // A tombstone, after rows naming a and b.
        c({ value: hex(4), items: [a] }),
        c({ op: 'retract', value: hex(4), items: [b] }),
        // A hash this node does not take (none of the labels it takes): every item named.
        c({ value: hex(5), items: [a] }),
        c({ op: 'update', value: hex(5), items: [b], labels: ['manifesto'] }),
      ],
      ['attack-footage'],
    );
    expect(merged.map((m) => [m.value, m.active, m.items])).toEqual([
      [hex(1), true, [a, b]],
      [hex(2), true, undefined],
      [hex(3), true, [b]],
      [hex(4), false, [a, b]],
      [hex(5), false, [a, b]],
    ]);
  });
});
