import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { blockhash, compileBlockhashKernels } from '../../src/core/blockhash';
import { SharpImageDecoder } from '../../src/runtime/node/image';
import { conformancePath } from '../support/conformance';

const dir = conformancePath('blockhash');
const images = readdirSync(dir).filter((f) => /\.(jpg|png)$/.test(f));
const decoder = new SharpImageDecoder({ maxPixels: 100_000_000 });
const KERNEL = compileBlockhashKernels();

function expected(image: string, method: 1 | 2): string {
  const base = image.replace(/\.\w+$/, '');
  return readFileSync(`${dir}/${base}_16_${method}.txt`, 'utf8').trim().split(/\s+/)[0];
}

describe('blockhash conformance (../shared/conformance/blockhash)', () => {
  it('has the 17 reference images', () => {
    expect(images).toHaveLength(17);
  });

  it.each(images)('%s: method 1 and method 2 reproduce the reference hashes exactly', async (image) => {
    const img = await decoder.decode(readFileSync(`${dir}/${image}`));
    expect(blockhash(img, KERNEL, 1)).toBe(expected(image, 1));
    expect(blockhash(img, KERNEL, 2)).toBe(expected(image, 2));
  });

  it('the per-image files agree with the C reference lists (exact = method 2, quick = method 1)', () => {
    for (const [file, method] of [
      ['exact-hashes.txt', 2],
      ['quick-hashes.txt', 1],
    ] as const) {
      for (const line of readFileSync(`${dir}/${file}`, 'utf8').trim().split('\n')) {
        const [hex, name] = line.trim().split(/\s+/);
        expect(expected(name, method)).toBe(hex);
      }
    }
  });
});
