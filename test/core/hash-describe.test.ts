/**
 * What GET /v1/labels says of each hash type (core/hashes/describe.ts) against the code it
 * describes: PDQ's two sharing gates, PDQ's own for a share by value (services/sharing.ts) and the
 * robust rules' for a media share (routes/share-media.ts), which keeps a dim image's PDQ of 30–49.
 */
import { describe, expect, it } from 'vitest';
import { hashTypeInfo, THRESHOLDS } from '../../src/core/hashes';
import { ROBUST_RULES } from '../../src/core/robust';

describe('hashTypeInfo', () => {
  it('pdq: names both gates, by value and for a media share, from the constants the shares use', () => {
    const pdq = hashTypeInfo().find((h) => h.type === 'pdq')!.description;
    expect(THRESHOLDS.pdq.minQuality).toBe(50);
    expect(ROBUST_RULES.minQuality.pdq).toBe(30);
    expect(pdq).toContain('Shared by value (POST /v1/hashes), a PDQ with a quality below 50 is refused');
    expect(pdq).toContain('a media share (POST /v1/hashes/media) keeps quality 30 to 49 and leaves out a PDQ below 30');
    expect(pdq).not.toMatch(/below 50 are not shared/);
  });
});
