/**
 * The layers of DESIGN §2, checked on the source: dependency arrows point down only, and only
 * src/runtime/* (and the entry points and CLI) may know their runtime.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(__dirname, '../src');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

function importsOf(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of src.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/g)) out.push(m[1]);
  for (const m of src.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]);
  for (const m of src.matchAll(/\brequire\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]);
  return out;
}

/** Module specifiers that tie code to one runtime. */
const RUNTIME_SPECIFIC = [
  /^node:/,
  /^(fs|path|os|crypto|child_process|stream|zlib|url|http|https|net|worker_threads)(\/|$)/,
  /^sharp$/,
  /^@libsql\//,
  /^drizzle-orm\/(libsql|d1)/,
  /^cloudflare:/,
  /^@hono\/node-server/,
  /^@cloudflare\//,
];

const layer = (f: string) => relative(SRC, f).split('/')[0];

function violations(dirs: string[], banned: RegExp[], bannedLayers: string[] = []): string[] {
  const out: string[] = [];
  for (const d of dirs)
    for (const f of files(join(SRC, d)))
      for (const spec of importsOf(f)) {
        if (banned.some((re) => re.test(spec))) out.push(`${relative(SRC, f)} imports ${spec}`);
        if (spec.startsWith('.')) {
          const target = layer(resolve(f, '..', spec));
          if (bannedLayers.includes(target)) out.push(`${relative(SRC, f)} imports ${spec} (layer ${target})`);
        }
      }
  return out;
}

describe('layers', () => {
  it('the scanner sees imports (it can fail)', () => {
    expect(importsOf(join(SRC, 'runtime/node/image/sharp.ts'))).toContain('sharp');
    expect(violations(['runtime'], RUNTIME_SPECIFIC).length).toBeGreaterThan(0);
  });

  it('src/core is pure: no runtime, no Hono, drizzle, sharp or jose, no upper layer', () => {
    expect(
      violations(['core'], [...RUNTIME_SPECIFIC, /^hono/, /^@hono\//, /^drizzle-orm/, /^jose$/, /^zod/], ['services', 'storage', 'http', 'runtime', 'cli']),
    ).toEqual([]);
  });

  it('src/services import no runtime, Hono or SQL', () => {
    expect(violations(['services'], [...RUNTIME_SPECIFIC, /^hono/, /^@hono\//, /^drizzle-orm/], ['http', 'runtime', 'cli'])).toEqual([]);
  });

  it('src/storage is the only place with drizzle, and imports no runtime', () => {
    expect(violations(['storage'], RUNTIME_SPECIFIC, ['services', 'http', 'runtime', 'cli'])).toEqual([]);
    const drizzleOutside = ['core', 'services', 'http'].flatMap((d) => violations([d], [/^drizzle-orm/]));
    expect(drizzleOutside).toEqual([]);
  });

  it('src/config (the settings both runtimes read) imports no runtime, storage or upper layer', () => {
    expect(violations(['config'], RUNTIME_SPECIFIC, ['storage', 'http', 'runtime', 'cli'])).toEqual([]);
    // and the layers below it do not reach up to it
    expect(['core', 'services', 'storage'].flatMap((d) => violations([d], [], ['config']))).toEqual([]);
  });

  it('src/http imports no runtime-specific module', () => {
    expect(violations(['http'], RUNTIME_SPECIFIC, ['runtime', 'cli'])).toEqual([]);
  });

  it('no code outside src/runtime checks which runtime it is on', () => {
    const sniff = /typeof\s+(process|Deno|Bun|navigator)\b|globalThis\.(process|Deno|Bun)\b|isWorker|isNode\b/;
    const offenders = ['core', 'services', 'storage', 'http'].flatMap((d) =>
      files(join(SRC, d))
        .filter((f) => sniff.test(readFileSync(f, 'utf8')))
        .map((f) => relative(SRC, f)),
    );
    expect(offenders).toEqual([]);
  });

  it.each(['core', 'runtime/node'])('each room of src/%s is entered by its index: code outside a room imports only the folder', (parent) => {
    const rooms = readdirSync(join(SRC, parent), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => join(SRC, parent, e.name));
    expect(rooms.length).toBeGreaterThan(4);
    const offenders: string[] = [];
    for (const f of files(SRC))
      for (const spec of importsOf(f)) {
        if (!spec.startsWith('.')) continue;
        const target = resolve(f, '..', spec);
        const room = rooms.find((r) => target.startsWith(`${r}/`));
        if (room && !f.startsWith(`${room}/`)) offenders.push(`${relative(SRC, f)} imports ${spec}, inside ${relative(SRC, room)}`);
      }
    expect(offenders).toEqual([]);
    // and every room has its one surface
    expect(rooms.filter((r) => !files(r).some((f) => f === join(r, 'index.ts'))).map((r) => relative(SRC, r))).toEqual([]);
  });
});
