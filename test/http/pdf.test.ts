/**
 * PDFs through the real app and poppler: hashed from memory, shared (its pages stored as a video's
 * frames are, each page in the PDQ index), matched by the document rule with both shares in the
 * answer, by the tlsh of its text, page by page against images and images against its pages; and
 * the edits a PDF goes through (re-exported, a page added or removed, re-typeset) still matching.
 * The PDFs are generated (test/support/pdf.ts): no real document.
 */
import { execFileSync } from 'node:child_process';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pdfDigest } from '../../src/core/document';
import { LAYOUT_B, magazine, makePdf, prose, type PageSpec } from '../support/pdf';
import { json, makeTestApp, type TestApp } from '../support/app';

let t: TestApp;
let A: Record<string, string>;
let B: Record<string, string>;
const MAG = magazine(5, 6);
let original: Uint8Array<ArrayBuffer>;
beforeAll(async () => {
  t = await makeTestApp();
  A = await t.as('partner', 'pdf-a');
  B = await t.as('partner', 'pdf-b');
  original = await makePdf(MAG);
});
afterAll(() => t.close());

interface Result {
  query: { type: string; value: string; pages?: number; usablePages?: number };
  matches: {
    id: string;
    type: string;
    distance: number;
    labels: string[];
    document?: { queryMatchPercent: number; candidateMatchPercent: number };
    page?: { number: number };
  }[];
}

const pdfBody = (bytes: Uint8Array<ArrayBuffer>, headers = B) => ({ method: 'POST', headers: { ...headers, 'content-type': 'application/pdf' }, body: bytes });
async function matchPdf(bytes: Uint8Array<ArrayBuffer>): Promise<{ hashes: Record<string, { value: string }>; results: Result[] }> {
  const res = await t.request('/v1/match/media', pdfBody(bytes));
  expect(res.status).toBe(200);
  return res.json();
}
/** Page `n` (from 1) rendered as an image at `dpi`, re-encoded as a JPEG: a screenshot of it. */
async function pageImage(pdf: Uint8Array, n: number, dpi: number): Promise<Uint8Array<ArrayBuffer>> {
  const png = execFileSync('pdftoppm', ['-r', String(dpi), '-f', String(n), '-l', String(n), '-png', '-singlefile', '-'], { input: pdf });
  return new Uint8Array(await sharp(png).jpeg({ quality: 80 }).toBuffer());
}

let shared: { pdf: string; tlsh: string; md5: string; pdfValue: string };

describe('hashing a PDF', () => {
  it('hashes every page at 72 dpi and the text; the hash is the same from raw bytes and from multipart', async () => {
    const res = await t.request('/v1/hash', pdfBody(original));
    expect(res.status).toBe(200);
    const h = await res.json();
    expect(h.kind).toBe('pdf');
    expect(h.media).toMatchObject({ format: 'pdf', pages: 6, resolutionDpi: 72, encrypted: false });
    expect(h.media.textCharacters).toBeGreaterThan(6 * 1000);
    expect(h.hashes.pdf.pages.map((p: { page: number }) => p.page)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const p of h.hashes.pdf.pages) expect(p.quality).toBeGreaterThanOrEqual(50);
    expect(h.hashes.pdf.value).toBe(pdfDigest(h.hashes.pdf.pages));
    expect(h.hashes.tlsh.value).toMatch(/^T1[0-9A-F]{70}$/);
    const form = new FormData();
    form.set('file', new Blob([original]), 'issue.bin');
    const again = await (await t.request('/v1/hash', { method: 'POST', headers: B, body: form })).json();
    expect(again.hashes).toEqual(h.hashes);
  });

  it('tells a PDF by its bytes, whatever it is sent as', async () => {
    const res = await t.request('/v1/hash', { method: 'POST', headers: { ...B, 'content-type': 'image/jpeg' }, body: original });
    expect(res.status).toBe(200);
    expect((await res.json()).kind).toBe('pdf');
  });
});

describe('sharing and matching PDFs', () => {
  it('shares a PDF: pdf (its pages), tlsh, md5 and sha256; the feed carries the pages, the audit log their count', async () => {
    const form = new FormData();
    form.set('file', new Blob([original], { type: 'application/pdf' }), 'issue.pdf');
    form.set('labels', 'branded-publication');
    const res = await t.request('/v1/hashes/media', { method: 'POST', headers: A, body: form });
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body.items.map((i: { type: string; outcome: string }) => [i.type, i.outcome])).toEqual([
      ['pdf', 'created'],
      ['tlsh', 'created'],
      ['md5', 'created'],
      ['sha256', 'created'],
    ]);
    shared = { pdf: body.items[0].id, tlsh: body.items[1].id, md5: body.items[2].id, pdfValue: body.items[0].value };
    const feed = await (await t.request('/v1/hashes?limit=100', { headers: A })).json();
    const add = feed.entries.find((e: { hash: { id: string } }) => e.hash.id === shared.pdf);
    expect(add.hash.pages).toEqual(body.hashes.pdf.pages);
    expect(add.hash.frames).toBeUndefined();
    const auditor = await t.as('auditor', 'pdf-auditor');
    const lines = (await (await t.request('/v1/audit/export', { headers: auditor })).text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(JSON.parse(l).entry));
    const entry = lines.find((e) => e.subject.id === shared.pdf);
    expect(entry.content).toMatchObject({ type: 'pdf', value: shared.pdfValue, pages: 6, labels: ['branded-publication'] });
  });

  it('the same PDF matches itself exactly: 100 % of its pages both ways, and its tlsh and sha256', async () => {
    const { results } = await matchPdf(original);
    const pdf = results.find((r) => r.query.type === 'pdf')!;
    expect(pdf.query).toMatchObject({ pages: 6, usablePages: 6 });
    expect(pdf.matches[0]).toMatchObject({
      id: shared.pdf,
      type: 'pdf',
      distance: 0,
      document: { queryMatchPercent: 100, candidateMatchPercent: 100 },
      labels: ['branded-publication'],
    });
    expect(results.find((r) => r.query.type === 'tlsh')!.matches[0]).toMatchObject({ id: shared.tlsh, distance: 0 });
    expect(results.find((r) => r.query.type === 'md5')!.matches[0].id).toBe(shared.md5);
  });

  const extra: PageSpec = { seed: 424242, headline: 'An inserted page', body: prose(4242, 260) };
  const edits: [string, () => Promise<Uint8Array<ArrayBuffer>>, { pages?: [number, number]; text: boolean }][] = [
    [
      're-exported by another producer, without object streams',
      () => makePdf(MAG, { objectStreams: false, producer: 'other exporter 9' }),
      { pages: [100, 100], text: true },
    ],
    ['a page added', () => makePdf([...MAG.slice(0, 3), extra, ...MAG.slice(3)]), { pages: [85.71, 100], text: true }],
    // Five sixths of the text: TLSH's length term puts it past 40, the pages find it.
    ['a page removed', () => makePdf([...MAG.slice(0, 2), ...MAG.slice(3)]), { pages: [100, 83.33], text: false }],
    ['the text re-typeset in another layout (Letter, one column, sans-serif)', () => makePdf(MAG, { layout: LAYOUT_B }), { text: true }],
  ];
  for (const [name, make, want] of edits) {
    it(`finds the original from a copy with ${name}`, async () => {
      const { results } = await matchPdf(await make());
      const pdf = results.find((r) => r.query.type === 'pdf')!;
      const byPages = pdf.matches.find((m) => m.id === shared.pdf);
      if (want.pages) expect(byPages?.document).toEqual({ queryMatchPercent: want.pages[0], candidateMatchPercent: want.pages[1] });
      else expect(byPages).toBeUndefined();
      const byText = results.find((r) => r.query.type === 'tlsh')!.matches.find((m) => m.id === shared.tlsh);
      expect(!!byText).toBe(want.text);
    });
  }

  it('an unrelated PDF matches nothing of it', async () => {
    const { results } = await matchPdf(await makePdf(magazine(99, 5)));
    for (const r of results) expect(r.matches.map((m) => m.id)).not.toContain(shared.pdf);
    expect(results.find((r) => r.query.type === 'pdf')!.matches).toEqual([]);
  });

  it('a screenshot of one page (150 dpi JPEG) finds the PDF and names the page', async () => {
    const shot = await pageImage(original, 4, 150);
    const res = await t.request('/v1/match/media', { method: 'POST', headers: { ...B, 'content-type': 'image/jpeg' }, body: shot });
    expect(res.status).toBe(200);
    const pdq = (await res.json()).results.find((r: Result) => r.query.type === 'pdq') as Result;
    expect(pdq.matches[0]).toMatchObject({ id: shared.pdf, type: 'pdf', page: { number: 4 } });
    expect(pdq.matches[0].distance).toBeLessThanOrEqual(31);
  });

  it('a page of a query PDF finds an image shared alone (a cover), naming the query page', async () => {
    const cover = magazine(31, 1);
    const coverImage = await pageImage(await makePdf(cover), 1, 100);
    const form = new FormData();
    form.set('file', new Blob([coverImage], { type: 'image/jpeg' }), 'cover.jpg');
    form.set('labels', 'branded-publication');
    const s = await t.request('/v1/hashes/media', { method: 'POST', headers: A, body: form });
    expect(s.status).toBe(201);
    const coverId = (await s.json()).items[0].id;
    const { results } = await matchPdf(await makePdf([...magazine(32, 2), ...cover, ...magazine(33, 1)]));
    const pdf = results.find((r) => r.query.type === 'pdf')!;
    expect(pdf.matches.find((m) => m.id === coverId)).toMatchObject({ type: 'pdq', page: { number: 3 } });
  });

  it('pdf hashes as JSON: shared and matched by their pages; a wrong value, a bad page or pages on another type is 400', async () => {
    const h = await (await t.request('/v1/hash', pdfBody(await makePdf(magazine(61, 3))))).json();
    const pages = h.hashes.pdf.pages;
    const s = await t.request('/v1/hashes', json('POST', { items: [{ type: 'pdf', pages, labels: ['manifesto'] }] }, A));
    expect(s.status).toBe(201);
    const item = (await s.json()).items[0];
    expect(item).toMatchObject({ type: 'pdf', value: h.hashes.pdf.value });
    const m = await t.request('/v1/match', json('POST', { hashes: [{ type: 'pdf', pages: pages.slice(0, 2) }] }, B));
    expect((await m.json()).results[0].matches[0]).toMatchObject({ id: item.id, document: { queryMatchPercent: 100, candidateMatchPercent: 66.67 } });
    const bad: [unknown, string][] = [
      [{ type: 'pdf', pages, value: 'ab'.repeat(32), labels: ['manifesto'] }, 'items/0/value'],
      [{ type: 'pdf', pages: [{ page: 0, hash: pages[0].hash, quality: 100 }], labels: ['manifesto'] }, 'items/0/pages/0/page'],
      [{ type: 'pdf', pages: [pages[1], pages[0]], labels: ['manifesto'] }, 'items/0/pages/1/page'],
      [{ type: 'pdf', labels: ['manifesto'] }, 'items/0/pages'],
    ];
    for (const [it2, path] of bad) {
      const r = await t.request('/v1/hashes', json('POST', { items: [it2] }, A));
      expect(r.status).toBe(400);
      expect((await r.json()).errors[0].path).toBe(path);
    }
  });

  it('a retracted PDF stops matching, by its pages and by screenshots of them', async () => {
    const del = await t.request(`/v1/hashes/${shared.pdf}`, { method: 'DELETE', headers: A });
    expect(del.status).toBe(200);
    const { results } = await matchPdf(original);
    expect(results.find((r) => r.query.type === 'pdf')!.matches.map((m) => m.id)).not.toContain(shared.pdf);
    const shot = await pageImage(original, 2, 150);
    const res = await (await t.request('/v1/match/media', { method: 'POST', headers: { ...B, 'content-type': 'image/jpeg' }, body: shot })).json();
    expect(res.results[0].matches.map((m: { id: string }) => m.id)).not.toContain(shared.pdf);
    // Only the three pages of the PDF shared as JSON above remain in the index.
    expect(t.rt.index.counts().pdf).toBe(3);
  });
});
