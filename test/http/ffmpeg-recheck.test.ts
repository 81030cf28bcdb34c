/**
 * ffmpeg's availability is not remembered until a restart. One running node, FFMPEG_PATH pointing
 * at a folder of wrapper scripts around the system's ffmpeg and ffprobe: missing at first, then
 * installed, then removed, then broken, then fixed. A failure stands for 30 s (no spawn per
 * request meanwhile), a success until a spawn finds the binary gone. The clock the decoder reads
 * (Date) is moved past the 30 s instead of waiting.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { makeTestApp, type TestApp } from '../support/app';
import { conformanceVideo, requireFfmpeg } from '../support/ffmpeg';

let t: TestApp;
let bin: string;
const real = (name: string) => spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();

function install(kind: 'working' | 'broken') {
  mkdirSync(bin, { recursive: true });
  for (const name of ['ffmpeg', 'ffprobe']) {
    const body = kind === 'working' ? `exec ${real(name)} "$@"` : 'echo "libavcodec.so.59: cannot open shared object file" >&2; exit 127';
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  }
}
const uninstall = () => rmSync(bin, { recursive: true, force: true });

async function videoStatus(): Promise<{ available: boolean; detail: string }> {
  return (await (await t.app.request('/health')).json()).checks.video;
}
async function hashVideo(): Promise<{ status: number; code?: string; detail?: string }> {
  const res = await t.request('/v1/hash', {
    method: 'POST',
    headers: { 'content-type': 'video/mp4' },
    body: new Uint8Array(conformanceVideo('doorknob-hd-no-bar')),
  });
  const body = await res.json();
  return { status: res.status, code: body.code, detail: body.detail };
}
/** Moves the clock the decoder reads by `ms`. */
function later(ms: number) {
  vi.setSystemTime(Date.now() + ms);
}

beforeAll(async () => {
  requireFfmpeg();
  const dir = mkdtempSync(join(tmpdir(), 'mhn-ffmpeg-'));
  bin = join(dir, 'bin');
  t = await makeTestApp({ FFMPEG_PATH: join(bin, 'ffmpeg') });
  vi.useFakeTimers({ toFake: ['Date'] });
});
afterAll(() => {
  vi.useRealTimers();
  rmSync(join(bin, '..'), { recursive: true, force: true });
  t?.close();
});

describe('ffmpeg found, lost and found again by the same running node', () => {
  it('missing at start: 501 and /health says unavailable', async () => {
    expect(await hashVideo()).toMatchObject({ status: 501, code: 'video_unavailable' });
    expect(await videoStatus()).toMatchObject({ available: false });
  });

  it('installed while running: found once the failure has stood 30 s, without a restart', async () => {
    install('working');
    later(10_000);
    expect(await videoStatus()).toMatchObject({ available: false }); // the failure stands a while
    later(21_000);
    expect(await videoStatus()).toMatchObject({ available: true, detail: expect.stringMatching(/^ffmpeg version/) });
    expect((await hashVideo()).status).toBe(200);
  });

  it('removed while running: the next video finds it gone and /health says so at once', async () => {
    uninstall();
    expect(await videoStatus()).toMatchObject({ available: true }); // not re-run on every health check
    expect(await hashVideo()).toMatchObject({ status: 501, code: 'video_unavailable' });
    expect(await videoStatus()).toMatchObject({ available: false });
  });

  it('broken (exits non-zero), then fixed: each found on the next check after 30 s', async () => {
    install('broken');
    later(31_000);
    expect(await videoStatus()).toMatchObject({ available: false });
    const broken = await hashVideo();
    expect(broken).toMatchObject({ status: 501, code: 'video_unavailable' });
    expect(broken.detail).not.toMatch(/libavcodec|exited|\/bin\//); // its words and path go to the log
    install('working');
    later(31_000);
    expect(await videoStatus()).toMatchObject({ available: true });
    expect((await hashVideo()).status).toBe(200);
  });
});
