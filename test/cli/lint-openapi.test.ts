/**
 * The CI check of /openapi.json (`npm run lint:openapi`, run by .ci/run): Redocly's recommended rules
 * through its real CLI, offline. It passes a clean document and names each rule a flawed one breaks,
 * so the node's own document is held to it (the check itself runs in CI, not here: see README).
 */
import { describe, expect, it } from 'vitest';
import { lintOpenApi } from '../../src/cli/lint-openapi';

const clean = {
  openapi: '3.1.0',
  info: { title: 't', version: '1', description: 'd', license: { name: 'MIT', identifier: 'MIT' } },
  servers: [{ url: '/' }],
  security: [{ bearer: [] }],
  components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
  paths: {
    '/v1/things': {
      get: {
        operationId: 'listThings',
        summary: 'List things',
        description: 'All of them.',
        responses: { 200: { description: 'ok', content: { 'application/json': { schema: { type: 'object' } } } }, 401: { description: 'no token' } },
      },
    },
    '/health': {
      get: {
        operationId: 'health',
        summary: 'Health',
        description: 'Up?',
        security: [],
        responses: { 200: { description: 'ok' }, 404: { description: 'no' } },
      },
    },
  },
};

describe('npm run lint:openapi', () => {
  it('passes a clean document', async () => {
    expect((await lintOpenApi(clean)).problems).toEqual([]);
  }, 60_000);

  it('names each rule a document breaks: no operationId, no servers, a public route without security: []', async () => {
    const flawed = structuredClone(clean) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    delete flawed.servers;
    delete flawed.paths['/v1/things'].get.operationId;
    delete flawed.paths['/health'].get.security; // a public route must say so with security: []
    flawed.security = undefined;
    flawed.paths['/v1/things'].get.security = [{ bearer: [] }];
    const r = await lintOpenApi(flawed);
    expect(r.rules.map((x) => `${x.severity} ${x.rule} ${x.count}`).sort()).toEqual(
      ['error no-empty-servers 1', 'error security-defined 1', 'warn operation-operationId 1'].sort(),
    );
  }, 60_000);
});
