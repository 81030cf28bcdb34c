/**
 * ffmpeg and ffprobe as child processes: started without proxies in their environment, in a process
 * group of their own, reaped however they end, their stderr's last complaint kept for the log (never
 * for the client).
 *
 * Their own process group (and session): a terminal's Ctrl-C goes to its whole foreground group, and
 * under `npm start` that was the node and its decoders alike, so a decode in flight died (and was
 * reported as a corrupt video) while the node, shutting down, waited for that very request. The node
 * alone decides when they stop (SIGKILL at a deadline, or once nobody reads them), and kills those
 * still running when it exits (../children.ts). After a kill -9 of the node, every one, reading the
 * video from the node's loopback server and writing to the node's pipes, meets end of input or a
 * broken pipe and exits (test/runtime/process.test.ts checks both on real processes).
 *
 * A decoder ended by a signal the node did not send (an operator's kill, the kernel's OOM killer)
 * failed for the node's reasons, not the video's: `signalOf` tells, ../stopped.ts says so.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { DomainError, throwIfCancelled } from '../../../core/errors';
import { tracked } from '../children';

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
  // detached: a process group and session of its own (setsid), out of reach of a signal to the node's
  // group; so nothing but the node's own kill at its exit (../children.ts) ends them with it.
  return tracked(spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv(), windowsHide: true, detached: true }));
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Resolves with the exit code or signal once the process is gone; a missing binary becomes `video_unavailable`. */
export function exitOf(child: ChildProcess): Promise<Exit> {
  return new Promise((resolve, reject) => {
    child.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT' || e.code === 'EACCES') reject(unavailable(`${child.spawnfile} could not be run (${e.code})`));
      else reject(e);
    });
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
}

/**
 * How ffmpeg says a signal stopped it: it catches SIGINT and SIGTERM, finishes cleanly and exits
 * with 255 (ffmpeg 5.1, tried; its "received signal" line is at info level, which `-v error` keeps
 * out of stderr). A signal it does not catch (SIGKILL, the OOM killer's) ends it by the signal
 * itself, as SIGTERM ends ffprobe. Not told apart: ffmpeg or ffprobe interrupted while still opening
 * their input exit 1, as for a file they cannot read; with the decoders in a group of their own,
 * only a signal sent to that process's own pid does it. Known ambiguity: from ffmpeg 6.1 on, main()
 * returns the error code, whose low byte is 255 for a few errors (AVERROR(EPERM)); on such a build
 * those files would be answered 503 instead of 422 (review of 2026-12-05; not handled).
 */
const FFMPEG_SIGNALLED = 255;

/** The signal that ended a decoder, when one did: by the signal itself, or (ffmpeg) exit status 255. */
export function signalOf(exit: Exit): string | null {
  if (exit.signal) return exit.signal;
  return exit.code === FFMPEG_SIGNALLED ? 'a signal (exit status 255)' : null;
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
/** Runs to its end, its stdout kept (at most 1 MB); killed at `deadline`, or at once when `signal` (the request's) aborts: then `cancelled`. */
export async function run(
  bin: string,
  args: string[],
  deadline: number,
  signal?: AbortSignal,
): Promise<Exit & { cut: boolean; stdout: Buffer; stderr: Buffer }> {
  throwIfCancelled(signal);
  const child = start(bin, args);
  const onAbort = () => child.kill('SIGKILL');
  signal?.addEventListener('abort', onAbort, { once: true });
  const stderr = tail(child);
  const out: Buffer[] = [];
  let size = 0;
  let cut = false;
  child.stdout?.on('data', (d: Buffer) => {
    size += d.length;
    if (size <= 1 << 20) out.push(d);
    else {
      cut = true;
      child.kill('SIGKILL');
    }
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
    const exit = await exitOf(child);
    throwIfCancelled(signal);
    if (expired) {
      throw new DomainError('unprocessable', 'probing the video took longer than the time allowed and was stopped');
    }
    return { ...exit, cut, stdout: Buffer.concat(out), stderr: stderr() };
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
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
