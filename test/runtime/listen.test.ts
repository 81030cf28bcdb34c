/**
 * The server's graceful stop, on the real listener: a response that has ended but is still being
 * written when the stop begins goes out whole; a kept-alive idle connection is closed at once; a
 * connection still waiting for its answer gets it, then closes.
 */
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { listen, stopServer } from '../../src/runtime/node/server';

const BIG = 32 * 1024 * 1024;

describe('stopServer', () => {
  it('a large answer ended but still being written goes out whole; the stop counts it finished', async () => {
    const body = new Uint8Array(BIG).fill(7);
    const s = await listen({ HOST: '127.0.0.1', PORT: 0 }, () => new Response(body));
    const port = (s.server.address() as { port: number }).port;
    // The headers are in, so the node has ended the response; the client has read none of the body,
    // so most of it still waits in the node's socket.
    const r = await fetch(`http://127.0.0.1:${port}/`);
    const stopped = stopServer(s, 20_000);
    const got = new Uint8Array(await r.arrayBuffer());
    expect(got.byteLength).toBe(BIG);
    expect(got.every((b) => b === 7)).toBe(true);
    expect(await stopped).toEqual({ finished: 1, cutOff: 0 });
  });

  it('an idle kept-alive connection is closed at once; one waiting for its answer gets it, then the stop ends', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const s = await listen({ HOST: '127.0.0.1', PORT: 0 }, async (req) => {
      if (new URL(req.url).pathname === '/slow') await held;
      return new Response('done');
    });
    const port = (s.server.address() as { port: number }).port;
    // fetch keeps this connection alive for seconds after its answer; the stop must not wait for it.
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('done');
    const slow = fetch(`http://127.0.0.1:${port}/slow`);
    await new Promise((r) => setTimeout(r, 100));
    let ended = false;
    const stopped = stopServer(s, 20_000).then((x) => ((ended = true), x));
    await new Promise((r) => setTimeout(r, 200));
    expect(ended).toBe(false); // the slow request holds the stop
    release();
    const released = Date.now();
    expect(await (await slow).text()).toBe('done');
    expect(await stopped).toEqual({ finished: 1, cutOff: 0 });
    expect(Date.now() - released).toBeLessThan(2000); // not the kept-alive connections' own timeout (4-5 s)
  });

  it('past the timeout what is still open is cut and counted', async () => {
    const s = await listen({ HOST: '127.0.0.1', PORT: 0 }, () => new Promise<Response>(() => {}));
    const port = (s.server.address() as { port: number }).port;
    const hanging = fetch(`http://127.0.0.1:${port}/`).then(
      () => 'answered',
      () => 'cut off',
    );
    await new Promise((r) => setTimeout(r, 100));
    expect(await stopServer(s, 300)).toEqual({ finished: 0, cutOff: 1 });
    expect(await hanging).toBe('cut off');
  });

  it('pipelined requests whose connection dies are no longer counted in flight', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const s = await listen({ HOST: '127.0.0.1', PORT: 0 }, async () => {
      await held;
      return new Response('late');
    });
    const port = (s.server.address() as { port: number }).port;
    const socket = connect(port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.write('GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\nGET /c HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((r) => setTimeout(r, 200));
    expect(s.inFlight()).toBeGreaterThanOrEqual(1);
    socket.destroy();
    await new Promise((r) => setTimeout(r, 200));
    release();
    await new Promise((r) => setTimeout(r, 100));
    expect(s.inFlight()).toBe(0);
    expect(await stopServer(s, 2000)).toEqual({ finished: 0, cutOff: 0 });
  });

  it('a response whose headers were not yet sent when the stop began says Connection: close, and its connection then closes', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const s = await listen({ HOST: '127.0.0.1', PORT: 0 }, () => held.then(() => new Response('slow')));
    const port = (s.server.address() as { port: number }).port;
    const socket = connect(port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    let got = '';
    socket.on('data', (d) => (got += d.toString('latin1')));
    const closed = new Promise((r) => socket.once('close', r));
    socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((r) => setTimeout(r, 100));
    const stopped = stopServer(s, 5000);
    release();
    expect(await stopped).toEqual({ finished: 1, cutOff: 0 });
    await closed;
    expect(got).toMatch(/^HTTP\/1\.1 200 /);
    expect(got.toLowerCase()).toContain('connection: close');
    expect(got.endsWith('slow')).toBe(true);
  });
});
