/** The Node runtime's ids (UUIDv7 from a pool of random bytes). */
import { describe, expect, it } from 'vitest';
import { uuidV7Source } from '../../src/runtime/node/ids';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const msOf = (id: string) => Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16);

describe('uuidV7Source', () => {
  it('makes RFC 9562 version 7 ids carrying the time, in the order made, never twice', () => {
    let t = Date.UTC(2026, 11, 3, 1, 0, 0);
    const clock = () => t;
    const next = uuidV7Source(clock);
    const ids: string[] = [];
    // Many in one millisecond (past the 4 kB pool several times), then the clock moves, then stands still, then goes back.
    for (let i = 0; i < 3000; i++) ids.push(next());
    t += 1;
    for (let i = 0; i < 10; i++) ids.push(next());
    t -= 5;
    for (let i = 0; i < 10; i++) ids.push(next());
    for (const id of ids) expect(id).toMatch(UUID_V7);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    expect(msOf(ids[0])).toBe(Date.UTC(2026, 11, 3, 1, 0, 0));
    expect(msOf(ids[3000])).toBe(Date.UTC(2026, 11, 3, 1, 0, 0) + 1);
    // A clock that goes back keeps the last millisecond (and the order).
    expect(msOf(ids[ids.length - 1])).toBe(Date.UTC(2026, 11, 3, 1, 0, 0) + 1);
  });

  it('random bits differ between sources and between milliseconds', () => {
    const a = uuidV7Source(() => 1_800_000_000_000);
    const b = uuidV7Source(() => 1_800_000_000_000);
    expect(a().slice(15)).not.toBe(b().slice(15));
  });
});
