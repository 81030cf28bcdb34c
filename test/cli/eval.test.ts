/**
 * The evaluation harness's pure parts, on generated images (no Debian download, no node): the edits
 * make images of the sizes they promise, and the scoring counts recall, false matches and pairs
 * correctly on a synthetic answer set.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { pickSpread } from '../../src/cli/eval/corpus';
import { borderWidth, cropBox, EDITS, editRandom, fitAspect, type Pixels } from '../../src/cli/eval/edits';
import { recallTable, renderReport } from '../../src/cli/eval/report';
import { designOf } from '../../src/cli/eval/sources';
import { atMost, distances, ownersOf, percentile, score, type CopyAnswer, type SharedOriginal } from '../../src/cli/eval/score';

function generated(width: number, height: number): Pixels {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      data[o] = (x * 255) / width;
      data[o + 1] = (y * 255) / height;
      data[o + 2] = ((x ^ y) & 32) * 4;
    }
  return { data, width, height };
}

const edit = (id: string) => {
  const e = EDITS.find((x) => x.id === id);
  if (!e) throw new Error(id);
  return e;
};

describe('edits', () => {
  const img = generated(1000, 800);

  it('every edit makes a decodable image of the size it reports', async () => {
    for (const e of EDITS) {
      const out = await e.apply(img, editRandom('t', e.id));
      const meta = await sharp(out.bytes).metadata();
      expect([meta.format, meta.width, meta.height], e.id).toEqual([out.format, out.width, out.height]);
    }
  }, 120_000);

  it('crops, borders, letterboxes and resizes have the expected sizes', async () => {
    const size = async (id: string) => {
      const o = await edit(id).apply(img, editRandom('t', id));
      return [o.width, o.height];
    };
    expect(cropBox(1000, 800, 0.1, 0.1, 0.1, 0.1)).toEqual({ left: 100, top: 80, width: 800, height: 640 });
    expect(await size('crop-10')).toEqual([800, 640]);
    expect(await size('crop-5')).toEqual([900, 720]);
    expect(await size('crop-20')).toEqual([600, 480]);
    expect(await size('crop-left-10')).toEqual([900, 800]);
    expect(await size('crop-top-20')).toEqual([1000, 640]);
    expect(await size('crop-corner-10')).toEqual([900, 720]);
    expect(borderWidth(img, 0.1)).toBe(80);
    expect(await size('border-white-10')).toEqual([1160, 960]);
    expect(await size('border-noise-10')).toEqual([1160, 960]);
    expect(await size('border10-resize50')).toEqual([580, 480]);
    expect(await size('resize-50')).toEqual([500, 400]);
    expect(await size('thumb-128')).toEqual([128, 102]);
    expect(await size('upscale-150')).toEqual([1500, 1200]);
    expect(await size('rot-90')).toEqual([800, 1000]);
    expect(await size('pillarbox')).toEqual([1334, 800]);
    expect(await size('letterbox-bars')).toEqual([1000, 1066]);
    const [w, h] = await size('letterbox-16:9');
    expect(w / h).toBeCloseTo(16 / 9, 2);
    expect(fitAspect(1600, 400, 16, 9)).toEqual({ width: 1600, height: 900, left: 0, right: 0, top: 250, bottom: 250 });
    expect(await size('screenshot')).toEqual([1080, 2340]);
    const [rw, rh] = await size('rot-4-black');
    expect(rw).toBeGreaterThan(1000);
    expect(rh).toBeGreaterThan(800);
  }, 60_000);

  it('the white border is white, the corners of a rotation are filled, and random edits repeat per seed', async () => {
    const border = await sharp((await edit('border-white-10').apply(img, editRandom('t', 'x'))).bytes)
      .raw()
      .toBuffer();
    expect([border[0], border[1], border[2]].every((v) => v > 245)).toBe(true);
    const rot = await sharp((await edit('rot-4-black').apply(img, editRandom('t', 'x'))).bytes)
      .raw()
      .toBuffer();
    expect([rot[0], rot[1], rot[2]].every((v) => v < 10)).toBe(true);
    const a = await edit('border-colour-10').apply(img, editRandom('o1', 'border-colour-10'));
    const b = await edit('border-colour-10').apply(img, editRandom('o1', 'border-colour-10'));
    const c = await edit('border-colour-10').apply(img, editRandom('o2', 'border-colour-10'));
    expect(a.bytes.equals(b.bytes)).toBe(true);
    expect(a.bytes.equals(c.bytes)).toBe(false);
  });

  it('ids are unique and every kind the issue names is there', () => {
    expect(new Set(EDITS.map((e) => e.id)).size).toBe(EDITS.length);
    for (const k of [
      'encode',
      'resize',
      'photometric',
      'rotate90',
      'watermark',
      'crop',
      'offcentre-crop',
      'border',
      'letterbox',
      'screenshot',
      'small-rotation',
      'combined',
    ])
      expect(
        EDITS.some((e) => e.kind === k),
        k,
      ).toBe(true);
  });
});

// Three originals: A and B photos, C a flat graphic whose PDQ was not shared (quality below 50).
const H = (c: string) => c.repeat(64);
const originals: SharedOriginal[] = [
  { id: 'A', category: 'photo', hashIds: ['a-pdq', 'a-bh', 'a-md5', 'a-sha'], pdq: H('0'), blockhash: H('0') },
  { id: 'B', category: 'photo', hashIds: ['b-pdq', 'b-bh', 'b-md5', 'b-sha'], pdq: H('f'), blockhash: H('f') },
  { id: 'C', category: 'other', hashIds: ['c-bh', 'c-md5', 'c-sha'], blockhash: H('3'), lowQuality: true },
];
const edits = [
  { id: 'e1', kind: 'k1', strength: 's' },
  { id: 'e2', kind: 'k2', strength: 's' },
];
const m = (id: string, type: string, distance: number) => ({ id, type, distance });
const answers: CopyAnswer[] = [
  { original: 'A', edit: 'e1', status: 200, matches: [m('a-pdq', 'pdq', 4)], query: { pdq: '1' + H('0').slice(1), blockhash: H('0') } },
  // Matches its own original and another one: a hit and a false match.
  { original: 'A', edit: 'e2', status: 200, matches: [m('a-bh', 'blockhash', 9), m('b-pdq', 'pdq', 30)], query: { pdq: H('0'), blockhash: H('0') } },
  { original: 'B', edit: 'e1', status: 200, matches: [], query: { pdq: H('7'), blockhash: H('7') } },
  // Refused by the node: not scored, no pairs.
  { original: 'B', edit: 'e2', status: 422, error: 'image_too_small', matches: [] },
  { original: 'C', edit: 'e1', status: 200, matches: [m('c-bh', 'blockhash', 2)], query: { pdq: H('3'), blockhash: H('3') } },
  // The flat graphic has no PDQ to be found by; its copy matches A's PDQ: a miss and a false match.
  { original: 'C', edit: 'e2', status: 200, matches: [m('a-pdq', 'pdq', 12), m('a-md5', 'md5', 0)], query: { pdq: H('0'), blockhash: H('c') } },
];

describe('scoring', () => {
  const s = score(originals, answers, edits);
  const e1 = s.edits.find((e) => e.id === 'e1')!;
  const e2 = s.edits.find((e) => e.id === 'e2')!;

  it('counts recall per edit and category', () => {
    expect(e1).toMatchObject({
      photo: { copies: 2, hits: 1 },
      other: { copies: 1, hits: 1 },
      all: { copies: 3, hits: 2 },
      // The flat graphic C (no PDQ shared) is left out of the hashed images' tally: its hit does not count.
      hashed: { copies: 2, hits: 1 },
      byType: { pdq: 1, blockhash: 1, exact: 0 },
      errors: 0,
    });
    expect(e2).toMatchObject({
      photo: { copies: 1, hits: 1 },
      other: { copies: 1, hits: 0 },
      all: { copies: 2, hits: 1 },
      hashed: { copies: 1, hits: 1 },
      byType: { pdq: 0, blockhash: 1, exact: 0 },
      errors: 1,
    });
    expect(s.totals.meanRecall).toBeCloseTo((2 / 3 + 1 / 2) / 2, 10);
    expect(s.totals.meanRecallPhoto).toBeCloseTo((1 / 2 + 1) / 2, 10);
    expect(s.totals.meanRecallOther).toBeCloseTo((1 + 0) / 2, 10);
    expect(s.totals.meanRecallHashed).toBeCloseTo((1 / 2 + 1) / 2, 10);
    expect(s.originals).toEqual({ photo: 2, other: 1, hashed: 2 });
  });

  it('counts every unrelated pair once, and each matched other original as one false match', () => {
    expect(e1).toMatchObject({ pairs: 6, falseMatches: 0 });
    expect(e2).toMatchObject({ pairs: 4, falseMatches: 2 });
    expect(s.totals).toMatchObject({ pairs: 10, falseMatches: 2, copies: 5, hits: 3, errors: 1 });
    expect(s.falseMatches).toEqual([
      { copy: 'A/e2', edit: 'e2', matched: 'B', via: [{ type: 'pdq', distance: 30 }] },
      // Two hashes of A matched the same copy: still one false pair, listing both.
      {
        copy: 'C/e2',
        edit: 'e2',
        matched: 'A',
        via: [
          { type: 'pdq', distance: 12 },
          { type: 'md5', distance: 0 },
        ],
      },
    ]);
  });

  it('a hash two originals share stands for both', () => {
    const shared = [
      { ...originals[0], hashIds: ['x', 'a-bh'] },
      { ...originals[1], hashIds: ['x', 'b-bh'] },
    ];
    expect(ownersOf(shared).get('x')).toEqual(['A', 'B']);
    const r = score(shared, [{ original: 'A', edit: 'e1', status: 200, matches: [m('x', 'blockhash', 0)] }], edits);
    expect(r.edits[0]).toMatchObject({ all: { copies: 1, hits: 1 }, falseMatches: 1, pairs: 1 });
  });

  it('versions of one design are related: their matches are neither recalled nor false, their pairs not unrelated', () => {
    // A and B are the light and dark versions of one design; C stands alone.
    const versions = [
      { ...originals[0], design: 'pkg/w' },
      { ...originals[1], design: 'pkg/w' },
      { ...originals[2], design: 'pkg/other' },
    ];
    const r = score(versions, answers, edits);
    const r2 = r.edits.find((e) => e.id === 'e2')!;
    // A/e2 matched A and B: a hit and a related match; C/e2 matched A: still a false match.
    expect(r2).toMatchObject({ all: { copies: 2, hits: 1 }, falseMatches: 1, relatedMatches: 1, pairs: 1 + 2 });
    expect(r.totals).toMatchObject({ pairs: 1 + 1 + 2 + 1 + 2, falseMatches: 1, relatedMatches: 1 });
    expect(r.relatedMatches).toEqual([{ copy: 'A/e2', edit: 'e2', matched: 'B', via: [{ type: 'pdq', distance: 30 }] }]);
    expect(r.falseMatches.map((f) => f.copy)).toEqual(['C/e2']);
    // Distances: A's and B's copies have no unrelated PDQ left (the other has the only one).
    const d = distances(versions, answers);
    expect(d.unrelated.pdq.reduce((a, b) => a + b, 0)).toBe(4); // C/e1 and C/e2 against A and B
    expect(atMost(d.unrelated.blockhash, 256)).toBe(3 * 1 + 2 * 2);
  });

  it("design keys: a wallpaper's sizes and dark version, GNOME's light and dark; a theme's pictures and photos stand alone", () => {
    const k = (pkg: string, path: string) => designOf({ package: pkg, path });
    const flow = k('plasma-workspace-wallpapers', 'usr/share/wallpapers/Flow/contents/images/5120x2880.jpg');
    expect(flow).toBe('plasma-workspace-wallpapers/plasma:Flow');
    expect(k('plasma-workspace-wallpapers', 'usr/share/wallpapers/Flow/contents/images_dark/720x1440.jpg')).toBe(flow);
    expect(k('plasma-workspace-wallpapers', 'usr/share/wallpapers/Kay/contents/images/5120x2880.png')).not.toBe(flow);
    expect(k('gnome-backgrounds', 'usr/share/backgrounds/gnome/wood-l.webp')).toBe(k('gnome-backgrounds', 'usr/share/backgrounds/gnome/wood-d.webp'));
    expect(k('gnome-backgrounds', 'usr/share/backgrounds/gnome/wood-l.webp')).not.toBe(k('gnome-backgrounds', 'usr/share/backgrounds/gnome/grid-l.webp'));
    expect(k('mate-backgrounds', 'usr/share/backgrounds/mate/desktop/MATE-Stripes-Dark.png')).toBe(
      k('mate-backgrounds', 'usr/share/backgrounds/mate/desktop/MATE-Stripes-Light.png'),
    );
    // One Debian theme's pictures are mostly different pictures (a rocket sprite, a menu wallpaper): no design.
    expect(k('desktop-base', 'usr/share/plymouth/themes/spacefun/rocket0.png')).toBeUndefined();
    expect(k('desktop-base', 'usr/share/desktop-base/spacefun-theme/grub/grub-16x9.png')).toBeUndefined();
    expect(k('mate-backgrounds', 'usr/share/backgrounds/mate/nature/Wood.jpg')).toBeUndefined();
    expect(k('python3-skimage', 'usr/lib/python3/dist-packages/skimage/data/astronaut.png')).toBeUndefined();
  });

  it('measures true and nearest unrelated distances from the hashes; a PDQ never shared has no pairs', () => {
    const d = distances(originals, answers);
    // A/e1's PDQ is 1 bit from A's (the leading hex digit 1 = 0001), and 255 from B's.
    expect(d.truePairs.get('e1')!.pdq[1]).toBe(1);
    expect(d.truePairs.get('e1')!.pdq[64]).toBe(1); // B/e1: 7777… vs ffff… differ in one bit of each hex digit
    expect(percentile(d.truePairs.get('e1')!.blockhash, 1)).toBe(64);
    // PDQ unrelated pairs: only A and B have one, so each copy has one unrelated PDQ.
    const pdqPairs = d.unrelated.pdq.reduce((a, b) => a + b, 0);
    expect(pdqPairs).toBe(7); // A/e1, A/e2, B/e1 against the other of A and B; C/e1 and C/e2 against both
    expect(atMost(d.unrelated.blockhash, 256)).toBe(5 * 2);
    expect(d.nearestUnrelated.pdq[0]).toBe(1); // C/e2's PDQ equals A's
  });
});

/** A run's facts for the report, the same in every report test. */
const RUN_INFO = {
  date: 'd',
  machine: 'm',
  command: 'c',
  commit: 'x',
  query: '',
  wallSeconds: 60,
  thresholds: 't',
  corpus: [],
  lowQualityOriginals: 1,
  droppedNote: '',
};

describe('corpus and report', () => {
  it('a limit keeps the share of photos', () => {
    const items = [
      ...Array.from({ length: 30 }, (_, i) => ({ id: `p${i}`, category: 'photo' as const })),
      ...Array.from({ length: 70 }, (_, i) => ({ id: `o${i}`, category: 'other' as const })),
    ];
    const picked = pickSpread(items, 10);
    expect(picked.filter((i) => i.category === 'photo')).toHaveLength(3);
    expect(picked).toHaveLength(10);
    expect(new Set(picked.map((i) => i.id)).size).toBe(10);
  });

  it('the report has a row per edit and the totals', () => {
    const s = score(originals, answers, edits);
    const rows = recallTable(s);
    expect(rows).toHaveLength(2 + 2 + 1);
    expect(rows.at(-1)).toContain('2 / 10 pairs');
    const md = renderReport(s, distances(originals, answers), { ...RUN_INFO, names: { A: 'pkg: a.jpg' }, designs: {} });
    expect(md).toContain('| A (pkg: a.jpg) e2 | B (?) | pdq 30 |');
    expect(md).toContain('## Related matches (0)');
  });

  it('the report lists the designs and the related matches apart from the false ones', () => {
    const versions = originals.map((o) => (o.id === 'C' ? o : { ...o, design: 'pkg/w' }));
    const s = score(versions, answers, edits);
    const md = renderReport(s, distances(versions, answers), { ...RUN_INFO, names: { A: 'pkg: a.jpg' }, designs: { A: 'pkg/w', B: 'pkg/w' } });
    expect(md).toContain('## False matches (1)');
    expect(md).toContain('## Related matches (1)');
    expect(md).toContain('2 originals are versions of 1 design,');
    expect(md).toContain('pkg/w (A, B)');
    const related = md.slice(md.indexOf('## Related matches'));
    expect(related).toContain('| A (pkg: a.jpg) e2 | B (?) | pdq 30 |');
    expect(md.slice(md.indexOf('## False matches'), md.indexOf('## Related matches'))).not.toContain('| A (pkg: a.jpg) e2 |');
  });
});
