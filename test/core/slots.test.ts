import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/core/errors';
import { Slots } from '../../src/core/limits';

/** A job that runs until `release()` is called. */
function gate() {
  let release!: () => void;
  const done = new Promise<void>((r) => (release = r));
  return { release, job: () => done };
}

describe('Slots', () => {
  it('runs at most `size` at once, then the queued ones in order, and refuses beyond the queue with busy', async () => {
    const slots = new Slots(2, 1, 'decodes');
    const order: string[] = [];
    const [a, b, c] = [gate(), gate(), gate()];
    const pa = slots.run(async () => (await a.job(), order.push('a')));
    const pb = slots.run(async () => (await b.job(), order.push('b')));
    const pc = slots.run(async () => (order.push('c starts'), await c.job(), order.push('c')));
    expect(slots.load()).toEqual({ running: 2, waiting: 1 });
    const refused = await slots.run(async () => 'never').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DomainError);
    expect(refused).toMatchObject({ code: 'busy', extra: { retryAfter: 5 } });
    expect((refused as Error).message).toMatch(/2 decodes at once and 1 waiting/);
    b.release();
    await pb;
    await Promise.resolve();
    expect(order).toEqual(['b', 'c starts']);
    expect(slots.load()).toEqual({ running: 2, waiting: 0 });
    a.release();
    c.release();
    await Promise.all([pa, pc]);
    expect(slots.load()).toEqual({ running: 0, waiting: 0 });
  });

  it('frees the slot when the job throws', async () => {
    const slots = new Slots(1, 0);
    await expect(slots.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(slots.load()).toEqual({ running: 0, waiting: 0 });
    expect(await slots.run(async () => 42)).toBe(42);
  });

  it('reserve takes a place before the work exists: counted at once, run later without refusal, given back once', async () => {
    const slots = new Slots(1, 1, 'decodes');
    const first = slots.reserve();
    const second = slots.reserve();
    expect(slots.load()).toEqual({ running: 0, waiting: 2 });
    // Both places are taken: a third caller is refused at once, reserving or running.
    expect(() => slots.reserve()).toThrow(/1 decodes at once and 1 waiting/);
    await expect(slots.run(async () => 'never')).rejects.toMatchObject({ code: 'busy' });
    const a = gate();
    const order: string[] = [];
    const pa = first.run(async () => (await a.job(), order.push('a')));
    const pb = second.run(async () => order.push('b'));
    expect(slots.load()).toEqual({ running: 1, waiting: 1 });
    await expect(first.run(async () => 'again')).rejects.toThrow(/already used/);
    first.release(); // after run: nothing to give back
    expect(slots.load()).toEqual({ running: 1, waiting: 1 });
    a.release();
    await Promise.all([pa, pb]);
    expect(order).toEqual(['a', 'b']);
    expect(slots.load()).toEqual({ running: 0, waiting: 0 });
  });

  it('a place released unused (its body was never read, or was not an image) frees its room, once', () => {
    const slots = new Slots(1, 0);
    const place = slots.reserve();
    expect(() => slots.reserve()).toThrow(/busy|limit/);
    place.release();
    place.release();
    expect(slots.load()).toEqual({ running: 0, waiting: 0 });
    slots.reserve().release();
    expect(slots.load()).toEqual({ running: 0, waiting: 0 });
  });

  it("a waiter whose request's client has gone leaves the queue with `cancelled`; the others keep their order; the slot is handed on", async () => {
    const slots = new Slots(1, 2);
    const a = gate();
    const order: string[] = [];
    const running = slots.run(async () => (await a.job(), order.push('a')));
    const gone = new AbortController();
    const b = slots.run(async () => order.push('b'), gone.signal);
    const c = slots.run(async () => order.push('c'), new AbortController().signal);
    expect(slots.load()).toEqual({ running: 1, waiting: 2 });
    gone.abort();
    await expect(b).rejects.toMatchObject({ code: 'cancelled' });
    expect(slots.load()).toEqual({ running: 1, waiting: 1 });
    // Its place is free at once: another is admitted though the queue held two.
    const d = slots.reserve();
    a.release();
    await Promise.all([running, c, d.run(async () => order.push('d'))]);
    expect(order).toEqual(['a', 'c', 'd']);
    expect(slots.load()).toEqual({ running: 0, waiting: 0 });
  });

  it('an abort once the slot is handed over, or before asking, takes no slot twice and leaks none', async () => {
    const slots = new Slots(1, 1);
    const before = new AbortController();
    before.abort();
    let ran = false;
    await expect(slots.run(async () => (ran = true), before.signal)).rejects.toMatchObject({ code: 'cancelled' });
    expect(ran).toBe(false);
    expect(slots.load()).toEqual({ running: 0, waiting: 0 });
    const a = gate();
    const first = slots.run(() => a.job());
    const late = new AbortController();
    const b = gate();
    const second = slots.run(() => b.job(), late.signal);
    a.release();
    await first;
    late.abort(); // handed the slot already: it runs to its end, the slot is freed once
    expect(slots.load()).toEqual({ running: 1, waiting: 0 });
    b.release();
    await second;
    expect(slots.load()).toEqual({ running: 0, waiting: 0 });
  });
});
