/**
 * src/client/api-types.ts is what `npm run client:types` writes from the app's /openapi.json today:
 * a route whose schemas changed without regenerating the client's types fails here. The package's
 * client entry point stays runtime-neutral: nothing under src/client imports Node's modules.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { API_TYPES_FILE, generateApiTypes } from '../../src/cli/client-types';
import pkg from '../../package.json';

describe('the client package', () => {
  it('src/client/api-types.ts is up to date with /openapi.json (else: npm run client:types)', async () => {
    expect(
      readFileSync(API_TYPES_FILE, 'utf8') === (await generateApiTypes()),
      'src/client/api-types.ts is stale: run npm run client:types and commit it',
    ).toBe(true);
  });

  it('imports no node:* module, Buffer or process (it runs in browsers and Workers too)', () => {
    const dir = join(__dirname, '../../src/client');
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
      const text = readFileSync(join(dir, f), 'utf8');
      expect(text, f).not.toMatch(/from ['"]node:|require\(|\bBuffer\.|\bprocess\./);
    }
  });

  it('package.json exports ./client', () => {
    expect((pkg as { exports?: Record<string, unknown> }).exports?.['./client']).toEqual({ types: './src/client/index.ts', default: './src/client/index.ts' });
  });
});
