/**
 * A request whose body stops arriving (a buggy client, a dropped link) or trickles in: the node
 * answers 408 problem+json in its own words once no byte has come for BODY_IDLE_TIMEOUT_MS, or the
 * whole has taken BODY_TIMEOUT_MS; the image place the upload took before its body was read is given
 * back at once, nothing is written, the connection is closed and the log says so. A slow but steady
 * upload is not cut, and a stalled header is cut by Node's own headersTimeout, set from the same
 * limit. Real process (`node dist/main.node.js`), real sockets: before, such an upload held its place
 * for 300 s (Node's requestTimeout) and got Node's bare 408, and ten of them made every other
 * member's upload 503 `busy`.
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patternImage } from '../support/images';
import { freePort, logLines, ready, startNode, until, type NodeProcess, imagePlacesTaken } from '../support/node-process';

const IDLE_MS = 1000;
const TOTAL_MS = 6000;
/** What "at once" allows on a loaded machine: the answers come in about IDLE_MS (before, after Node's 300 s). */
const ANSWER_WITHIN_MS = 15_000;

const dev = { authorization: 'Dev stall-test partner' };

let p: NodeProcess;
let base: string;
let metricsUrl: string;
let jpeg: Uint8Array<ArrayBuffer>;

beforeAll(async () => {
  const metricsPort = await freePort();
  p = startNode({
    IMAGE_CONCURRENCY: '1',
    IMAGE_QUEUE: '1',
    HASH_THREADS: '1',
    BODY_IDLE_TIMEOUT_MS: String(IDLE_MS),
    BODY_TIMEOUT_MS: String(TOTAL_MS),
    METRICS_PORT: String(metricsPort),
  });
  base = await p.url;
  metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  await ready(base);
  jpeg = new Uint8Array(await patternImage('jpeg', 640, 480, 3));
});
afterAll(async () => {
  p?.child.kill('SIGKILL');
  await p?.exited;
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** When the status line came. */
  at: number;
}

/**
 * A request whose body the test sends piece by piece (`send`), and may never finish. `answer`: the
 * node's answer, whenever it comes (while the body is still owed); `closed`: the connection's end.
 */
function upload(path: string, headers: Record<string, string>) {
  const url = new URL(path, base);
  const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { ...dev, ...headers }, agent: false });
  req.on('error', () => undefined); // the node closing a connection whose body is still owed
  req.flushHeaders();
  const closed = new Promise<void>((r) => req.once('socket', (s) => s.once('close', () => r())));
  const answer = new Promise<Answer>((resolve) =>
    req.once('response', (res) => {
      const at = Date.now();
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, at }));
    }),
  );
  let lastSent = Date.now();
  return {
    answer,
    closed,
    send(bytes: Uint8Array) {
      req.write(bytes);
      lastSent = Date.now();
    },
    end: () => req.end(),
    lastSent: () => lastSent,
  };
}

/** `promise`, or a failure naming what did not come within `ms`. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not come within ${ms} ms`)), ms)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** An upload declared `declared` bytes long of which only `bytes` are sent. */
function stalled(path: string, type: string, bytes: Uint8Array, declared: number) {
  const u = upload(path, { 'content-type': type, 'content-length': String(declared) });
  u.send(bytes);
  return u;
}

const wholeImage = (path = '/v1/hash') => fetch(`${base}${path}`, { method: 'POST', headers: { ...dev, 'content-type': 'image/jpeg' }, body: jpeg });

/** The 408 the node answers, checked whole: problem+json in the node's words, the connection not kept. */
async function expectTimedOut(a: Answer, detail: string | RegExp): Promise<void> {
  expect(a.status).toBe(408);
  expect(a.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(a.headers.connection).toBe('close');
  const body = JSON.parse(a.body);
  expect(body).toMatchObject({ status: 408, title: 'Request Timeout', code: 'request_timeout' });
  expect(body.detail).toMatch(detail);
}

const idleWords = (received: number, declared: number | undefined) =>
  `the body stopped arriving: no bytes for ${IDLE_MS / 1000} s after ${declared === undefined ? `${received} bytes` : `${received} of ${declared}`}; the connection is closed, send the request again`;

describe('a request body that stops arriving', () => {
  it('two stalled image uploads hold the only two places while they stall (503 busy for the next, as documented), then get 408 in the node’s words, their places back and their connections closed', {
    timeout: 60_000,
  }, async () => {
    const first = stalled('/v1/hash', 'image/jpeg', jpeg.subarray(0, 1000), jpeg.byteLength);
    const second = stalled('/v1/match/media', 'image/jpeg', jpeg.subarray(0, 1000), jpeg.byteLength);
    await until(async () => (await imagePlacesTaken(metricsUrl)) === 2, 10_000, 'both stalled uploads to take their places');
    // While they stall: every place is taken before its body is read, so the next upload is refused unread.
    const refused = await wholeImage();
    expect(refused.status).toBe(503);
    expect((await refused.json()).code).toBe('busy');

    for (const u of [first, second]) {
      const a = await within(u.answer, ANSWER_WITHIN_MS, 'the 408');
      await expectTimedOut(a, idleWords(1000, jpeg.byteLength));
      // Not before the pause allowed (timers never fire early; a little for the two clocks).
      expect(a.at - u.lastSent()).toBeGreaterThanOrEqual(IDLE_MS - 50);
      await within(u.closed, 5000, 'the connection to close');
    }
    expect(await imagePlacesTaken(metricsUrl)).toBe(0);
    const next = await wholeImage();
    expect(next.status).toBe(200);
    expect((await next.json()).hashes.pdq.value).toMatch(/^[0-9a-f]{64}$/);

    await until(() => logLines(p).filter((l) => l.event === 'body_timeout').length >= 2, 5000, 'the body_timeout lines');
    const requests = logLines(p).filter((l) => l.event === 'request' && l.status === 408);
    expect(requests.map((l) => [l.route, l.code, l.clientId]).sort()).toEqual([
      ['/v1/hash', 'request_timeout', 'stall-test'],
      ['/v1/match/media', 'request_timeout', 'stall-test'],
    ]);
    const warned = logLines(p).filter((l) => l.event === 'body_timeout');
    expect(warned.map((l) => [l.level, l.route, l.reason])).toEqual(
      expect.arrayContaining([
        ['warn', '/v1/hash', idleWords(1000, jpeg.byteLength)],
        ['warn', '/v1/match/media', idleWords(1000, jpeg.byteLength)],
      ]),
    );
  });

  it('JSON and form bodies, with a Content-Length or chunked, get the same 408 in the node’s words', { timeout: 60_000 }, async () => {
    const json = new TextEncoder().encode('{"hashes":[');
    const declared = stalled('/v1/match', 'application/json', json, 5000);
    const chunked = upload('/v1/match', { 'content-type': 'application/json' });
    chunked.send(json);
    const form = new TextEncoder().encode('grant_type=client_credentials&');
    const token = stalled('/v1/oauth/token', 'application/x-www-form-urlencoded', form, 600);
    await expectTimedOut(await within(declared.answer, ANSWER_WITHIN_MS, 'the JSON 408'), idleWords(json.byteLength, 5000));
    await expectTimedOut(await within(chunked.answer, ANSWER_WITHIN_MS, 'the chunked 408'), idleWords(json.byteLength, undefined));
    await expectTimedOut(await within(token.answer, ANSWER_WITHIN_MS, 'the form 408'), idleWords(form.byteLength, 600));
    for (const u of [declared, chunked, token]) await within(u.closed, 5000, 'the connection to close');
  });

  it('a share whose body stalls writes nothing: no hash in the feed; the same share sent whole is written', { timeout: 60_000 }, async () => {
    const form = new FormData();
    form.append('labels', 'recruitment');
    form.append('file', new Blob([jpeg], { type: 'image/jpeg' }), 'found.jpg');
    const whole = new Request(base, { method: 'POST', body: form });
    const type = whole.headers.get('content-type')!;
    const bytes = new Uint8Array(await whole.arrayBuffer());
    // All but the last 200 bytes: the labels and nearly all of the file have come.
    const u = stalled('/v1/hashes/media', type, bytes.subarray(0, bytes.byteLength - 200), bytes.byteLength);
    await expectTimedOut(await within(u.answer, ANSWER_WITHIN_MS, 'the 408'), idleWords(bytes.byteLength - 200, bytes.byteLength));
    const feed = async () => (await (await fetch(`${base}/v1/hashes?limit=100`, { headers: dev })).json()).entries;
    expect(await feed()).toEqual([]);
    const shared = await fetch(`${base}/v1/hashes/media`, { method: 'POST', headers: { ...dev, 'content-type': type }, body: bytes });
    expect(shared.status).toBe(201);
    expect((await feed()).length).toBeGreaterThan(0);
  });
});

describe('a body that keeps coming', () => {
  it('a slow but steady upload (a piece every 100 ms, for three times the pause allowed) is not cut, and is hashed as if sent at once', {
    timeout: 60_000,
  }, async () => {
    const expected = (await (await wholeImage()).json()).hashes;
    const u = upload('/v1/hash', { 'content-type': 'image/jpeg', 'content-length': String(jpeg.byteLength) });
    const pieces = 30;
    const size = Math.ceil(jpeg.byteLength / pieces);
    for (let i = 0; i < pieces; i++) {
      u.send(jpeg.subarray(i * size, (i + 1) * size));
      await new Promise((r) => setTimeout(r, 100));
    }
    u.end();
    const a = await within(u.answer, ANSWER_WITHIN_MS, 'the answer');
    expect(a.status).toBe(200);
    expect(JSON.parse(a.body).hashes).toEqual(expected);
  });

  it(`one that trickles in (a few bytes every 100 ms) is cut at BODY_TIMEOUT_MS with a 408 of its own words, before Node's own timeout, and gives its place back`, {
    timeout: 60_000,
  }, async () => {
    const u = upload('/v1/hash', { 'content-type': 'image/jpeg', 'content-length': String(jpeg.byteLength) });
    const started = Date.now();
    let sent = 0;
    let answered = false;
    void u.answer.then(() => (answered = true));
    while (!answered && sent < jpeg.byteLength && Date.now() - started < ANSWER_WITHIN_MS + TOTAL_MS) {
      u.send(jpeg.subarray(sent, sent + 20));
      sent += 20;
      await new Promise((r) => setTimeout(r, 100));
    }
    const a = await within(u.answer, 1000, 'the 408');
    await expectTimedOut(
      a,
      new RegExp(
        `^the body arrived too slowly: \\d+ of ${jpeg.byteLength} bytes in ${TOTAL_MS / 1000} s, the longest this node waits for one request body; the connection is closed, send the request again$`,
      ),
    );
    expect(a.at - started).toBeGreaterThanOrEqual(TOTAL_MS - 100);
    await within(u.closed, 5000, 'the connection to close');
    expect(await imagePlacesTaken(metricsUrl)).toBe(0);
    expect((await wholeImage()).status).toBe(200);
  });
});

describe("Node's own limits", () => {
  it('a stalled request header is cut by Node within its headersTimeout (BODY_IDLE_TIMEOUT_MS, checked every second), not after 60 s', {
    timeout: 60_000,
  }, async () => {
    const { hostname, port } = new URL(base);
    const s = connect(Number(port), hostname);
    let got = '';
    s.on('data', (d) => (got += d));
    s.on('error', () => undefined);
    const closed = new Promise<void>((r) => s.once('close', () => r()));
    s.write('POST /v1/hash HTTP/1.1\r\nHost: node.test\r\nContent-Type: image/jpeg\r\n');
    await within(closed, ANSWER_WITHIN_MS, 'the connection to close');
    expect(got).toMatch(/^HTTP\/1\.1 408 /);
  });
});
