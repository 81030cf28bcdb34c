/**
 * A client that goes away (its upload pipeline's timeout, a crash) before the answer: the node stops
 * the work it was doing for it. A queued upload gives its place back at once (the next upload is
 * taken, not refused with 503 busy), and a decode in flight is stopped (its ffmpeg or pdftoppm
 * killed, not left to run for seconds). Real processes and real sockets: the node under test is
 * `node dist/main.node.js`, its decoders are real ffmpeg and poppler.
 */
import { once } from 'node:events';
import { connect } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { conformanceVideo, requireFfmpeg } from '../support/ffmpeg';
import {
  childrenRunning,
  DECODING_VIDEO,
  decodersRunning,
  logLines,
  processesWithMarker,
  RENDERING_PDF,
  ready,
  startNode,
  until,
  type NodeProcess,
} from '../support/node-process';
import { simplePdf } from '../support/pdf-raw';

const started: NodeProcess[] = [];
afterAll(() => {
  for (const p of started) for (const line of processesWithMarker(p.marker)) process.kill(Number(line.split(' ')[0]), 'SIGKILL');
});

const dev = { authorization: 'Dev client-gone partner' };

/** A raw upload to POST /v1/hash that `ctl` can abandon: its status, or 'gone' once abandoned. */
function upload(base: string, type: string, body: Uint8Array, ctl = new AbortController()) {
  const status = fetch(`${base}/v1/hash`, { method: 'POST', headers: { ...dev, 'content-type': type }, body: new Uint8Array(body), signal: ctl.signal }).then(
    async (r) => {
      await r.arrayBuffer();
      return r.status;
    },
    () => 'gone' as const,
  );
  return { status, abandon: () => ctl.abort() };
}

/** The node's log lines for requests to POST /v1/hash, in the order they ended. */
const hashRequests = (p: NodeProcess) => logLines(p).filter((l) => l.event === 'request' && l.method === 'POST');

async function videoLoad(base: string): Promise<{ running: number; waiting: number }> {
  return (await (await fetch(`${base}/health`)).json()).checks.video;
}

describe('a client that goes away before its answer', () => {
  it('a video and a PDF in flight: ffmpeg and pdftoppm are killed at once, the log says 499 cancelled, and the node goes on', {
    timeout: 180_000,
  }, async () => {
    requireFfmpeg();
    // Every frame of the 22 s video, and 300 pages: decodes of seconds, so the kill is seen before they could end.
    const p = startNode({ VIDEO_SECONDS_PER_FRAME: '0' });
    started.push(p);
    const base = await p.url;
    await ready(base);
    const video = upload(base, 'video/mp4', conformanceVideo('chair-orig-22-sd-bar'));
    const pdf = upload(base, 'application/pdf', simplePdf({ pages: 300 }));
    await decodersRunning(p);
    video.abandon();
    pdf.abandon();
    expect(await Promise.all([video.status, pdf.status])).toEqual(['gone', 'gone']);
    await until(
      () => childrenRunning(p.child.pid!, DECODING_VIDEO).length === 0 && childrenRunning(p.child.pid!, RENDERING_PDF).length === 0,
      1500,
      'the decoders to be killed',
    );
    await until(() => hashRequests(p).length === 2, 5000, 'two request lines');
    expect(hashRequests(p)).toEqual([expect.objectContaining({ status: 499, code: 'cancelled' }), expect.objectContaining({ status: 499, code: 'cancelled' })]);
    expect((await videoLoad(base)).running).toBe(0);
    // Nothing is left stuck: the same video, asked again and waited for, is hashed.
    const again = upload(base, 'video/mp4', conformanceVideo('chair-orig-22-sd-bar'));
    expect(await again.status).toBe(200);
    expect(p.stderr()).toBe('');
    p.child.kill('SIGTERM');
    expect(await p.exited).toEqual({ code: 0, signal: null });
  });

  it('a queued video gives its place back: with one slot and one place in the queue, the next upload is taken, not refused', { timeout: 180_000 }, async () => {
    requireFfmpeg();
    const p = startNode({ VIDEO_SECONDS_PER_FRAME: '0', VIDEO_CONCURRENCY: '1', VIDEO_QUEUE: '1' });
    started.push(p);
    const base = await p.url;
    await ready(base);
    const body = conformanceVideo('chair-orig-22-sd-bar');
    const first = upload(base, 'video/mp4', body);
    await until(() => childrenRunning(p.child.pid!, DECODING_VIDEO).length > 0, 30_000, 'the first decode to run');
    const queued = upload(base, 'video/mp4', body);
    await until(async () => (await videoLoad(base)).waiting === 1, 10_000, 'the second upload to wait in the queue');
    queued.abandon();
    expect(await queued.status).toBe('gone');
    await until(async () => (await videoLoad(base)).waiting === 0, 1500, 'its place in the queue to be free');
    // The first still decodes; a third takes the free place (refused, it would be answered 503 at once).
    expect(childrenRunning(p.child.pid!, DECODING_VIDEO)).toHaveLength(1);
    const third = upload(base, 'video/mp4', body);
    await until(async () => (await videoLoad(base)).waiting === 1, 10_000, 'the third upload to wait in the queue');
    expect(hashRequests(p)).toEqual([expect.objectContaining({ status: 499, code: 'cancelled' })]);
    // Both let go: the decode is killed and the queue empties; no decode is started for nobody.
    first.abandon();
    third.abandon();
    expect(await Promise.all([first.status, third.status])).toEqual(['gone', 'gone']);
    await until(async () => (await videoLoad(base)).waiting === 0 && (await videoLoad(base)).running === 0, 1500, 'the slot and the queue to be free');
    await until(() => hashRequests(p).length === 3, 5000, 'three request lines');
    expect(hashRequests(p).map((l) => [l.status, l.code])).toEqual([
      [499, 'cancelled'],
      [499, 'cancelled'],
      [499, 'cancelled'],
    ]);
    expect(childrenRunning(p.child.pid!, DECODING_VIDEO)).toEqual([]);
    p.child.kill('SIGTERM');
    expect(await p.exited).toEqual({ code: 0, signal: null });
  });

  it('a client gone in the middle of sending its upload: 499 cancelled in the log, not an internal error', { timeout: 60_000 }, async () => {
    const p = startNode();
    started.push(p);
    const base = await p.url;
    await ready(base);
    const { hostname, port } = new URL(base);
    // Promises 5 MB of video, sends 64 KB of it, and hangs up.
    const socket = connect(Number(port), hostname);
    await once(socket, 'connect');
    socket.write(
      `POST /v1/hash HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAuthorization: ${dev.authorization}\r\nContent-Type: video/mp4\r\nContent-Length: ${5 << 20}\r\n\r\n`,
    );
    socket.write(Buffer.alloc(64 << 10, 7));
    await new Promise((r) => setTimeout(r, 200));
    socket.destroy();
    await until(() => hashRequests(p).length === 1, 5000, 'the request line');
    expect(hashRequests(p)).toEqual([expect.objectContaining({ status: 499, code: 'cancelled' })]);
    expect(logLines(p).filter((l) => l.level === 'error' || l.event === 'internal_error')).toEqual([]);
    expect(p.stderr()).toBe('');
    p.child.kill('SIGTERM');
    expect(await p.exited).toEqual({ code: 0, signal: null });
  });
});
