/**
 * `client match --dihedral` against a real node on a loopback port: a turned and a mirrored copy of
 * a shared image, hashed here, match on PDQ and blockhash through the rotations and mirrors hashed
 * here (`as rotate90`, `as flipY`), from files and from `client hash --dihedral --json` lines alike;
 * without --dihedral, and for a hash given with --hash, blockhash finds nothing, as before. The
 * client library does the same with `imageQueries`.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPixels, imageQueries, NodeClient } from '../../src/client';
import { SharpImageDecoder } from '../../src/runtime/node/image';
import { conformancePath } from '../support/conformance';
import { ROOT } from '../support/node-process';
import { serveTestApp, type ServedApp } from '../support/served-app';

const TSX = join(ROOT, 'node_modules/.bin/tsx');
const CLIENT = join(ROOT, 'src/cli/client.ts');
const ORIGINAL = readFileSync(conformancePath('pdq', 'pdq', 'data', 'reg-test-input', 'dih', 'bridge-1-original.jpg'));
let node: ServedApp;
let work: string;
let env: Record<string, string>;
let member: NodeClient;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** A shell command line run in the work folder as the member; its exit code, stdout and stderr. */
function sh(line: string): Promise<Run> {
  return new Promise((resolve) =>
    execFile('sh', ['-c', line], { cwd: work, env: { ...process.env, ...env }, timeout: 90_000, maxBuffer: 64 << 20 }, (e, stdout, stderr) =>
      resolve({ code: (e as { code?: number } | null)?.code ?? 0, stdout, stderr }),
    ),
  );
}
const client = (args: string) => sh(`'${TSX}' '${CLIENT}' ${args}`);

const lines = (text: string): any[] =>
  text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

beforeAll(async () => {
  node = await serveTestApp();
  work = mkdtempSync(join(tmpdir(), 'mhn-client-dihedral-'));
  const m = await node.member('partner', 'dihedral-partner');
  writeFileSync(join(work, 'partner.key.json'), JSON.stringify(m.jwk), { mode: 0o600 });
  env = { MHN_NODE: node.base, MHN_CLIENT_ID: m.id, MHN_KEY: join(work, 'partner.key.json') };
  member = new NodeClient({ node: node.base, clientId: m.id, key: m.jwk });
  const shared = await member.shareMedia(ORIGINAL, { labels: ['attack-footage'], contentType: 'image/jpeg' });
  expect(shared.items.map((i) => i.type)).toContain('blockhash');
  // sharp's rotate(90) turns clockwise: a quarter turn counter-clockwise (rotate90) undoes it; flop mirrors left to right (flipY).
  await sharp(ORIGINAL).rotate(90).png().toFile(join(work, 'turned.png'));
  await sharp(ORIGINAL).flop().png().toFile(join(work, 'mirrored.png'));
}, 120_000);
afterAll(async () => {
  await node?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('client match --dihedral', () => {
  it('files: pdq and blockhash of both copies match, printed as rotate90 and flipY; a hash given with --hash finds nothing turned', async () => {
    const hashed = JSON.parse((await client('hash turned.png --json')).stdout);
    const r = await client(`match turned.png mirrored.png --hash blockhash:${hashed.hashes.blockhash.value} --dihedral`);
    expect(r.code, r.stderr).toBe(0);
    for (const [file, variant] of [
      ['turned.png', 'rotate90'],
      ['mirrored.png', 'flipY'],
    ])
      for (const type of ['pdq', 'blockhash'])
        expect(r.stdout, `${file} ${type}`).toMatch(
          new RegExp(`^${file.replace('.', '\\.')} ${type} [0-9a-f]{16}…: \\d+ match(es)?\\n {2}\\S+ {2}${type} distance \\d+ .*\\(as ${variant}\\)$`, 'm'),
        );
    // The same blockhash given alone: no rotations to send, and the node can derive none from a blockhash.
    expect(r.stdout).toContain(`\nblockhash ${hashed.hashes.blockhash.value.slice(0, 16)}…: no match\n`);
  }, 120_000);

  it('without --dihedral the turned blockhash does not match', async () => {
    const r = await client('match turned.png --json');
    expect(r.code, r.stderr).toBe(0);
    const out = lines(r.stdout);
    expect(out.map((l) => [l.query.type, l.matched])).toEqual([
      ['pdq', false],
      ['blockhash', false],
      ['md5', false],
      ['sha256', false],
    ]);
  }, 120_000);

  it('hash FILES --dihedral --json | match --input - --dihedral: the lines carry the rotations and mirrors', async () => {
    const r = await sh(`'${TSX}' '${CLIENT}' hash turned.png mirrored.png --dihedral --json | '${TSX}' '${CLIENT}' match --input - --dihedral --json`);
    expect(r.code, r.stderr).toBe(0);
    const out = lines(r.stdout).filter((l) => l.query.type === 'pdq' || l.query.type === 'blockhash');
    expect(out.map((l) => [l.file, l.query.type, l.matched, l.matches[0]?.variant])).toEqual([
      ['turned.png', 'pdq', true, 'rotate90'],
      ['turned.png', 'blockhash', true, 'rotate90'],
      ['mirrored.png', 'pdq', true, 'flipY'],
      ['mirrored.png', 'blockhash', true, 'flipY'],
    ]);
    for (const l of out) expect(l.matches[0].variantValue).toMatch(/^[0-9a-f]{64}$/);
  }, 120_000);
});

describe('the client library', () => {
  it('NodeClient.match with imageQueries of pixels hashed with dihedral: the mirror matches on blockhash as flipY', async () => {
    const img = await new SharpImageDecoder({ maxPixels: 50_000_000 }).decode(new Uint8Array(readFileSync(join(work, 'mirrored.png'))));
    const queries = imageQueries(hashPixels(img, { dihedral: true }));
    expect(queries.map((q) => [q.type, 'variants' in q ? q.variants?.map((v) => v.variant) : undefined])).toEqual([
      ['pdq', ['rotate90', 'rotate180', 'rotate270', 'flipX', 'flipY', 'flipPlus1', 'flipMinus1']],
      ['blockhash', ['rotate90', 'rotate180', 'rotate270', 'flipX', 'flipY', 'flipPlus1', 'flipMinus1']],
    ]);
    const { results } = await member.match(queries, { dihedral: true });
    expect(results.map((r) => [r.query.type, r.matched, r.matches[0]?.variant])).toEqual([
      ['pdq', true, 'flipY'],
      ['blockhash', true, 'flipY'],
    ]);
    // Without the variants the node has nothing to turn a blockhash with.
    const bare = await member.match(
      queries.map((q) => ({ ...q, variants: undefined })),
      { dihedral: true },
    );
    expect(bare.results[1].matched).toBe(false);
  }, 60_000);
});
