/** D1 refuses a statement with more than 100 bound parameters: lists are cut so that each statement, its own parameters included, stays within. */
import { describe, expect, it } from 'vitest';
import { chunkRows } from '../../src/storage/db';

describe('chunkRows', () => {
  const ids = Array.from({ length: 250 }, (_, i) => i);

  it('cuts a list into chunks of at most 100 parameters, in order, nothing lost', () => {
    const chunks = chunkRows(ids, 1);
    expect(chunks.map((c) => c.length)).toEqual([100, 100, 50]);
    expect(chunks.flat()).toEqual(ids);
    expect(chunkRows(ids, 3).every((c) => c.length * 3 <= 100)).toBe(true);
  });

  it("leaves room for the statement's own parameters", () => {
    const chunks = chunkRows(ids, 1, 1);
    expect(chunks.every((c) => c.length + 1 <= 100)).toBe(true);
    expect(chunks.map((c) => c.length)).toEqual([99, 99, 52]);
    expect(chunks.flat()).toEqual(ids);
  });
});
