/** The robust sharing and matching rules on plain data: what a share keeps, at which distance each query variant is looked up, when a match stays weak. */
import { describe, expect, it } from 'vitest';
import { lookupRadius, ROBUST_RULES, type RobustRules } from '../../src/core/robust';
import type { MediaHashes } from '../../src/services/hashing';
import type { MatchAnswer } from '../../src/services/matching';
import type { IndexHit } from '../../src/core/hash-index';
import type { ServiceDeps } from '../../src/services/deps';
import { robustImageQueries, robustJudge, settleTogether, settleWeak, shareableImageHashes, togetherByItems } from '../../src/services/robust-matching';

const hex = (c: string) => c.repeat(64);

function image(pdqQuality: number, blockhashQuality: number): MediaHashes {
  return {
    kind: 'image',
    hashes: { pdq: { value: hex('a'), quality: pdqQuality }, blockhash: { value: hex('b') }, md5: { value: '1'.repeat(32) }, sha256: { value: hex('2') } },
    media: { width: 100, height: 100, format: 'png' },
    variants: {
      pdq: [
        { variant: 'original', value: hex('a') },
        { variant: 'rotate90', value: hex('c') },
      ],
      blockhash: [
        { variant: 'original', value: hex('b') },
        { variant: 'rotate90', value: hex('d') },
      ],
    },
    robust: [
      { type: 'pdq', value: hex('a'), quality: pdqQuality, variant: 'whole' },
      { type: 'blockhash', value: hex('b'), quality: blockhashQuality, variant: 'whole' },
      { type: 'pdq', value: hex('e'), quality: 80, variant: 'trim' },
      { type: 'blockhash', value: hex('f'), quality: 10, variant: 'trim' },
    ],
  };
}

describe('shareableImageHashes', () => {
  it('keeps exact hashes always and each perceptual hash above its gate, naming the rest', () => {
    const { items, omitted } = shareableImageHashes(image(20, 70));
    // The whole image's blockhash passes its own gate but goes with its PDQ: too smooth for both.
    expect(items.map((i) => `${i.type}/${i.variant ?? '-'}`)).toEqual(['pdq/trim', 'md5/-', 'sha256/-']);
    expect(omitted).toEqual([
      {
        type: 'pdq',
        variant: 'whole',
        quality: 20,
        reason: 'PDQ quality 20 is below 30: the image is too flat for this hash to tell it from unrelated images',
      },
      { type: 'blockhash', variant: 'whole', quality: 70, reason: "the image's PDQ quality 20 is below 50: too smooth for blockhash as well" },
      {
        type: 'blockhash',
        variant: 'trim',
        quality: 10,
        reason:
          "blockhash quality (the share of blocks clear of their band's median) 10 is below 40: the trim region is too flat for this hash to tell it from unrelated images",
      },
    ]);
  });
});

describe('robustImageQueries', () => {
  it('looks each variant up at its class’s distance, and a gated one not at all', () => {
    const [pdq, blockhash, md5] = robustImageQueries(image(90, 20));
    const r = (variant: string) => lookupRadius(ROBUST_RULES, 'pdq', variant);
    expect(pdq.variants).toEqual([
      { variant: 'original', value: hex('a'), maxDistance: r('original') },
      { variant: 'rotate90', value: hex('c'), maxDistance: r('rotate90') },
      { variant: 'trim', value: hex('e'), maxDistance: r('trim') },
    ]);
    // The radius is the widest the class may match at, alone or together, over every stored class.
    const t = ROBUST_RULES.alone.pdq.region;
    expect(r('trim')).toBe(Math.max(t.whole, t.region, t.crop, ...Object.values(ROBUST_RULES.together.pdq.region)));
    // The query's centre (a watermark left outside) is a region too.
    expect(r('centre')).toBe(r('trim'));
    // The whole blockhash is below its gate: its rotations are not looked up; the trim region's is gated too.
    expect(blockhash.variants).toEqual([
      { variant: 'original', value: hex('b'), maxDistance: -1 },
      { variant: 'rotate90', value: hex('d'), maxDistance: -1 },
    ]);
    expect(md5).toEqual({ type: 'md5', value: '1'.repeat(32) });
  });
});

describe('settleWeak', () => {
  const match = (type: 'pdq' | 'blockhash', weak: boolean) => ({
    id: type,
    type,
    value: hex('a'),
    distance: 30,
    labels: [],
    contributors: 1,
    feedback: { confirm: 0, dispute: 0 },
    ...(weak ? { weak } : {}),
  });
  const result = (type: 'pdq' | 'blockhash', matches: ReturnType<typeof match>[]): MatchAnswer => ({
    query: { type, value: hex('a') },
    matched: matches.length > 0,
    matches,
  });

  it('keeps a lone weak match weak', () => {
    const r = [result('pdq', [match('pdq', true)]), result('blockhash', [])];
    expect(settleWeak(r)).toEqual(r);
  });

  it('clears it when another hash of the upload matched', () => {
    const settled = settleWeak([result('pdq', [match('pdq', true)]), result('blockhash', [match('blockhash', false)])]);
    expect(settled.flatMap((x) => x.matches.map((m) => m.weak))).toEqual([undefined, undefined]);
  });
});

describe('robustJudge', () => {
  const cls = (n: number) => ({ whole: n, region: n, crop: n });
  const rules: RobustRules = {
    ...ROBUST_RULES,
    alone: {
      pdq: {
        whole: { whole: 32, region: 30, crop: 24 },
        dihedral: cls(32),
        region: { whole: 36, region: 24, crop: 20 },
        search: { whole: -1, region: -1, crop: 18 },
      },
      blockhash: { whole: cls(16), dihedral: cls(-1), region: cls(16), search: cls(-1) },
    },
    together: {
      pdq: { whole: cls(44), dihedral: cls(-1), region: cls(40), search: cls(-1) },
      blockhash: { whole: cls(26), dihedral: cls(-1), region: cls(24), search: cls(-1) },
    },
  };
  const judge = robustJudge(rules);

  it('takes the threshold of the query variant’s class and the stored variant’s class', () => {
    expect(judge('pdq', 'original', ['whole'], 32, 64)).toEqual({ strength: 'alone', threshold: 32 });
    expect(judge('pdq', 'original', ['crop-c10'], 25, 64)).toEqual({ strength: 'together', threshold: -1 });
    expect(judge('pdq', 'trim', ['whole'], 36, 64)).toEqual({ strength: 'alone', threshold: 36 });
    expect(judge('pdq', 'trim', ['trim'], 36, 64)).toEqual({ strength: 'together', threshold: -1 });
    expect(judge('pdq', 'trim', ['trim'], 41, 64)).toBeNull();
    expect(judge('blockhash', 'rotate90', ['whole'], 0, 64)).toBeNull();
    // The query's own crops meet the stored crops only.
    expect(judge('pdq', 'recrop-c3', ['crop-c10'], 18, 64)).toEqual({ strength: 'alone', threshold: 18 });
    expect(judge('pdq', 'recrop-h7', ['crop-h20'], 19, 64)).toBeNull();
    expect(judge('pdq', 'recrop-v1', ['whole'], 0, 64)).toBeNull();
    expect(judge('pdq', 'recrop-c1', ['trim'], 0, 64)).toBeNull();
  });

  it('lets a hash in several items count by its loosest variant, and a hash without items as a whole image', () => {
    expect(judge('pdq', 'trim', ['crop-c5', 'whole'], 30, 64)).toEqual({ strength: 'alone', threshold: 36 });
    expect(judge('pdq', undefined, ['whole'], 30, 64)).toEqual({ strength: 'alone', threshold: 32 });
  });

  it('leaves hashes of other types at their own distance', () => {
    expect(judge('md5', undefined, ['whole'], 0, 0)).toEqual({ strength: 'alone', threshold: 0 });
    expect(judge('md5', undefined, ['whole'], 1, 0)).toBeNull();
  });
});

describe('settleTogether', () => {
  const match = (type: 'pdq' | 'blockhash', item: string, together: boolean) => ({
    id: `${type}-${item}`,
    type,
    value: hex('a'),
    distance: 40,
    labels: [],
    contributors: 1,
    feedback: { confirm: 0, dispute: 0 },
    item: { id: item, variant: 'whole' },
    ...(together ? { together } : {}),
  });
  const result = (type: 'pdq' | 'blockhash', matches: ReturnType<typeof match>[]): MatchAnswer => ({
    query: { type, value: hex('a') },
    matched: matches.length > 0,
    matches,
  });

  it('keeps a match on two signals when the same item matched through the other type, without the flag', () => {
    const settled = settleTogether([result('pdq', [match('pdq', 'x', true)]), result('blockhash', [match('blockhash', 'x', true)])]);
    expect(settled.map((r) => r.matches.map((m) => `${m.id} ${m.together ?? '-'}`))).toEqual([['pdq-x -'], ['blockhash-x -']]);
    expect(settled.every((r) => r.matched)).toBe(true);
  });

  it('drops it when the other type matched another item, or nothing', () => {
    const settled = settleTogether([result('pdq', [match('pdq', 'x', true), match('pdq', 'y', false)]), result('blockhash', [match('blockhash', 'y', false)])]);
    expect(settled.map((r) => r.matches.map((m) => m.id))).toEqual([['pdq-y'], ['blockhash-y']]);
    const alone = settleTogether([result('pdq', [match('pdq', 'x', true)]), result('blockhash', [])]);
    expect(alone[0]).toEqual({ query: alone[0].query, matched: false, matches: [] });
  });
});

describe('togetherByItems', () => {
  /**
   * An index holding blockhash hits for the values given (at the distances given, each the stored
   * hash of seq 1), a store whose hash 1 belongs to the items given and whose items hold the PDQ
   * hashes given; recording the index's lookups and the store's reads.
   */
  const depsWith = (near: Record<string, number>, items: string[] = [], pdqOfItems: { seq: number; value: string }[] = []) => {
    const lookups: { type: string; values: string[]; radii: number[] }[] = [];
    const reads: string[] = [];
    const index = {
      ready: () => true,
      async queryWithin(type: string, values: string[], radii: number[]): Promise<IndexHit[][]> {
        lookups.push({ type, values, radii });
        return values.map((v, k) => (type === 'blockhash' && v in near && near[v] <= radii[k] ? [{ seq: 1, value: v, distance: near[v] }] : []));
      },
    };
    const hashes = {
      async getBySeqs(seqs: number[]) {
        reads.push(`getBySeqs ${seqs.join(',')}`);
        return seqs.map((seq) => ({ seq, items: items.map((id) => ({ id, variant: 'whole' })) }));
      },
      async activeOfItems(ids: string[], type: string) {
        reads.push(`activeOfItems ${ids.join(',')} ${type}`);
        return pdqOfItems.map((h) => ({ ...h, type }));
      },
    };
    return { deps: { index, hashes } as unknown as ServiceDeps, lookups, reads };
  };
  const radiusOf = (qs: ReturnType<typeof robustImageQueries>, type: string, variant: string) =>
    qs.find((q) => q.type === type)?.variants?.find((v) => v.variant === variant)?.maxDistance;
  const aloneWhole = Math.max(...Object.values(ROBUST_RULES.alone.pdq.whole));
  /** hex('a') with its first n bits flipped. */
  const nearA = (n: number) => {
    const b = Buffer.from(hex('a'), 'hex');
    for (let i = 0; i < n; i++) b[i >> 3] ^= 0x80 >> (i & 7);
    return b.toString('hex');
  };

  it('looks PDQ up only within its alone distances, and asks nothing more when no blockhash of the upload is near anything', async () => {
    const queries = robustImageQueries(image(80, 70));
    expect(radiusOf(queries, 'pdq', 'original')).toBe(ROBUST_RULES.together.pdq.whole.whole);
    const { deps, lookups, reads } = depsWith({});
    const planned = await togetherByItems(deps, queries);
    expect(radiusOf(planned.queries, 'pdq', 'original')).toBe(aloneWhole);
    // Nothing else changes: the rotations and regions already had their alone distances; blockhash as it was.
    expect(radiusOf(planned.queries, 'pdq', 'rotate90')).toBe(radiusOf(queries, 'pdq', 'rotate90'));
    expect(radiusOf(planned.queries, 'pdq', 'trim')).toBe(radiusOf(queries, 'pdq', 'trim'));
    expect(planned.queries.filter((q) => q.type !== 'pdq')).toEqual(queries.filter((q) => q.type !== 'pdq'));
    // It asked about every blockhash probe the rules look up, each within its own distance.
    expect(lookups).toEqual([
      {
        type: 'blockhash',
        values: [hex('b'), hex('d')],
        radii: [lookupRadius(ROBUST_RULES, 'blockhash', 'original'), lookupRadius(ROBUST_RULES, 'blockhash', 'rotate90')],
      },
    ]);
    expect(reads).toEqual([]);
    expect(planned.extra).toEqual([]);
  });

  it('compares the PDQ as sent with the PDQ hashes of the items blockhash found, within the together distance, instead of looking it up', async () => {
    const queries = robustImageQueries(image(80, 70));
    const together = ROBUST_RULES.together.pdq.whole.whole;
    const { deps, lookups, reads } = depsWith(
      { [hex('d')]: 3 },
      ['item-1', 'item-2'],
      [
        { seq: 7, value: nearA(40) },
        { seq: 8, value: nearA(together + 1) },
        { seq: 9, value: nearA(together) },
      ],
    );
    const planned = await togetherByItems(deps, queries);
    // PDQ is looked up within its alone distances all the same: only blockhash went to the index here.
    expect(radiusOf(planned.queries, 'pdq', 'original')).toBe(aloneWhole);
    expect(lookups.map((l) => l.type)).toEqual(['blockhash']);
    expect(reads).toEqual(['getBySeqs 1', 'activeOfItems item-1,item-2 pdq']);
    const pdqAt = queries.findIndex((q) => q.type === 'pdq');
    // The query as sent is the one PDQ variant wider than its alone distance; beyond the together distance nothing.
    expect(planned.extra).toEqual([
      { query: pdqAt, seq: 7, distance: 40, variant: 'original', maxDistance: together },
      { query: pdqAt, seq: 9, distance: together, variant: 'original', maxDistance: together },
    ]);
  });

  it('reads no item when the hashes blockhash found belong to none (shared by value: nothing can match together)', async () => {
    const { deps, reads } = depsWith({ [hex('b')]: 0 }, []);
    const planned = await togetherByItems(deps, robustImageQueries(image(80, 70)));
    expect(reads).toEqual(['getBySeqs 1']);
    expect(planned.extra).toEqual([]);
  });

  it('narrows without asking when no blockhash of the upload passes its gate', async () => {
    const queries = robustImageQueries(image(80, 10));
    const { deps, lookups, reads } = depsWith({ [hex('b')]: 0 }, ['item-1'], [{ seq: 7, value: nearA(1) }]);
    const planned = await togetherByItems(deps, queries);
    expect(lookups).toEqual([]);
    expect(reads).toEqual([]);
    expect(radiusOf(planned.queries, 'pdq', 'original')).toBe(aloneWhole);
    expect(planned.extra).toEqual([]);
  });
});
