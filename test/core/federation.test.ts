/**
 * The batch payload a pulling node checks after the signature (core/federation): each rule as a
 * table of payloads and the problem they must raise, the merge of one batch into one state per
 * hash under a peer's label policy, the backoff, and peer URLs.
 */
import { describe, expect, it } from 'vitest';
import { backoffDelay, checkBatchPayload, mergeBatchItems, peerUrl, toBatchItem, type CheckedItem } from '../../src/core/federation';
import { pdfDigest } from '../../src/core/document';
import { textTlsh } from '../../src/core/tlsh';
import { vpdqDigest } from '../../src/core/video';

const ORIGIN = 'https://a.example';
const hex = (n: number, len = 64) => n.toString(16).padStart(len, '0');
const frames = [
  { index: 0, timestamp: 0, hash: hex(7), quality: 90 },
  { index: 30, timestamp: 1, hash: hex(8), quality: 80 },
];
const pages = [
  { page: 1, hash: hex(17), quality: 90 },
  { page: 3, hash: hex(18), quality: 70 },
];
const TLSH = textTlsh(
  'A text long enough and varied enough for TLSH to give it a digest: '.repeat(4) + 'the quick brown fox jumps over the lazy dog 0123456789',
)!;
const item = (over: Record<string, unknown> = {}) => ({ op: 'add', type: 'pdq', value: hex(1), labels: ['attack-footage'], contributors: 1, ...over });
const payload = (over: Record<string, unknown> = {}) => ({
  origin: ORIGIN,
  from: 'c1',
  to: 'c2',
  issuedAt: '2026-01-01T00:00:00.000Z',
  items: [item()],
  ...over,
});
const check = (p: unknown) => checkBatchPayload(p, { origin: ORIGIN, from: 'c1' });

describe('checkBatchPayload', () => {
  it('takes a well-formed batch, items in order, labels it does not know dropped', () => {
    const r = check(
      payload({
        items: [
          item({ labels: ['attack-footage', 'not-a-label'], externalId: 'ref' }),
          item({ op: 'retract', type: 'md5', value: hex(2, 32), labels: [], contributors: 0 }),
        ],
      }),
    );
    expect(r).toMatchObject({ ok: true, skipped: 0 });
    if (!r.ok) return;
    expect(r.items).toEqual([
      { op: 'add', type: 'pdq', value: hex(1), labels: ['attack-footage'], contributors: 1, externalId: 'ref' },
      { op: 'retract', type: 'md5', value: hex(2, 32), labels: [], contributors: 0, externalId: null },
    ]);
  });

  it('takes a video with its frames when its value is their digest', () => {
    const r = check(payload({ items: [item({ type: 'vpdq', value: vpdqDigest(frames), frames })] }));
    expect(r.ok && r.items[0].frames).toEqual(frames);
  });

  it('takes a PDF with its pages when its value is their digest, a tlsh value in its stored form, a url digest', () => {
    const r = check(
      payload({ items: [item({ type: 'pdf', value: pdfDigest(pages), pages }), item({ type: 'tlsh', value: TLSH }), item({ type: 'url', value: hex(5) })] }),
    );
    expect(r).toMatchObject({ ok: true, skipped: 0 });
    if (!r.ok) return;
    expect(r.items.map((i) => [i.type, i.value, i.pages])).toEqual([
      ['pdf', pdfDigest(pages), pages],
      ['tlsh', TLSH, undefined],
      ['url', hex(5), undefined],
    ]);
  });

  it("leaves out items of hash types it does not store (a newer peer's), counting them", () => {
    const r = check(payload({ items: [item({ type: 'tlsh2', value: 'T1abc' }), item()] }));
    expect(r).toMatchObject({ ok: true, skipped: 1 });
  });

  const refused: [string, unknown, RegExp][] = [
    ['not an object', 'hello', /not a JSON object/],
    ['another origin', payload({ origin: 'https://evil.example' }), /origin "https:\/\/evil.example", not this peer's URL/],
    ['a gap: from is not the cursor held', payload({ from: 'c0' }), /gap or an overlap/],
    ['the first batch must start at the beginning', checkBatchPayload(payload({ from: 'c1' }), { origin: ORIGIN, from: '' }), /./],
    ['no to', payload({ to: '' }), /"to" cursor/],
    ['items without moving', payload({ to: 'c1' }), /does not move the cursor/],
    ['bad time', payload({ issuedAt: 'yesterday' }), /issuedAt/],
    ['items not an array', payload({ items: {} }), /no items array/],
    ['unknown op', payload({ items: [item({ op: 'delete' })] }), /items\/0: op must be/],
    ['short pdq', payload({ items: [item({ value: hex(1).slice(1) })] }), /items\/0: pdq value must be 64 hex characters/],
    ['upper-case hex', payload({ items: [item({ value: 'A'.repeat(64) })] }), /lowercase/],
    ['labels not strings', payload({ items: [item({ labels: [3] })] }), /labels must be an array/],
    ['negative contributors', payload({ items: [item({ contributors: -1 })] }), /contributors/],
    ['externalId with a control character', payload({ items: [item({ externalId: 'a\nb' })] }), /externalId/],
    ['quality out of range', payload({ items: [item({ quality: 101 })] }), /quality/],
    ['video add without frames', payload({ items: [item({ type: 'vpdq', value: hex(3) })] }), /must carry its frames/],
    ["video whose value is not its frames' digest", payload({ items: [item({ type: 'vpdq', value: hex(3), frames })] }), /not the SHA-256 of its frames/],
    ['video frames out of order', payload({ items: [item({ type: 'vpdq', value: hex(3), frames: [frames[1], frames[0]] })] }), /frame numbers must increase/],
    ['PDF add without pages', payload({ items: [item({ type: 'pdf', value: hex(3) })] }), /must carry its pages/],
    ["PDF whose value is not its pages' digest", payload({ items: [item({ type: 'pdf', value: hex(3), pages })] }), /not the SHA-256 of its pages/],
    [
      'PDF pages out of order',
      payload({ items: [item({ type: 'pdf', value: hex(3), pages: [pages[1], pages[0]] })] }),
      /items\/0\/pages\/1\/page: page numbers must increase/,
    ],
    ['a tlsh value not in its stored form', payload({ items: [item({ type: 'tlsh', value: TLSH.slice(2).toLowerCase() })] }), /stored form/],
    ['a tlsh value that is no digest', payload({ items: [item({ type: 'tlsh', value: 'T1ABC' })] }), /TLSH digest/],
    [
      'a bad item anywhere refuses the whole batch',
      payload({ items: [item(), item(), item({ type: 'md5', value: hex(1) })] }),
      /items\/2: md5 value must be 32/,
    ],
  ];
  it.each(refused)('refuses %s', (_, input, problem) => {
    const r = typeof input === 'object' && input !== null && 'ok' in input ? (input as ReturnType<typeof check>) : check(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problem).toMatch(problem);
  });
});

describe('toBatchItem: one change as the feed serves it', () => {
  it('carries externalId and frames only where they mean something', () => {
    const base = { type: 'pdq', value: hex(1), labels: ['manifesto'], contributors: 2, externalId: 'x' };
    expect(toBatchItem({ ...base, kind: 'add' })).toEqual({ op: 'add', type: 'pdq', value: hex(1), labels: ['manifesto'], contributors: 2, externalId: 'x' });
    expect(toBatchItem({ ...base, kind: 'retract', labels: [], contributors: 0 })).toEqual({
      op: 'retract',
      type: 'pdq',
      value: hex(1),
      labels: [],
      contributors: 0,
    });
    expect(toBatchItem({ ...base, kind: 'add', type: 'vpdq', externalId: null, frames })).toMatchObject({ frames });
    // What the feed serves is what a puller takes.
    expect(toBatchItem({ ...base, kind: 'add', type: 'pdf', externalId: null, pages })).toMatchObject({ pages });
    const served = [
      toBatchItem({ ...base, kind: 'add' }),
      toBatchItem({ ...base, kind: 'add', type: 'vpdq', value: vpdqDigest(frames), externalId: null, frames }),
      toBatchItem({ ...base, kind: 'add', type: 'pdf', value: pdfDigest(pages), externalId: null, pages }),
    ];
    expect(check(payload({ items: served })).ok).toBe(true);
  });
});

describe('mergeBatchItems', () => {
  const c = (over: Partial<CheckedItem>): CheckedItem => ({
    op: 'add',
    type: 'pdq',
    value: hex(1),
    labels: ['attack-footage'],
    contributors: 1,
    externalId: null,
    ...over,
  });
  it('keeps the pages of the item that brought a PDF through a later update', () => {
    const merged = mergeBatchItems([c({ type: 'pdf', value: hex(9), pages }), c({ op: 'update', type: 'pdf', value: hex(9), labels: ['manifesto'] })], null);
    expect(merged).toEqual([{ type: 'pdf', value: hex(9), active: true, labels: ['manifesto'], contributors: 1, externalId: null, pages }]);
  });

  it('keeps the last state of each hash, with the frames of the item that brought them', () => {
    const merged = mergeBatchItems(
      [
        c({ type: 'vpdq', value: hex(9), frames }),
        c({}),
        c({ op: 'retract', labels: [], contributors: 0 }),
        c({ op: 'update', type: 'vpdq', value: hex(9), labels: ['manifesto'] }),
        c({ value: hex(2) }),
      ],
      null,
    );
    expect(merged.map((m) => [m.value, m.active, m.labels, !!m.frames])).toEqual([
      [hex(1), false, [], false],
      [hex(9), true, ['manifesto'], true],
      [hex(2), true, ['attack-footage'], false],
    ]);
  });

  it('takes only the accepted labels; a hash with none of them is not taken', () => {
    const merged = mergeBatchItems(
      [c({ labels: ['attack-footage', 'manifesto'], externalId: 'r' }), c({ value: hex(2), labels: ['manifesto'], externalId: 'r' })],
      ['attack-footage', 'recruitment'],
    );
    expect(merged).toEqual([
      { type: 'pdq', value: hex(1), active: true, labels: ['attack-footage'], contributors: 1, externalId: 'r' },
      { type: 'pdq', value: hex(2), active: false, labels: [], contributors: 1, externalId: null },
    ]);
    // With every label taken, a hash shared without labels stands.
    expect(mergeBatchItems([c({ labels: [] })], null)[0].active).toBe(true);
  });
});

describe('backoffDelay', () => {
  it('doubles from the base up to the maximum, with a jitter between half and the whole', () => {
    expect(backoffDelay(0, 1000, 60_000, () => 0.5)).toBe(0);
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, 1000, 60_000, () => 1))).toEqual([1000, 2000, 4000, 8000]);
    expect([1, 2, 3].map((n) => backoffDelay(n, 1000, 60_000, () => 0))).toEqual([500, 1000, 2000]);
    expect(backoffDelay(50, 1000, 60_000, () => 1)).toBe(60_000);
    expect(backoffDelay(50, 1000, 60_000, () => 0)).toBe(30_000);
  });
});

describe('peerUrl', () => {
  it.each([
    ['https://a.example/', 'https://a.example'],
    ['http://127.0.0.1:8787', 'http://127.0.0.1:8787'],
    ['https://a.example/hashes//', 'https://a.example/hashes'],
  ])('%s -> %s', (text, url) => expect(peerUrl(text)).toEqual({ url }));
  it.each(['a.example', 'ftp://a.example', 'https://u:p@a.example', 'https://a.example/?x=1', 'https://a.example/#f', 'file:///etc/passwd'])(
    'refuses %s',
    (text) => {
      expect(peerUrl(text)).toHaveProperty('problem');
    },
  );
});
