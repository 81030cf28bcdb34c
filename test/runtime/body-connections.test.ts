/**
 * The body reader on Node, over raw sockets (a review of the stalled-body change): a kept-alive
 * connection stays usable after a body read from the socket; a client gone mid-body gives its place
 * back; a 413 part-way through a chunked body closes the connection (kept alive, the adapter cut it
 * under the next request); a chunked body to a route that reads none is not read (no 408 for it); a
 * raw image sent to HMA's multipart lookup is refused 415 unread, not read whole first.
 */
import { connect, type Socket } from 'node:net';
import { Agent, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patternImage } from '../support/images';
import { freePort, logLines, ready, startNode, until, type NodeProcess, imagePlacesTaken } from '../support/node-process';

const dev = 'Dev review-test partner';
let p: NodeProcess;
let base: string;
let port: number;
let metricsUrl: string;
let jpeg: Uint8Array;

beforeAll(async () => {
  const metricsPort = await freePort();
  p = startNode({
    IMAGE_CONCURRENCY: '1',
    IMAGE_QUEUE: '1',
    HASH_THREADS: '1',
    BODY_IDLE_TIMEOUT_MS: '1000',
    BODY_TIMEOUT_MS: '6000',
    MAX_JSON_BYTES: '4096',
    METRICS_PORT: String(metricsPort),
  });
  base = await p.url;
  port = Number(new URL(base).port);
  metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  await ready(base);
  jpeg = new Uint8Array(await patternImage('jpeg', 640, 480, 3));
});
afterAll(async () => {
  p?.child.kill('SIGKILL');
  await p?.exited;
});

function raw(): { s: Socket; got: () => string; closed: Promise<void> } {
  const s = connect(port, '127.0.0.1');
  let got = '';
  s.on('data', (d) => (got += d));
  s.on('error', () => undefined);
  const closed = new Promise<void>((r) => s.once('close', () => r()));
  return { s, got: () => got, closed };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function post(agent: Agent, path: string, body: string): Promise<{ status: number; reused: boolean; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent,
        headers: { authorization: dev, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let b = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (b += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, reused: req.reusedSocket, body: b }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('the body reader on Node', () => {
  it('keep-alive: a JSON body read from the socket leaves the connection usable, and idle > BODY_IDLE_TIMEOUT_MS between requests is fine', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const body = JSON.stringify({ hashes: [{ type: 'md5', value: '0'.repeat(32) }] });
    const a = await post(agent, '/v1/match', body);
    const b = await post(agent, '/v1/match', body);
    await sleep(2500);
    const c = await post(agent, '/v1/match', body);
    agent.destroy();
    expect([a.status, b.status, c.status]).toEqual([200, 200, 200]);
    expect([b.reused, c.reused]).toEqual([true, true]);
  });

  it('a client gone mid-body: 499 cancelled in the log, its place back', async () => {
    const { s, closed } = raw();
    s.write(`POST /v1/hash HTTP/1.1\r\nHost: x\r\nAuthorization: ${dev}\r\nContent-Type: image/jpeg\r\nContent-Length: ${jpeg.byteLength}\r\n\r\n`);
    s.write(jpeg.subarray(0, 1000));
    await until(async () => (await imagePlacesTaken(metricsUrl)) === 1, 10_000, 'the place');
    await sleep(200);
    s.destroy();
    await closed;
    await until(async () => (await imagePlacesTaken(metricsUrl)) === 0, 5000, 'the place back');
    await until(() => logLines(p).some((l) => l.event === 'request' && l.route === '/v1/hash' && l.status === 499), 5000, 'the 499 line');
    const line = logLines(p).find((l) => l.event === 'request' && l.route === '/v1/hash' && l.status === 499);
    expect(line?.code).toBe('cancelled');
  });

  it('a chunked body to a route that reads none (DELETE /v1/hashes/{id}) is answered at once, not read first', async () => {
    const { s, got, closed } = raw();
    const t0 = Date.now();
    s.write('DELETE /v1/hashes/abc HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n');
    await until(() => got().includes('\r\n\r\n'), 10_000, 'the answer');
    const took = Date.now() - t0;
    s.destroy();
    await closed;
    // Read, it waited out BODY_IDLE_TIMEOUT_MS (1 s here) for the rest and answered 408.
    expect(got()).toMatch(/^HTTP\/1\.1 404 /);
    expect(took).toBeLessThan(1000);
  });

  it('compat HMA lookup: a body with no Content-Type is refused (not hung), and a raw image/jpeg (a type the route does not take) is refused 415 at once, not read first', async () => {
    const a = raw();
    a.s.write(`POST /compat/hma/m/lookup HTTP/1.1\r\nHost: x\r\nAuthorization: ${dev}\r\nContent-Length: 5\r\n\r\nhello`);
    await until(() => a.got().includes('\r\n\r\n'), 10_000, 'the answer to no content-type');
    expect(a.got()).toMatch(/^HTTP\/1\.1 4\d\d /);
    a.s.destroy();
    const b = raw();
    const t0 = Date.now();
    b.s.write(
      `POST /compat/hma/m/lookup HTTP/1.1\r\nHost: x\r\nAuthorization: ${dev}\r\nContent-Type: image/jpeg\r\nContent-Length: ${jpeg.byteLength}\r\n\r\n`,
    );
    b.s.write(jpeg.subarray(0, 1000));
    await until(() => b.got().includes('\r\n\r\n'), 10_000, 'the answer to image/jpeg');
    expect(Date.now() - t0).toBeLessThan(1000);
    b.s.destroy();
    expect(b.got()).toMatch(/^HTTP\/1\.1 415 /);
  });

  it('a 413 part-way through a chunked body closes the connection, so no next request is left on one the adapter cuts', async () => {
    const { s, got, closed } = raw();
    let closedAt = 0;
    void closed.then(() => (closedAt = Date.now()));
    s.write(`POST /v1/match HTTP/1.1\r\nHost: x\r\nAuthorization: ${dev}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`);
    const chunk = 'x'.repeat(3000);
    s.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    await until(() => got().includes('\r\n\r\n'), 5000, 'the 413');
    const first = got().split('\r\n\r\n')[0];
    s.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n0\r\n\r\n`);
    // the next request on the kept-alive connection: its body comes 800 ms after its header
    const body = JSON.stringify({ hashes: [{ type: 'md5', value: '0'.repeat(32) }] });
    const t0 = Date.now();
    s.write(`POST /v1/match HTTP/1.1\r\nHost: x\r\nAuthorization: ${dev}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
    await sleep(800);
    s.write(body);
    await Promise.race([closed, sleep(4000)]);
    // The 413 says Connection: close, and the node closes it: the next request is not left unanswered on a connection cut under it.
    expect(first).toMatch(/^HTTP\/1\.1 413 /);
    expect(first).toMatch(/^connection: close$/im);
    expect(closedAt).toBeGreaterThan(0);
    expect(closedAt - t0).toBeLessThan(800);
  });
});
