/**
 * The client CLI with documents, text and links, as a process against a real node: a PDF and a text
 * hashed here equal what the node computes; a folder's PDFs are found by their bytes; a PDF shared
 * from the command line is found by the node from a page added; links shared with a folder scope and
 * matched by URL.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLines, runCli } from '../support/cli';
import { magazine, makePdf, prose } from '../support/pdf';
import { serveTestApp, type ServedApp } from '../support/served-app';

let node: ServedApp;
let work: string;
let env: Record<string, string>;
const MAG = magazine(12, 4);

const client = (args: string[]) => runCli('client', args, { cwd: work, env });
const lines = jsonLines;

beforeAll(async () => {
  node = await serveTestApp();
  work = mkdtempSync(join(tmpdir(), 'mhn-client-docs-'));
  mkdirSync(join(work, 'docs'));
  writeFileSync(join(work, 'docs', 'issue-4.bin'), await makePdf(MAG));
  writeFileSync(join(work, 'docs', 'readme.txt'), 'a note left beside the files\n');
  writeFileSync(join(work, 'manifesto.txt'), prose(13, 2000));
  const m = await node.member('partner', 'docs-partner');
  writeFileSync(join(work, 'key.json'), JSON.stringify(m.jwk), { mode: 0o600 });
  env = { MHN_NODE: node.base, MHN_CLIENT_ID: m.id, MHN_KEY: join(work, 'key.json') };
}, 120_000);
afterAll(async () => {
  await node?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('client with documents, text and links', () => {
  it("hash: a PDF found in a folder by its bytes (texts there left out), a named text; both equal the node's hashes", async () => {
    const r = await client(['hash', join(work, 'docs'), join(work, 'manifesto.txt'), '--json']);
    expect(r.code).toBe(0);
    const [pdf, text] = lines(r.stdout);
    expect(pdf).toMatchObject({ file: join(work, 'docs', 'issue-4.bin'), kind: 'pdf', media: { pages: 4 } });
    expect(text).toMatchObject({ kind: 'text', hashes: { tlsh: { value: expect.stringMatching(/^T1/) } } });
    const token = (await client(['token'])).stdout.trim();
    const post = (type: string, body: BodyInit) =>
      fetch(`${node.base}/v1/hash`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': type }, body });
    expect((await (await post('application/pdf', await makePdf(MAG))).json()).hashes).toEqual(pdf.hashes);
    expect((await (await post('text/plain', prose(13, 2000))).json()).hashes).toEqual(text.hashes);
    // One file as one of a folder: a line of text (--json: the JSON line above).
    const human = await client(['hash', join(work, 'docs', 'issue-4.bin')]);
    expect(human.stdout).toBe(
      `${join(work, 'docs', 'issue-4.bin')}  pdf 4 pages, pdf ${pdf.hashes.pdf.value}, tlsh ${pdf.hashes.tlsh.value}, ${pdf.media.textCharacters} characters of text\n`,
    );
  }, 120_000);

  it('share a PDF from the command line; the node finds it from a copy with a page added', async () => {
    const s = await client(['share', join(work, 'docs'), '--labels', 'branded-publication', '--json']);
    expect(s.code).toBe(0);
    expect(lines(s.stdout).map((l) => l.type)).toEqual(['pdf', 'tlsh', 'md5', 'sha256']);
    writeFileSync(join(work, 'copy.pdf'), await makePdf([...MAG, ...magazine(14, 1)]));
    const m = await client(['match', join(work, 'copy.pdf'), '--json']);
    const results = lines(m.stdout);
    const pdf = results.find((x) => x.query.type === 'pdf');
    expect(pdf.matches[0]).toMatchObject({ type: 'pdf', document: { queryMatchPercent: 80, candidateMatchPercent: 100 }, labels: ['branded-publication'] });
  }, 120_000);

  it('links: a folder shared with --url-scope prefix, then matched by URL, the scope named', async () => {
    const s = await client(['share', '--hash', 'url:https://t.me/s/a-channel', '--url-scope', 'prefix', '--labels', 'recruitment', '--json']);
    expect(s.code).toBe(0);
    expect(lines(s.stdout)[0]).toMatchObject({ type: 'url', outcome: 'created' });
    const m = await client(['match', '--hash', 'url:https://T.ME/s/a-channel/99?utm_source=x', '--json']);
    expect(lines(m.stdout)[0].matches[0]).toMatchObject({ type: 'url', url: { scope: 'prefix' }, labels: ['recruitment'] });
  }, 120_000);
});
