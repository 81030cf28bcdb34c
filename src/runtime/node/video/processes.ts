/**
 * ffmpeg and ffprobe as child processes: started without proxies in their environment, reaped
 * however they end, their stderr's last complaint kept for the log (never for the client).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { DomainError } from '../../../core/errors';

const INSTALL_HINT = 'install ffmpeg on this node (Debian/Ubuntu: `apt-get install ffmpeg`) or set FFMPEG_PATH to it; images work without it';
/** What a client is told when ffmpeg cannot be run; which binary and why go to the log. */
export const unavailable = (cause: string) =>
  new DomainError('video_unavailable', `this node cannot hash videos: ffmpeg is not installed or cannot be run; ${INSTALL_HINT}`, { cause });

/** The environment ffmpeg runs in: without proxies, which would send the loopback URL elsewhere. */
function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (/^(https?|all|no)_proxy$/i.test(k)) delete env[k];
  return env;
}

export function start(bin: string, args: string[]): ChildProcess {
  return spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv(), windowsHide: true });
}

/** Resolves with the exit code once the process is gone; a missing binary becomes `video_unavailable`. */
export function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve, reject) => {
    child.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT' || e.code === 'EACCES') reject(unavailable(`${child.spawnfile} could not be run (${e.code})`));
      else reject(e);
    });
    child.once('close', (code) => resolve(code));
  });
}

/** The last 4 KB of the process's stderr (ffmpeg's complaints). */
export function tail(child: ChildProcess): () => Buffer {
  let buf = Buffer.alloc(0);
  child.stderr?.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    if (buf.length > 4096) buf = buf.subarray(buf.length - 4096);
  });
  return () => buf;
}

/** Runs a short command to completion with a deadline, collecting stdout (up to 1 MB) and stderr. */
export async function run(bin: string, args: string[], deadline: number): Promise<{ code: number | null; stdout: Buffer; stderr: Buffer }> {
  const child = start(bin, args);
  const stderr = tail(child);
  const out: Buffer[] = [];
  let size = 0;
  child.stdout?.on('data', (d: Buffer) => {
    size += d.length;
    if (size <= 1 << 20) out.push(d);
    else child.kill('SIGKILL');
  });
  let expired = false;
  const timer = setTimeout(
    () => {
      expired = true;
      child.kill('SIGKILL');
    },
    Math.max(0, deadline - Date.now()),
  );
  try {
    const code = await exitOf(child);
    if (expired) {
      throw new DomainError('unprocessable', 'probing the video took longer than the time allowed and was stopped');
    }
    return { code, stdout: Buffer.concat(out), stderr: stderr() };
  } finally {
    clearTimeout(timer);
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'close').catch(() => undefined);
    }
  }
}

/** ffmpeg's last complaint, usually the one that says what went wrong: for the log. */
export function lastLine(b: Buffer): string {
  // ffmpeg prefixes lines with "[demuxer @ 0x...]" and names the one-shot URL: neither helps.
  const line =
    b
      .toString('utf8')
      .split('\n')
      .map((l) =>
        l
          .replace(/^\[[^\]]*\]\s*/, '')
          .replace(/https?:\/\/127\.0\.0\.1:\d+\/[0-9a-f]+:?\s*/g, '')
          .trim(),
      )
      .filter(Boolean)
      .pop() ?? '';
  return line.slice(0, 200);
}
