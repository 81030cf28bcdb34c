/**
 * The request middleware (src/http/observe.ts) in process, through the real app with the node's real
 * pino logger writing into memory and its real metrics: which request ids are kept, route templates,
 * many requests at once (each logged exactly once with its own id and client, counted exactly), the
 * logger's redaction as a second line of defence, and the Workers logger's lines.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../../src/http/app';
import { DevAuthenticator } from '../../src/http/dev-auth';
import { loadConfig } from '../../src/runtime/node/config';
import { createNodeRuntime, type NodeRuntime } from '../../src/runtime/node/deps';
import { createNodeLogger } from '../../src/runtime/node/logger';
import { consoleLogger } from '../../src/runtime/worker/logger';

let dir: string;
let rt: NodeRuntime;
let app: ReturnType<typeof buildApp>;
const written: string[] = [];
const lines = () => written.map((l) => JSON.parse(l) as Record<string, unknown>);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mhn-observe-'));
  const logger = await createNodeLogger({ level: 'debug', destination: { write: (s: string) => void written.push(...s.split('\n').filter(Boolean)) } });
  const config = loadConfig({
    DATABASE_URL: `file:${join(dir, 'node.db')}`,
    NODE_SECRET_FILE: join(dir, 'node.secret'),
    NODE_ENV: 'test',
    RATE_LIMIT_PER_SECOND: '0',
  });
  rt = await createNodeRuntime(config, { logger, authenticator: new DevAuthenticator() });
  await rt.indexLoaded;
  app = buildApp(rt.deps);
});

afterAll(async () => {
  await rt?.close();
  rmSync(dir, { recursive: true, force: true });
});

const dev = (client: string) => ({ authorization: `Dev ${client} partner` });

describe('request ids', () => {
  it('a plain id of up to 64 characters is kept and echoed; anything else is replaced by a new UUID', async () => {
    const jwtLike = `eyJhbGciOiJFZERTQSJ9.${'e'.repeat(80)}.${'s'.repeat(86)}`;
    const cases: [string | undefined, boolean][] = [
      ['abc-123', true],
      ['trace:4bf92f3577b34da6a3ce929d0e0e4736/00f067aa0ba902b7', true],
      ['x'.repeat(64), true],
      ['x'.repeat(65), false],
      ['has space', false],
      ['quote"d', false],
      [jwtLike, false],
      ['', false],
      [undefined, false],
    ];
    for (const [given, kept] of cases) {
      const res = await app.request('http://node.test/health', { headers: given === undefined ? {} : { 'x-request-id': given } });
      const echoed = res.headers.get('x-request-id')!;
      if (kept) expect(echoed).toBe(given);
      else expect(echoed).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(lines().filter((l) => l.event === 'request' && l.reqId === echoed)).toHaveLength(1);
    }
    expect(written.join('\n')).not.toContain(jwtLike);
  });

  it('comes back on errors too: 404, 401, 400', async () => {
    for (const [path, init, status] of [
      ['/nowhere', {}, 404],
      ['/v1/match', { method: 'POST', body: '{}' }, 400],
    ] as const) {
      const res = await app.request(`http://node.test${path}`, {
        ...init,
        headers: { 'content-type': 'application/json', 'x-request-id': `err-${status}`, ...dev('p1') },
      });
      expect(res.status).toBe(status);
      expect(res.headers.get('x-request-id')).toBe(`err-${status}`);
      expect(lines().find((l) => l.reqId === `err-${status}`)).toMatchObject({ event: 'request', status, code: expect.any(String) });
    }
  });
});

describe('route templates', () => {
  it('name the route, never the raw path', async () => {
    const id = randomUUID();
    await app.request(`http://node.test/v1/hashes/${id}`, { method: 'DELETE', headers: { 'x-request-id': 'tpl-1', ...dev('p1') } });
    await app.request(`http://node.test/v1/nothing/${id}`, { headers: { 'x-request-id': 'tpl-2' } });
    expect(lines().find((l) => l.reqId === 'tpl-1')).toMatchObject({ method: 'DELETE', route: '/v1/hashes/:id', clientId: 'p1', role: 'partner' });
    expect(lines().find((l) => l.reqId === 'tpl-2')).toMatchObject({ route: '(unmatched)', status: 404 });
    expect(written.filter((l) => l.includes('"event":"request"')).join('\n')).not.toContain(id);
  });
});

describe('many requests at once', () => {
  it('200 concurrent requests from 4 clients: 200 lines, each id once with its client, counted exactly', async () => {
    const before = lines().length;
    const countOf = async () =>
      (await rt.metrics.registry.getSingleMetric('mhn_http_requests_total')!.get()).values.find(
        (v) => v.labels.route === '/v1/match' && v.labels.status === '200',
      )?.value ?? 0;
    const counted = await countOf();
    const reqs = Array.from({ length: 200 }, (_, i) => ({ id: `c-${i}`, client: `client-${i % 4}` }));
    const statuses = await Promise.all(
      reqs.map((r) =>
        Promise.resolve(
          app.request('http://node.test/v1/match', {
            method: 'POST',
            headers: { ...dev(r.client), 'x-request-id': r.id, 'content-type': 'application/json' },
            body: JSON.stringify({ hashes: [{ type: 'md5', value: randomUUID().replace(/-/g, '') }] }),
          }),
        ).then((res) => res.status),
      ),
    );
    expect(statuses.every((s) => s === 200)).toBe(true);
    const mine = lines()
      .slice(before)
      .filter((l) => l.event === 'request');
    expect(mine).toHaveLength(200);
    for (const r of reqs) expect(mine.filter((l) => l.reqId === r.id).map((l) => l.clientId)).toEqual([r.client]);
    expect((await countOf()) - counted).toBe(200);
  });
});

describe('errors', () => {
  it('a health check that throws: the answer names no cause, the log has it with the request id', async () => {
    const failing = buildApp({ ...rt.deps, health: [{ name: 'database', check: async () => Promise.reject(new Error('SQLITE_IOERR: disk I/O error')) }] });
    const res = await failing.request('http://node.test/health', { headers: { 'x-request-id': 'health-1' } });
    expect(res.status).toBe(503);
    expect(await res.text()).not.toContain('SQLITE_IOERR');
    expect(lines().find((l) => l.reqId === 'health-1' && l.event === 'internal_error')).toMatchObject({
      level: 'error',
      error: { type: 'Error', message: 'SQLITE_IOERR: disk I/O error' },
    });
  });
});

describe('the loggers themselves', () => {
  it('LOG_LEVEL: lines below it are not written', async () => {
    const out: string[] = [];
    const log = await createNodeLogger({ level: 'warn', destination: { write: (s: string) => void out.push(s) } });
    log.info({ event: 'request' }, 'dropped');
    log.debug({ event: 'x' }, 'dropped');
    log.warn({ event: 'auth_failure' }, 'kept');
    log.error({ event: 'internal_error' }, 'kept');
    expect(out.map((l) => JSON.parse(l).level)).toEqual(['warn', 'error']);
  });

  it('pino blanks a token, key or secret passed to it by mistake', async () => {
    const out: string[] = [];
    const log = await createNodeLogger({ level: 'info', destination: { write: (s: string) => void out.push(s) } });
    log.info({ event: 'x', token: 'tok-1', nested: { authorization: 'Bearer tok-2', d: 'key-3', client_assertion: 'a-4' }, secret: 's-5' }, 'oops');
    const line = JSON.parse(out[0]);
    expect(out[0]).not.toMatch(/tok-1|tok-2|key-3|a-4|s-5/);
    expect(line).toMatchObject({ level: 'info', event: 'x', token: '[redacted]', msg: 'oops' });
    expect(Date.parse(line.time)).not.toBeNaN();
  });

  it('Workers: JSON lines through console, LOG_LEVEL honoured', () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const l = consoleLogger('warn', () => Date.UTC(2026, 0, 2, 3, 4, 5));
      l.info({ event: 'request' }, 'not written');
      l.warn({ event: 'auth_failure', code: 'invalid_token' }, 'refused');
      l.error({ event: 'internal_error' }, 'bug');
      expect(log).not.toHaveBeenCalled();
      expect(JSON.parse(warn.mock.calls[0][0] as string)).toEqual({
        level: 'warn',
        time: '2026-01-02T03:04:05.000Z',
        event: 'auth_failure',
        code: 'invalid_token',
        msg: 'refused',
      });
      expect(JSON.parse(error.mock.calls[0][0] as string)).toMatchObject({ level: 'error', event: 'internal_error', msg: 'bug' });
    } finally {
      vi.restoreAllMocks();
    }
  });
});
