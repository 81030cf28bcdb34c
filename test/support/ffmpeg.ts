/** The video tests need the system's ffmpeg and ffprobe: fail at once, saying how to get them, when they are missing. */
import { spawnSync } from 'node:child_process';

export function requireFfmpeg(): void {
  for (const bin of ['ffmpeg', 'ffprobe']) {
    const r = spawnSync(bin, ['-version'], { stdio: 'ignore' });
    if (r.error || r.status !== 0) throw new Error(`these tests need ${bin} on PATH (Debian/Ubuntu: apt-get install ffmpeg; .ci/run installs it)`);
  }
}
