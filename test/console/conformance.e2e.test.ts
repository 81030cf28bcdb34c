/**
 * Hashes computed in the browser equal the node's: every JPEG and PNG of ../shared/conformance/pdq
 * and …/blockhash goes through the console's hashing worker in Chromium (the browser's own decoder,
 * then src/core's PDQ and blockhash on their WebAssembly kernels) and through the node's hashing
 * service (sharp, the same core code). Where the browser's decoder gives other pixels the distances
 * are printed, and held to the exceptions the README lists.
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsole } from '../../src/console/build';
import { hashMedia } from '../../src/services/hashing';
import { conformanceImages } from '../support/edge-images';
import { launchChromium, ownTempRoot, startNode, type TestNode } from './browser';

/**
 * Images whose pixels the browser decodes differently from sharp, and the most bits their hashes
 * may differ by (measured; the README's table). Every other image must hash identically.
 */
const DECODER_DIFFERS: Record<string, { pdq: number; blockhash: number; note: RegExp }> = {
  // Chromium's CMYK -> RGB (Skia) is not libvips' ICC-based one (the edge refuses these for the same reason).
  'pdq/pdq/data/misc-images/modes/CMYK.jpg': { pdq: 6, blockhash: 6, note: /^CMYK JPEG/ },
  // 16-bit grey: Chromium reduces to 8 bits by its own rounding; the node's sharp pipeline gives a
  // much flatter image (PDQ quality 36 against the browser's 100).
  'pdq/python-threatexchange/threatexchange/tests/hashing/resources/I16.png': { pdq: 118, blockhash: 118, note: /^16-bit PNG/ },
  // Grey + alpha: the canvas premultiplies, so partly transparent pixels come back changed.
  'pdq/python-threatexchange/threatexchange/tests/hashing/resources/LA.png': { pdq: 14, blockhash: 10, note: /^Transparency/ },
};

let temp: ReturnType<typeof ownTempRoot>;
let node: TestNode;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  await buildConsole();
  temp = ownTempRoot();
  browser = await launchChromium();
  node = await startNode(join(temp.root, 'node'));
  page = await (await browser.newContext()).newPage();
  await page.goto(`${node.url}/console`);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await node?.close();
  temp?.restore();
});

const bits = (a: string, b: string): number => {
  let n = 0;
  for (let i = 0; i < a.length; i++) n += [...((parseInt(a[i], 16) ^ parseInt(b[i], 16)) >>> 0).toString(2)].filter((c) => c === '1').length;
  return n;
};

interface BrowserHashes {
  ok: boolean;
  error?: string;
  result?: {
    notes: string[];
    hashes: { pdq: { value: string; quality: number }; blockhash: { value: string }; md5: { value: string }; sha256: { value: string } };
    media: { width: number; height: number };
    kernels: { pdq: boolean; blockhash: boolean };
  };
}

/** The console's own hashing worker, as the Check page uses it, on bytes handed in by the test. */
function hashInBrowser(bytes: Uint8Array, type: string): Promise<BrowserHashes> {
  return page.evaluate(
    async ({ b64, type }) => {
      const w = ((globalThis as unknown as { __w?: Worker }).__w ??= new Worker(
        document.querySelector<HTMLMetaElement>('meta[name="mhn-hash-worker"]')!.content,
        { type: 'module' },
      ));
      const bin = atob(b64);
      const buf = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) buf[i] = bin.charCodeAt(i);
      return new Promise<BrowserHashes>((resolve) => {
        w.onmessage = (ev) => resolve(ev.data);
        w.postMessage({ id: 1, bytes: buf.buffer, type, dihedral: false }, [buf.buffer]);
      });
    },
    { b64: Buffer.from(bytes).toString('base64'), type },
  );
}

describe('the browser hashes as the node does', () => {
  it('on every conformance JPEG and PNG', async () => {
    const rows: string[] = [];
    const differs: Record<string, { pdq: number; blockhash: number; quality: string }> = {};
    let same = 0;
    for (const img of conformanceImages()) {
      const type = img.name.toLowerCase().endsWith('.png') ? 'image/png' : 'image/jpeg';
      const mine = await hashInBrowser(img.bytes, type);
      let theirs: Awaited<ReturnType<typeof hashMedia>>;
      try {
        theirs = await hashMedia(node.rt.deps, img.bytes);
      } catch (e) {
        rows.push(`${img.name}: the node refuses it (${(e as Error).message}); the browser: ${mine.ok ? 'hashes it' : mine.error}`);
        continue;
      }
      if (theirs.kind !== 'image') throw new Error(`${img.name} is not an image`);
      if (!mine.ok || !mine.result) {
        rows.push(`${img.name}: the browser refuses it: ${mine.error}`);
        differs[img.name] = { pdq: 256, blockhash: 256, quality: 'refused' };
        continue;
      }
      const r = mine.result;
      expect(r.kernels, 'the WebAssembly kernels ran').toEqual({ pdq: true, blockhash: true });
      expect(r.hashes.md5.value).toBe(theirs.hashes.md5.value);
      expect(r.hashes.sha256.value).toBe(theirs.hashes.sha256.value);
      if (DECODER_DIFFERS[img.name]) expect(r.notes.join(' '), `${img.name}: the user is told`).toMatch(DECODER_DIFFERS[img.name].note);
      expect([r.media.width, r.media.height], img.name).toEqual([theirs.media.width, theirs.media.height]);
      const d = { pdq: bits(r.hashes.pdq.value, theirs.hashes.pdq.value), blockhash: bits(r.hashes.blockhash.value, theirs.hashes.blockhash.value) };
      if (d.pdq === 0 && d.blockhash === 0 && r.hashes.pdq.quality === theirs.hashes.pdq.quality) same++;
      else {
        differs[img.name] = { ...d, quality: `${r.hashes.pdq.quality} vs ${theirs.hashes.pdq.quality}` };
        rows.push(
          `${img.name}: PDQ ${d.pdq} bits, blockhash ${d.blockhash} bits, quality ${r.hashes.pdq.quality} (browser) vs ${theirs.hashes.pdq.quality} (node)`,
        );
      }
    }
    console.log(`browser vs node on the conformance images: ${same} identical\n${rows.join('\n')}`);
    expect(same).toBe(conformanceImages().length - Object.keys(DECODER_DIFFERS).length);
    for (const [name, d] of Object.entries(differs)) {
      const allowed = DECODER_DIFFERS[name];
      expect(allowed, `${name} hashes differently in the browser: ${JSON.stringify(d)}`).toBeDefined();
      expect(d.pdq, name).toBeLessThanOrEqual(allowed.pdq);
      expect(d.blockhash, name).toBeLessThanOrEqual(allowed.blockhash);
    }
  }, 300_000);
});
