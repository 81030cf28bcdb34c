/**
 * The caps the PDF tools run under (src/runtime/node/document/capped.ts), on real processes: the address-space
 * cap stops a process that allocates past it, the wall clock kills one that runs past it, the input
 * reaches stdin from memory, and the output cap stops a process that writes too much.
 */
import { describe, expect, it } from 'vitest';
import { runCapped } from '../../src/runtime/node/document';

const soon = (ms: number) => ({ memoryBytes: 0, deadline: Date.now() + ms });

describe('capped child processes', () => {
  it('hands the input on stdin and returns stdout', async () => {
    const r = await runCapped('cat', [], new TextEncoder().encode('from memory'), soon(10_000), 1024);
    expect(r).toMatchObject({ code: 0, cut: false, expired: false });
    expect(r.stdout.toString()).toBe('from memory');
  });

  it('a process allocating past its address-space cap does not get the memory', async () => {
    // The shell builds a 200 MB string under a 64 MiB cap.
    const r = await runCapped(
      'sh',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: ${#x} is the shell's, not a template
      ['-c', 'x=$(head -c 200000000 /dev/zero | tr "\\0" a); echo ${#x}'],
      null,
      { memoryBytes: 64 * 2 ** 20, deadline: Date.now() + 30_000 },
      1024,
    );
    expect(r.code === 0 && r.stdout.toString().trim() === '200000000').toBe(false);
    expect(r.expired).toBe(false);
  });

  it('is killed at the deadline', async () => {
    const started = Date.now();
    const r = await runCapped('sleep', ['30'], null, soon(300), 1024);
    expect(r.expired).toBe(true);
    expect(r.signal).toBe('SIGKILL');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('is stopped once it writes more than the output cap', async () => {
    const r = await runCapped('head', ['-c', '10000000', '/dev/zero'], null, soon(10_000), 4096);
    expect(r.cut).toBe(true);
    expect(r.stdout.length).toBe(4096);
  });
});
