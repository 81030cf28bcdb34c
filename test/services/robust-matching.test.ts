/** The robust sharing and matching rules on plain data: what a share keeps, at which distance each query variant is looked up, when a match stays weak. */
import { describe, expect, it } from 'vitest';
import { ROBUST_RULES } from '../../src/core/robust';
import type { MediaHashes } from '../../src/services/hashing';
import type { MatchAnswer } from '../../src/services/matching';
import { robustImageQueries, settleWeak, shareableImageHashes } from '../../src/services/robust-matching';

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
    const { items, omitted } = shareableImageHashes(image(30, 70));
    // The whole image's blockhash passes its own gate but goes with its PDQ: too smooth for both.
    expect(items.map((i) => `${i.type}/${i.variant ?? '-'}`)).toEqual(['pdq/trim', 'md5/-', 'sha256/-']);
    expect(omitted).toEqual([
      {
        type: 'pdq',
        variant: 'whole',
        quality: 30,
        reason: 'PDQ quality 30 is below 50: the image is too flat for this hash to tell it from unrelated images',
      },
      { type: 'blockhash', variant: 'whole', quality: 70, reason: "the image's PDQ quality 30 is below 50: too smooth for blockhash as well" },
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
    const r = ROBUST_RULES.maxDistance;
    expect(pdq.variants).toEqual([
      { variant: 'original', value: hex('a'), maxDistance: r.pdq.whole },
      { variant: 'rotate90', value: hex('c'), maxDistance: r.pdq.dihedral },
      { variant: 'trim', value: hex('e'), maxDistance: r.pdq.region },
    ]);
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
