/**
 * One configuration schema, two sources: the settings both runtimes share are declared once
 * (src/config) and read from the environment on Node and from the bindings on Workers, with the same
 * defaults and the same checks; one VERSION, package.json's, reported by /health.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHARED_SETTINGS, VERSION } from '../../src/config';
import { loadConfig } from '../../src/runtime/node/config';
import { loadWorkerConfig, type WorkerEnv } from '../../src/runtime/worker/config';
import { makeTestApp, type TestApp } from '../support/app';

const SECRET = 'a-secret-of-at-least-32-characters-0123';
const node = (env: Record<string, string> = {}) => loadConfig({ PUBLIC_URL: 'https://node.example', NODE_SECRET: SECRET, ...env });
const worker = (env: Record<string, string> = {}) =>
  loadWorkerConfig({ DB: {} as WorkerEnv['DB'], PUBLIC_URL: 'https://node.example', NODE_SECRET: SECRET, ENVIRONMENT: 'test', ...env });
const shared = (c: Record<string, unknown>) => Object.fromEntries(Object.keys(SHARED_SETTINGS).map((k) => [k, c[k]]));

describe('the shared settings', () => {
  it('have the same defaults on both runtimes', () => {
    expect(shared(worker())).toEqual(shared(node()));
    expect(shared(node())).toMatchObject({
      MAX_BATCH: 1000,
      VPDQ_QUERY_MATCH_PERCENT: 80,
      VPDQ_CANDIDATE_MATCH_PERCENT: 0,
      DEV_AUTH: false,
      TOKEN_AUDIENCES: [],
    });
  });

  it('are read and checked the same way from both sources', () => {
    const env = {
      MAX_BATCH: '50',
      VPDQ_QUERY_MATCH_PERCENT: '60',
      TOKEN_AUDIENCES: 'https://a.example/, https://b.example',
      RATE_LIMIT_BURST: '7',
      DEV_AUTH: 'yes',
    };
    expect(shared(worker(env))).toEqual(shared(node(env)));
    expect(node(env)).toMatchObject({
      MAX_BATCH: 50,
      VPDQ_QUERY_MATCH_PERCENT: 60,
      TOKEN_AUDIENCES: ['https://a.example', 'https://b.example'],
      RATE_LIMIT_BURST: 7,
      DEV_AUTH: true,
    });
    for (const load of [node, worker]) {
      expect(() => load({ RATE_LIMIT_BURST: '0', VPDQ_CANDIDATE_MATCH_PERCENT: '101' })).toThrow(
        /^invalid configuration: VPDQ_CANDIDATE_MATCH_PERCENT="101": [^;]*; RATE_LIMIT_BURST="0": /,
      );
      expect(() => load({ NODE_SECRET: 'short' })).toThrow(/^invalid configuration: NODE_SECRET \(value not shown\): /);
    }
    // In the node's words, with what would be accepted; never the schema library's ("Invalid input: expected number, received NaN").
    expect(() =>
      node({
        PORT: 'abc',
        DEV_AUTH: 'maybe',
        PUBLIC_URL: 'nope',
        VIDEO_SECONDS_PER_FRAME: 'x',
        DATABASE_SYNCHRONOUS: 'off',
        LOG_LEVEL: 'loud',
        RATE_LIMIT_PER_SECOND: '-1',
      }),
    ).toThrow(
      'invalid configuration: PORT="abc": must be a whole number from 0 to 65535; DATABASE_SYNCHRONOUS="off": must be one of full, normal; ' +
        'PUBLIC_URL="nope": must be a URL such as https://hashes.example.org; RATE_LIMIT_PER_SECOND="-1": must be a number of 0 or more; ' +
        'DEV_AUTH="maybe": must be 1 or 0 (or true/false, yes/no); VIDEO_SECONDS_PER_FRAME="x": must be a number from 0 to 3600; ' +
        'LOG_LEVEL="loud": must be one of debug, info, warn, error, silent',
    );
    for (const load of [node, worker])
      for (const bad of [
        { MAX_BATCH: '2.5' },
        { MAX_BATCH: '1e9' },
        { RATE_LIMIT_BURST: 'many' },
        { LOG_LEVEL: 'LOUD' },
        { VPDQ_QUERY_MATCH_PERCENT: '-3' },
      ] as Record<string, string>[]) {
        const message = (() => {
          try {
            load(bad);
          } catch (e) {
            return (e as Error).message;
          }
          return 'accepted';
        })();
        expect(message).toMatch(/^invalid configuration: [A-Z_]+="[^"]*": must be /);
        expect(message).not.toMatch(/Invalid input|Invalid option|Too small|Too big|expected .*, received/);
      }
    // A Worker's [vars] may hold TOML booleans and numbers: read as their text.
    const typed = { DEV_AUTH: true, MAX_BATCH: 40 } as unknown as Record<string, string>;
    expect(worker(typed)).toMatchObject({ DEV_AUTH: true, MAX_BATCH: 40 });
    expect(worker({ DEV_AUTH: false, RATE_LIMIT_BURST: 3 } as unknown as Record<string, string>)).toMatchObject({ DEV_AUTH: false, RATE_LIMIT_BURST: 3 });
    expect(() => node({ DEV_AUTH: '1', NODE_ENV: 'production' })).toThrow('DEV_AUTH=1 is refused when NODE_ENV=production');
    expect(() => worker({ DEV_AUTH: '1', ENVIRONMENT: 'production' })).toThrow('DEV_AUTH=1 is refused when ENVIRONMENT=production');
    expect(() => loadWorkerConfig({ DB: {} as WorkerEnv['DB'], PUBLIC_URL: 'https://node.example', NODE_SECRET: SECRET, DEV_AUTH: '1' })).toThrow(
      'ENVIRONMENT=production',
    );
  });

  it('each runtime keeps its own: Workers need the URL and the secret, and bound bodies to 100 MB', () => {
    expect(() => loadWorkerConfig({ DB: {} as WorkerEnv['DB'] })).toThrow(
      /PUBLIC_URL \(not set\): must be the URL the node is reached at.*NODE_SECRET \(not set\): must be set with `wrangler secret put NODE_SECRET`/,
    );
    expect(() => worker({ MAX_BODY_BYTES: String(200 * 1024 * 1024) })).toThrow(/MAX_BODY_BYTES/);
    expect(node({ MAX_BODY_BYTES: String(200 * 1024 * 1024) }).MAX_BODY_BYTES).toBe(200 * 1024 * 1024);
    expect(loadConfig({}).PUBLIC_URL).toBe('http://localhost:8787');
  });
});

describe('VERSION', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeTestApp();
  });
  afterAll(() => t?.close());

  it("is package.json's, and /health reports it", async () => {
    expect(VERSION).toBe(JSON.parse(readFileSync(resolve(__dirname, '../../package.json'), 'utf8')).version);
    const health = (await (await t.request('/health')).json()) as { node: { version: string } };
    expect(health.node.version).toBe(VERSION);
  });
});
