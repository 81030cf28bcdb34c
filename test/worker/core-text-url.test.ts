/**
 * core/url and core/tlsh inside workerd: the URL canonical forms come from the runtime's WHATWG
 * parser and the text normalisation from its Unicode tables, so both are checked here against the
 * same expectations as on Node.
 */
import { describe, expect, it } from 'vitest';
import { canonicalUrl } from '../../src/core/url';
import { normaliseText, textTlsh, tlshDigest, tlshDistance } from '../../src/core/tlsh';
import { ACCEPTED, REFUSED } from '../support/url-cases';

describe('core/url in workerd', () => {
  it('gives every canonical form of the Node table', () => {
    expect(ACCEPTED.filter(([, input, url]) => JSON.stringify(canonicalUrl(input)) !== JSON.stringify({ url }))).toEqual([]);
  });

  it('refuses every input of the Node table with the same problem', () => {
    const wrong = REFUSED.filter(([, input, problem]) => {
      const r = canonicalUrl(input);
      return !('problem' in r) || (typeof problem === 'string' ? r.problem !== problem : !problem.test(r.problem));
    });
    expect(wrong).toEqual([]);
  });
});

describe('core/tlsh in workerd', () => {
  it("gives python-threatexchange's vector and the Node text digest", () => {
    const s = "A minimum string length must be 256 bytes! That's so much text this means it's not super useful for finding short text!";
    expect(tlshDigest(new TextEncoder().encode(s))).toBe('T1DFB092A1724AC2C0D3CA48452291EA04A5B75EB903A6E7577A54118FFA8148E98F9426');
    expect(normaliseText('ﬁle\u00a0Ｆｕｌｌ\u2028İ')).toBe('file full i\u0307');
    const text = ('Ｔｈｅ ﬁrst line\r\nof SOME text. ' + s).repeat(3);
    // Computed on Node.
    expect(textTlsh(text)).toBe(NODE_TEXT_DIGEST);
    expect(tlshDistance(textTlsh(text)!, tlshDigest(new TextEncoder().encode(s))!)).toBe(NODE_DISTANCE);
  });
});

const NODE_TEXT_DIGEST = 'T1ECF08C91320AC3C1E6C948413691F604F5A20B7D0665E302BE14018FBA8088E88F8825';
const NODE_DISTANCE = 155;
