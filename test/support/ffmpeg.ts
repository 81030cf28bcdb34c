/** The video tests' helpers: the system's ffmpeg (checked for, and through pipes only) and the conformance videos. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { conformancePath } from './conformance';

/** The video tests need ffmpeg and ffprobe: fail at once, saying how to get them, when they are missing. */
export function requireFfmpeg(): void {
  for (const bin of ['ffmpeg', 'ffprobe']) {
    const r = spawnSync(bin, ['-version'], { stdio: 'ignore' });
    if (r.error || r.status !== 0) throw new Error(`these tests need ${bin} on PATH (Debian/Ubuntu: apt-get install ffmpeg; .ci/run installs it)`);
  }
}

/** ffmpeg from stdin (or a lavfi source) to stdout: nothing on disk. */
export function ffmpegPipe(args: string[], input?: Buffer): Buffer {
  const r = spawnSync('ffmpeg', ['-hide_banner', '-v', 'error', ...args], { input, maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`ffmpeg ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/** One of vPDQ's sample videos (../shared/conformance/pdq/tmk/sample-videos). */
export const conformanceVideo = (name: string): Buffer => readFileSync(conformancePath('pdq', 'tmk', 'sample-videos', `${name}.mp4`));
