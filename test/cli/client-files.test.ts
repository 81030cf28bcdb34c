/**
 * The client CLI on the files a member actually has, against a real node on a loopback port: a
 * folder of symbolic links (followed to files; broken ones and links to folders skipped, saying
 * why); folders with nothing to hash (an error, not "no match" and exit 0); a file that does not
 * hash, named by a JSON line of its own in `match --json` and `share --json` as in `hash --json`;
 * missing, empty and unknown files said in words about files, with the node's codes; malformed
 * `--hash` values and out-of-range `--max-distance` refused as usage errors (2) before anything is
 * sent, while what only the node can judge (a URL it cannot use) stays its 400 (1).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conformancePath } from '../support/conformance';
import { ffmpegPipe, requireFfmpeg } from '../support/ffmpeg';
import { jsonLines, runCli } from '../support/cli';
import { serveTestApp, type ServedApp } from '../support/served-app';

let node: ServedApp;
let work: string;
let partner: Record<string, string>;

const client = (args: string[], env: Record<string, string> = partner) => runCli('client', args, { cwd: work, env });
const lines = jsonLines;

const SHIP = () => conformancePath('blockhash', 'clipper_ship.jpg');
const OTHER = () => conformancePath('blockhash', '00011601.jpg');

beforeAll(async () => {
  node = await serveTestApp();
  work = mkdtempSync(join(tmpdir(), 'mhn-client-files-'));
  const m = await node.member('partner', 'files-partner');
  writeFileSync(join(work, 'partner.key.json'), JSON.stringify(m.jwk), { mode: 0o600 });
  partner = { MHN_NODE: node.base, MHN_CLIENT_ID: m.id, MHN_KEY: join(work, 'partner.key.json') };

  // A folder of links, as a member's export or a watched folder often is: two to images, one
  // broken, one to a folder (never walked: a link may lead back up).
  mkdirSync(join(work, 'originals', 'more'), { recursive: true });
  copyFileSync(SHIP(), join(work, 'originals', 'ship.jpg'));
  copyFileSync(OTHER(), join(work, 'originals', 'more', 'other.jpg'));
  mkdirSync(join(work, 'linked'));
  symlinkSync(join(work, 'originals', 'ship.jpg'), join(work, 'linked', 'a-ship.jpg'));
  symlinkSync('../originals/more/other.jpg', join(work, 'linked', 'b-other.jpg'));
  symlinkSync(join(work, 'gone.jpg'), join(work, 'linked', 'c-broken.jpg'));
  symlinkSync(join(work, 'originals', 'more'), join(work, 'linked', 'd-folder'));
  // Folders with nothing to hash: only links to no file; nothing at all; only notes.
  mkdirSync(join(work, 'dangling'));
  symlinkSync(join(work, 'gone.jpg'), join(work, 'dangling', 'x.jpg'));
  symlinkSync(join(work, 'originals'), join(work, 'dangling', 'y'));
  mkdirSync(join(work, 'empty'));
  mkdirSync(join(work, 'notes'));
  writeFileSync(join(work, 'notes', 'read-me.txt'), 'not media\n');
  // An image and a truncated copy of another in one folder.
  mkdirSync(join(work, 'mixed'));
  copyFileSync(SHIP(), join(work, 'mixed', 'a.jpg'));
  writeFileSync(join(work, 'mixed', 'b-broken.jpg'), readFileSync(OTHER()).subarray(0, 2000));
  copyFileSync(OTHER(), join(work, 'mixed', 'c.jpg'));
  // Files that are not media, said of files.
  writeFileSync(join(work, 'empty.jpg'), '');
  writeFileSync(join(work, 'random.bin'), Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919 + 13) % 251)));
  writeFileSync(join(work, 'latin1.txt'), Buffer.from('café au lait, déjà vu, naïve: a text in windows-1252\n', 'latin1'));
}, 120_000);
afterAll(async () => {
  await node?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('a folder of symbolic links', () => {
  it('hash: links to files are hashed under their own names; a broken link and a link to a folder are skipped, each with why', async () => {
    const r = await client(['hash', 'linked', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stdout).map((l) => [l.file, l.kind])).toEqual([
      [join('linked', 'a-ship.jpg'), 'image'],
      [join('linked', 'b-other.jpg'), 'image'],
    ]);
    expect(r.stderr).toBe(
      `${join('linked', 'c-broken.jpg')}: skipped: a broken link (to ${join(work, 'gone.jpg')}, which is not there)\n` +
        `${join('linked', 'd-folder')}: skipped: a link to a folder (${join(work, 'originals', 'more')}), not followed\n`,
    );
    const human = await client(['hash', 'linked']);
    expect(human.stderr).toMatch(/\nhashed 2 of 2 files; 2 links skipped \(above\)\n$/);
  }, 60_000);

  it('share and match: the linked images are shared and found', async () => {
    const shared = await client(['share', 'linked', '--labels', 'glorification', '--json']);
    expect(shared.code, shared.stderr).toBe(0);
    expect(new Set(lines(shared.stdout).map((l) => l.file))).toEqual(new Set([join('linked', 'a-ship.jpg'), join('linked', 'b-other.jpg')]));
    expect(shared.stderr).toContain(`${join('linked', 'c-broken.jpg')}: skipped: a broken link`);
    const matched = await client(['match', 'linked', '--json']);
    expect(matched.code, matched.stderr).toBe(0);
    const found = lines(matched.stdout);
    expect(found.map((l) => [l.file, l.query.type, l.matches[0]?.distance])).toEqual(
      ['a-ship.jpg', 'b-other.jpg'].flatMap((f) => ['pdq', 'blockhash', 'md5', 'sha256'].map((t) => [join('linked', f), t, 0])),
    );
  }, 120_000);

  it('nothing to work on (only links to no file, an empty folder, only notes): match, share and hash say so and exit 1, printing nothing on stdout', async () => {
    for (const cmd of [['match'], ['share', '--labels', 'glorification'], ['hash']]) {
      const dangling = await client([cmd[0], 'dangling', ...cmd.slice(1), '--json']);
      expect(dangling, cmd[0]).toEqual({
        code: 1,
        stdout: '',
        stderr:
          `${join('dangling', 'x.jpg')}: skipped: a broken link (to ${join(work, 'gone.jpg')}, which is not there)\n` +
          `${join('dangling', 'y')}: skipped: a link to a folder (${join(work, 'originals')}), not followed\n` +
          'error: no image, video or PDF found in dangling: 2 links skipped (above); nothing was done\n',
      });
      expect(await client([cmd[0], 'empty', ...cmd.slice(1)]), cmd[0]).toEqual({
        code: 1,
        stdout: '',
        stderr: 'error: no image, video or PDF found in empty (empty); nothing was done\n',
      });
      expect(await client([cmd[0], 'notes', 'empty', ...cmd.slice(1)]), cmd[0]).toEqual({
        code: 1,
        stdout: '',
        stderr:
          'error: no image, video or PDF found in notes, empty: 1 other file (not images, videos or PDFs; a text is read only when named); nothing was done\n',
      });
    }
  }, 120_000);
});

describe('a file that does not hash, with --json', () => {
  it('match DIR --json: a line naming the file and its error, in its place among the others; exit 1', async () => {
    const r = await client(['match', 'mixed', '--json']);
    expect(r.code).toBe(1);
    const out = lines(r.stdout);
    expect(out.map((l) => (l.error ? `${l.file} ${l.error.code}` : `${l.file} ${l.query.type}`))).toEqual([
      ...['pdq', 'blockhash', 'md5', 'sha256'].map((t) => `${join('mixed', 'a.jpg')} ${t}`),
      `${join('mixed', 'b-broken.jpg')} corrupt_media`,
      ...['pdq', 'blockhash', 'md5', 'sha256'].map((t) => `${join('mixed', 'c.jpg')} ${t}`),
    ]);
    // The same line `hash --json` writes for it.
    const hashed = lines((await client(['hash', join('mixed', 'b-broken.jpg'), '--json'])).stdout);
    expect(out[4]).toEqual(hashed[0]);
    expect(out[4]).toEqual({ file: join('mixed', 'b-broken.jpg'), error: { code: 'corrupt_media', message: expect.stringContaining('corrupt or truncated') } });
  }, 60_000);

  it('share FILE --json: the line for a file that does not hash; exit 1, nothing shared', async () => {
    const r = await client(['share', join('mixed', 'b-broken.jpg'), '--labels', 'glorification', '--json']);
    expect(r.code).toBe(1);
    expect(lines(r.stdout)).toEqual([
      { file: join('mixed', 'b-broken.jpg'), error: { code: 'corrupt_media', message: expect.stringContaining('corrupt or truncated') } },
    ]);
  }, 60_000);

  it('share FILE --json: a video the node would refuse whole (no frame of PDQ quality 50) has its line, low_quality; exit 1, the other file shared', async () => {
    requireFfmpeg();
    // Made here (never kept beyond the test's folder): a black video, no frame a PDQ can tell.
    writeFileSync(
      join(work, 'black.mkv'),
      ffmpegPipe(['-f', 'lavfi', '-i', 'color=c=black:s=320x240:d=3:r=10', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-f', 'matroska', 'pipe:1']),
    );
    try {
      const r = await client(['share', 'black.mkv', join('mixed', 'a.jpg'), '--labels', 'glorification', '--json']);
      expect(r.code).toBe(1);
      const out = lines(r.stdout);
      expect(out[0]).toEqual({
        file: 'black.mkv',
        error: { code: 'low_quality', message: 'no frame of the video has PDQ quality 50 or more; the node does not share it' },
      });
      // The other file is shared, its lines after.
      expect(out.slice(1).every((l) => l.file === join('mixed', 'a.jpg') && typeof l.id === 'string')).toBe(true);
      expect(out.length).toBeGreaterThan(1);
    } finally {
      rmSync(join(work, 'black.mkv'));
    }
  }, 90_000);

  it('share --input: a request refused after others were shared says how many stay shared', async () => {
    const md5 = (i: number) => i.toString(16).padStart(32, '0');
    const rows = Array.from({ length: 1001 }, (_, i) => JSON.stringify({ type: 'md5', value: md5(0xabc000 + i) }));
    writeFileSync(join(work, 'partly.jsonl'), `${[...rows, JSON.stringify({ type: 'md5', value: 'xyz' })].join('\n')}\n`);
    const r = await client(['share', '--input', 'partly.jsonl', '--labels', 'glorification', '--json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/md5 value must be hexadecimal/);
    expect(r.stderr).toContain('the 1000 hashes of the requests before it (of 1002) were shared and stay shared');
  }, 60_000);

  it('--input: a `hash --json` line for a failed file is given back as it was, in its place', async () => {
    writeFileSync(join(work, 'mixed.jsonl'), (await client(['hash', 'mixed', '--json'])).stdout);
    const r = await client(['match', '--input', 'mixed.jsonl', '--json']);
    expect(r.code).toBe(1);
    const out = lines(r.stdout);
    expect(out.map((l) => (l.error ? 'error' : l.query.type))).toEqual([
      ...['pdq', 'blockhash', 'md5', 'sha256'],
      'error',
      ...['pdq', 'blockhash', 'md5', 'sha256'],
    ]);
    expect(out[4]).toEqual({ file: join('mixed', 'b-broken.jpg'), error: { code: 'corrupt_media', message: expect.stringContaining('corrupt or truncated') } });
  }, 60_000);
});

describe('files said in words about files', () => {
  const NODE_WORDS = /request body|declared text\/plain|Content-Type|ENOENT|send /;

  it('hash: a missing file, an empty one, one that is no media the node hashes, a text in another encoding; the codes kept; the other files still hashed', async () => {
    const r = await client(['hash', 'missing.jpg', 'empty.jpg', 'random.bin', 'latin1.txt', join('mixed', 'a.jpg'), '--json']);
    expect(r.code).toBe(1);
    const out = lines(r.stdout);
    expect(out.slice(0, 4)).toEqual([
      { file: 'missing.jpg', error: { code: 'not_found', message: 'no such file' } },
      { file: 'empty.jpg', error: { code: 'invalid_request', message: 'the file is empty' } },
      {
        file: 'random.bin',
        error: {
          code: 'unsupported_media_type',
          message:
            'not an image, video, PDF or text the node hashes; it hashes an image (JPEG, PNG, WebP, GIF, AVIF or TIFF), a video (MP4, MOV, 3GP, WebM, Matroska, AVI, FLV, ASF, MPEG-TS/PS or Ogg), a PDF, or a text (a .txt name, or --text)',
        },
      },
      {
        file: 'latin1.txt',
        error: { code: 'corrupt_media', message: 'the text is not valid utf-8; name its encoding with --charset (e.g. --charset windows-1252)' },
      },
    ]);
    expect(out[4]).toMatchObject({ file: join('mixed', 'a.jpg'), kind: 'image' });
    expect(r.stdout).not.toMatch(NODE_WORDS);
    const charset = await client(['hash', 'latin1.txt', '--charset', 'klingon']);
    expect(charset.stdout).toBe(
      'latin1.txt  FAILED unsupported_media_type: --charset "klingon" is not an encoding the node reads; name one of the WHATWG Encoding Standard (e.g. windows-1252, iso-8859-2, shift_jis, utf-16le)\n',
    );
    expect((await client(['hash', 'latin1.txt', '--charset', 'windows-1252'])).code).toBe(0);
  }, 60_000);

  it('a named pipe given by name is refused in words, not opened (opening one waits for a writer: the CLI hung for ever)', async () => {
    const fifo = join(work, 'pipe.jpg');
    execFileSync('mkfifo', [fifo]);
    try {
      const r = await client(['hash', 'pipe.jpg', join('mixed', 'a.jpg'), '--json']);
      expect(r.code).toBe(1);
      const out = lines(r.stdout);
      expect(out[0]).toEqual({ file: 'pipe.jpg', error: { code: 'invalid_request', message: 'not a regular file (a named pipe): only files are read' } });
      expect(out[1]).toMatchObject({ file: join('mixed', 'a.jpg'), kind: 'image' });
    } finally {
      rmSync(fifo);
    }
  }, 60_000);

  it('match and share: the same words on stderr, each file named', async () => {
    const r = await client(['match', 'missing.jpg', 'empty.jpg', 'random.bin', join('mixed', 'a.jpg')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'missing.jpg: not hashed: not_found: no such file\n' +
        'empty.jpg: not hashed: invalid_request: the file is empty\n' +
        'random.bin: not hashed: unsupported_media_type: not an image, video, PDF or text the node hashes; it hashes an image (JPEG, PNG, WebP, GIF, AVIF or TIFF), a video (MP4, MOV, 3GP, WebM, Matroska, AVI, FLV, ASF, MPEG-TS/PS or Ogg), a PDF, or a text (a .txt name, or --text)\n' +
        '3 file(s) could not be hashed (above)\n',
    );
    expect(r.stdout).toMatch(/^mixed\/a\.jpg pdq [0-9a-f]{16}…: \d+ match(es)?\n/);
    const shared = await client(['share', 'missing.jpg', '--labels', 'glorification']);
    expect(shared).toMatchObject({ code: 1, stdout: '', stderr: expect.stringMatching(/^missing\.jpg: not hashed: not_found: no such file\n/) });
    expect(shared.stderr).not.toMatch(NODE_WORDS);
  }, 60_000);
});

describe('match --help', () => {
  it("prints the command's usage (exit 0, no node needed), saying what matching by hashes does not find and where to send the media instead", async () => {
    const r = await client(['match', '--help'], {});
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^usage: npm run client -- match \[options\]\n {2}match \[FILE\|DIR\.\.\.\]/);
    expect(r.stdout).toContain('Hashes only: an');
    expect(r.stdout).toContain('not a copy with a border or');
    expect(r.stdout).toContain('POST /v1/match/media, which hashes it in memory and forgets it');
    expect(r.stdout).not.toMatch(/^ {2}share /m);
  }, 60_000);
});

describe('arguments checked before anything is sent (exit 2), what only the node can judge left to it (exit 1)', () => {
  it('a malformed --hash value, an out-of-range or unknown --max-distance: usage errors naming the flag', async () => {
    // A node that is not there: a usage error is found before any request, or this would be "cannot reach the node" (1).
    const nowhere = { ...partner, MHN_NODE: 'http://127.0.0.1:9' };
    const cases: [string[], string][] = [
      [
        ['--hash', 'pdq:abc'],
        'error: --hash "pdq:abc": pdq value must be 64 hex characters (256 bits), got 3; nothing was sent (`client hash FILE` prints a file\'s hashes)\n',
      ],
      [['--hash', `md5:${'g'.repeat(32)}`], expect.stringContaining('md5 value must be hexadecimal (0-9, a-f)')],
      [
        ['--hash', 'tlsh:T1abc'],
        expect.stringContaining('tlsh value must be a TLSH digest: T1 and 70 hex digits (the standard 128-bucket build), got 3 hex digits'),
      ],
      [
        ['--hash', 'url:ftp://example.org/x'],
        expect.stringContaining('a url is given as the URL itself (https://… or http://…) or as its digest, 64 hex characters'),
      ],
      [['--hash', `pdq:${'0'.repeat(64)}`, '--max-distance', 'pdq=100'], 'error: --max-distance pdq=100: pdq takes at most 64 (the default is 31)\n'],
      [['--hash', `md5:${'0'.repeat(32)}`, '--max-distance', 'md5=1'], 'error: --max-distance md5=1: md5 matches only when equal (0)\n'],
      [
        ['--hash', `pdq:${'0'.repeat(64)}`, '--max-distance', 'pdx=3'],
        expect.stringContaining('--max-distance "pdx=3": unknown hash type "pdx"; it takes pdq, blockhash'),
      ],
      [['--hash', `pdq:${'0'.repeat(64)}`, '--max-distance', 'pdq=-1'], expect.stringContaining('--max-distance takes TYPE=DISTANCE')],
    ];
    for (const [args, stderr] of cases) expect(await client(['match', ...args], nowhere), args.join(' ')).toEqual({ code: 2, stdout: '', stderr });
    // Checked before a file is hashed, too.
    expect((await client(['match', 'mixed', '--hash', 'pdq:abc', '--json'], nowhere)).code).toBe(2);
    // Within the caps: sent, and answered.
    const ok = await client(['match', '--hash', `pdq:${'0'.repeat(64)}`, '--max-distance', 'pdq=64,tlsh=300,md5=0']);
    expect(ok).toMatchObject({ code: 0, stdout: `pdq ${'0'.repeat(16)}…: no match\n` });
  }, 60_000);

  it("a URL the node cannot use is the node's 400: exit 1, in the node's words", async () => {
    const r = await client(['match', '--hash', `url:https://exa mple.org/${'a/'.repeat(40)}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: POST \/v1\/match: 400 invalid_request: .*the URL cannot be used/);
  }, 60_000);
});
