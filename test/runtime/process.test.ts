/**
 * The node as a real process: start-up failures are one line on stderr and a non-zero exit; the port
 * answers 503 not_ready at once while the runtime starts; SIGTERM lets a request in flight finish,
 * writes the buffered match counts, logs one line and exits 0; under `npm start` the node is npm's
 * child, npm passes the signal on, and nothing is left running.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { createClient } from '@libsql/client';
import { afterAll, describe, expect, it } from 'vitest';
import { conformanceVideo, requireFfmpeg } from '../support/ffmpeg';
import {
  childrenNamed,
  decodersRunning,
  logLines,
  processesWithMarker,
  ready,
  refused,
  ROOT,
  startNode,
  until,
  type NodeProcess,
} from '../support/node-process';
import { simplePdf } from '../support/pdf-raw';

const started: NodeProcess[] = [];
afterAll(() => {
  // Whatever a failed test left running (the node under npm, ffmpeg), found by its marker.
  for (const p of started) for (const line of processesWithMarker(p.marker)) process.kill(Number(line.split(' ')[0]), 'SIGKILL');
});
const start = (...args: Parameters<typeof startNode>) => {
  const p = startNode(...args);
  started.push(p);
  return p;
};

const dev = { authorization: 'Dev process-test partner' };

/** A raw media upload to POST /v1/hash of the node at `base`. */
const upload = (base: string, type: string, body: Uint8Array) =>
  fetch(`${base}/v1/hash`, { method: 'POST', headers: { ...dev, 'content-type': type }, body: new Uint8Array(body) });
/** Its status, or 'cut off' when the connection ended without an answer. */
const statusOf = (base: string, type: string, body: Uint8Array) =>
  upload(base, type, body).then(
    (r) => r.status,
    () => 'cut off',
  );

/** A process's parent, from /proc. */
function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** The process's one stderr line; fails on a stack trace or several lines. */
async function oneLineFailure(p: NodeProcess, exitCode: number): Promise<string> {
  const { code } = await p.exited;
  const lines = p.stderr().trim().split('\n');
  expect(lines, p.stderr()).toHaveLength(1);
  expect(p.stderr()).not.toMatch(/^\s+at /m);
  expect(code, p.stderr()).toBe(exitCode);
  return lines[0];
}

describe('start-up errors: one line, non-zero exit', () => {
  it("bad variables are named together; a secret's value is never shown", async () => {
    const secret = 'short-but-very-secret-0123';
    const line = await oneLineFailure(
      start({ PORT: 'eighty', NODE_SECRET: secret, DATABASE_URL: 'ftp://admin:hunter2@db.example/x?authToken=tok-123', DATABASE_AUTH_TOKEN: '' }),
      2,
    );
    expect(line).toMatch(/^media-hash-node: invalid configuration: /);
    expect(line).toContain('PORT="eighty"');
    expect(line).toContain('NODE_SECRET (value not shown): must be at least 32 characters');
    expect(line).toContain('DATABASE_URL="ftp://admin:***@db.example/x?authToken=***"');
    expect(line).not.toContain(secret);
    expect(line).not.toMatch(/hunter2|tok-123/);
  });

  it('the database is a folder, or under a file, or not a database', async () => {
    const folder = start({ DATABASE_URL: `file:${ROOT}` });
    expect(await oneLineFailure(folder, 1)).toBe(
      `media-hash-node: cannot open the database (DATABASE_URL=file:${ROOT}): ${ROOT} is a folder, not a database file`,
    );
    const underFile = start({ DATABASE_URL: `file:${join(ROOT, 'package.json', 'x.db')}` });
    expect(await oneLineFailure(underFile, 1)).toMatch(
      /cannot open the database .*package\.json\/x\.db cannot be created: a part of its path is a file, not a folder$/,
    );
    const text = start();
    writeFileSync(join(text.dir, 'notes.db'), 'these are notes, not a database\n'.repeat(100));
    const notDb = start({ DATABASE_URL: `file:${join(text.dir, 'notes.db')}` });
    expect(await oneLineFailure(notDb, 1)).toMatch(/cannot open the database \(DATABASE_URL=file:.*notes\.db\): SQLITE_NOTADB: file is not a database$/);
    text.child.kill('SIGTERM');
    await text.exited;
  });

  it('the port is in use', async () => {
    const holder = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    const port = (holder.address() as AddressInfo).port;
    try {
      const line = await oneLineFailure(start({ PORT: String(port) }), 1);
      expect(line).toBe(
        `media-hash-node: cannot listen on 127.0.0.1:${port}: the port is already in use (EADDRINUSE); stop what holds it, or set PORT to a free one`,
      );
    } finally {
      holder.close();
    }
  });
});

describe('readiness', () => {
  it('the port answers at once with 503 not_ready and Retry-After while the database opens; an unreachable database server is one line', async () => {
    // A libsql server that takes the node's requests and never answers, until it hangs up.
    const sockets = new Set<Socket>();
    const db: Server = createHttpServer(() => undefined);
    db.on('connection', (s) => sockets.add(s));
    await new Promise<void>((r) => db.listen(0, '127.0.0.1', r));
    const dbUrl = `http://127.0.0.1:${(db.address() as AddressInfo).port}`;
    const p = start({ DATABASE_URL: dbUrl });
    try {
      const base = await p.url;
      await until(() => sockets.size > 0, 20_000, 'the node to reach its database');
      for (const path of ['/health', '/v1/match']) {
        const res = await fetch(`${base}${path}`, { method: path === '/health' ? 'GET' : 'POST', headers: dev });
        expect(res.status).toBe(503);
        expect(res.headers.get('content-type')).toBe('application/problem+json');
        expect(res.headers.get('retry-after')).toBe('1');
        expect(await res.json()).toMatchObject({ status: 503, code: 'not_ready', detail: expect.stringContaining('starting') });
      }
      // Logged like any request, with the id it was answered under (the lines arrive through a pipe).
      await until(() => logLines(p).filter((l) => l.event === 'request').length >= 2, 5000, 'two request lines');
      expect(logLines(p).filter((l) => l.event === 'request')).toEqual([
        expect.objectContaining({ method: 'GET', route: '(starting)', status: 503, code: 'not_ready', reqId: expect.any(String) }),
        expect.objectContaining({ method: 'POST', route: '(starting)', status: 503 }),
      ]);
    } finally {
      for (const s of sockets) s.destroy();
      db.close();
    }
    expect(await oneLineFailure(p, 1)).toMatch(new RegExp(`^media-hash-node: cannot open the database \\(DATABASE_URL=${dbUrl}\\): fetch failed`));
  });
});

describe('shutdown', () => {
  it('SIGTERM: no new connections, the request in flight finishes with 200, match counts are written, one line, exit 0', async () => {
    requireFfmpeg();
    // every frame: a request of a few seconds (far more on a loaded machine: the bound for in-flight requests is raised so that it is not what ends it)
    const p = start({ VIDEO_SECONDS_PER_FRAME: '0', SHUTDOWN_TIMEOUT_MS: '120000' });
    const base = await p.url;
    await ready(base);
    const match = await fetch(`${base}/v1/match`, {
      method: 'POST',
      headers: { ...dev, 'content-type': 'application/json' },
      body: JSON.stringify({ hashes: [{ type: 'md5', value: '0'.repeat(32) }] }),
    });
    expect(match.status).toBe(200); // counted in memory, written every 5 s or at shutdown

    let done = false;
    const slow = fetch(`${base}/v1/hash`, {
      method: 'POST',
      headers: { ...dev, 'content-type': 'video/mp4' },
      body: new Uint8Array(conformanceVideo('chair-orig-22-sd-bar')),
    }).finally(() => (done = true));
    await until(() => childrenNamed(p.child.pid!, /^ff(mpeg|probe)$/).length > 0, 20_000, 'ffmpeg to start');
    p.child.kill('SIGTERM');
    await until(() => refused(base), 2000, 'new connections to be refused');
    expect(done).toBe(false);

    const res = await slow;
    expect(res.status).toBe(200);
    expect((await res.json()).hashes.vpdq.frames.length).toBeGreaterThan(600);
    expect(await p.exited).toEqual({ code: 0, signal: null });
    // The log is JSON lines only; the last is the one stop line.
    expect(
      p
        .stdout()
        .trim()
        .split('\n')
        .every((l) => l.startsWith('{')),
    ).toBe(true);
    const lines = logLines(p);
    expect(lines.filter((l) => l.event === 'stop').map((l) => l.msg)).toEqual([
      expect.stringMatching(/^media-hash-node stopped on SIGTERM in \d+ ms: 1 request\(s\) in flight finished; match counts written$/),
    ]);
    expect(lines.at(-1)).toMatchObject({ level: 'info', event: 'stop', signal: 'SIGTERM', finished: 1, cutOff: 0, countsWritten: true });
    expect(p.stderr()).toBe('');

    const db = createClient({ url: `file:${join(p.dir, 'node.db')}` });
    const counts = await db.execute('SELECT * FROM match_counts');
    db.close();
    expect(counts.rows).toEqual([expect.objectContaining({ queries: 1, hashes: 1 })]);
    expect(processesWithMarker(p.marker)).toEqual([]);
  });

  it('SHUTDOWN_TIMEOUT_MS bounds the wait: the requests still running then are cut off, and the node exits 0 killing its decoders', async () => {
    requireFfmpeg();
    const p = start({ VIDEO_SECONDS_PER_FRAME: '0', SHUTDOWN_TIMEOUT_MS: '200' });
    const base = await p.url;
    await ready(base);
    const send = (type: string, body: Uint8Array) => statusOf(base, type, body);
    // A page of 60,000 filled triangles: poppler renders it for many seconds and writes nothing until
    // it is done, so nothing but the node's own kill ends it early (its decoders are in a group of
    // their own; the node kills them as it exits).
    const triangles = Array.from(
      { length: 60_000 },
      (_, i) => `${(i * 7) % 595} ${(i * 13) % 842} m ${(i * 11) % 595} ${(i * 17) % 842} l ${(i * 3) % 595} ${(i * 5) % 842} l f`,
    );
    const slow = [
      send('video/mp4', conformanceVideo('chair-orig-22-sd-bar')),
      send('application/pdf', simplePdf({ content: Buffer.from(triangles.join('\n')) })),
    ];
    await decodersRunning(p);
    const signalled = Date.now();
    p.child.kill('SIGTERM');
    expect(await p.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalled).toBeLessThan(3000);
    expect(await Promise.all(slow)).toEqual(['cut off', 'cut off']);
    expect(logLines(p).at(-1)?.msg).toMatch(
      /^media-hash-node stopped on SIGTERM in \d+ ms: 0 request\(s\) in flight finished, 2 cut off at SHUTDOWN_TIMEOUT_MS=200; match counts written$/,
    );
    // Killed, not left to end at their next write: gone within a moment (the render had seconds to go).
    await until(() => processesWithMarker(p.marker).length === 0, 1000, 'the decoders to be gone');
  });

  it("Ctrl-C, a SIGINT to the node's whole process group as a terminal sends it: the video and the PDF in flight finish with 200 (their decoders, in groups of their own, never get it), exit 0", async () => {
    requireFfmpeg();
    // Every video frame: a decode of seconds; a PDF of 300 pages: a render of seconds. The node in a group of its own, as a terminal's job.
    const p = start({ VIDEO_SECONDS_PER_FRAME: '0', SHUTDOWN_TIMEOUT_MS: '120000' }, 'node', { detached: true });
    const base = await p.url;
    await ready(base);
    const video = upload(base, 'video/mp4', conformanceVideo('chair-orig-22-sd-bar'));
    const pdf = upload(base, 'application/pdf', simplePdf({ pages: 300 }));
    await decodersRunning(p);
    process.kill(-p.child.pid!, 'SIGINT');

    const [v, d] = await Promise.all([video, pdf]);
    const vBody = await v.json();
    expect(v.status, JSON.stringify(vBody)).toBe(200);
    expect(vBody.hashes.vpdq.frames.length).toBeGreaterThan(600);
    const dBody = await d.json();
    expect(d.status, JSON.stringify(dBody)).toBe(200);
    expect(dBody.hashes.pdf.pages).toHaveLength(300);
    expect(await p.exited).toEqual({ code: 0, signal: null });
    expect(logLines(p).at(-1)).toMatchObject({ event: 'stop', signal: 'SIGINT', finished: 2, cutOff: 0 });
    expect(processesWithMarker(p.marker)).toEqual([]);
  });

  it('kill -9 of the node mid-decode: its ffmpeg and pdftoppm, in groups of their own, end too (their pipes close)', async () => {
    requireFfmpeg();
    const p = start({ VIDEO_SECONDS_PER_FRAME: '0' });
    const base = await p.url;
    await ready(base);
    const sent = [statusOf(base, 'video/mp4', conformanceVideo('chair-orig-22-sd-bar')), statusOf(base, 'application/pdf', simplePdf({ pages: 300 }))];
    await decodersRunning(p);
    const decoders = processesWithMarker(p.marker).filter((l) => / -f rawvideo |^\d+ pdftoppm /.test(l));
    expect(decoders).toHaveLength(2);
    p.child.kill('SIGKILL');
    expect(await p.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await Promise.all(sent)).toEqual(['cut off', 'cut off']);
    await until(() => processesWithMarker(p.marker).length === 0, 10_000, `the decoders to end (${processesWithMarker(p.marker).join('; ')})`);
  });

  it('npm start: npm stays the parent of one node process and passes the signal on; the port closes and nothing is left running', async () => {
    const p = start({}, 'npm');
    const base = await p.url;
    await ready(base);
    const before = processesWithMarker(p.marker);
    const nodes = before.filter((l) => / dist\/main\.node\.js/.test(l));
    expect(nodes).toHaveLength(1); // npm, then the built node itself: no wrapper in between
    expect(parentOf(Number(nodes[0].split(' ')[0]))).toBe(p.child.pid); // the node is npm's child, as the README says
    p.child.kill('SIGTERM'); // the npm process
    await p.exited;
    await until(() => refused(base), 5000, 'the port to close');
    await until(() => processesWithMarker(p.marker).length === 0, 5000, `no process left (${processesWithMarker(p.marker).join('; ')})`);
    expect(p.stdout()).toMatch(/stopped on SIGTERM/);
  });
});
