/**
 * Child processes fed from memory and held to limits: the PDF tools run through `/bin/sh` so that
 * `ulimit` caps their address space (`-v`) and CPU time (`-t`) before `exec` replaces the shell;
 * a wall-clock deadline kills them (SIGKILL) on top. The input goes to stdin and never to disk. They
 * run in a process group of their own (see spawnCapped).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { tracked } from '../children';

export interface Caps {
  /** Address space in bytes (ulimit -v); 0 = none. */
  memoryBytes: number;
  /** Epoch ms after which the process is killed. */
  deadline: number;
  /** The request's: aborted when its client has gone, which kills the process at once (the caller then throws `cancelled`). */
  signal?: AbortSignal;
}

export interface Spawned {
  child: ChildProcess;
  /** Resolves once the process is gone: its exit code or the signal that ended it. ENOENT and the like reject. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** True once the deadline killed it. */
  expired(): boolean;
  /** The last 4 KB of stderr. */
  stderr(): string;
  /** Kills it now (idempotent) and waits for it to be gone. */
  stop(): Promise<void>;
}

/** Starts `bin args` under the caps, writing `input` to its stdin (an early exit's EPIPE is ignored). */
export function spawnCapped(bin: string, args: string[], input: Uint8Array | null, caps: Caps): Spawned {
  const limits: string[] = [];
  if (caps.memoryBytes > 0) limits.push(`ulimit -v ${Math.ceil(caps.memoryBytes / 1024)}`);
  // CPU seconds as a second line of defence behind the wall clock: a process spinning past it is killed by the kernel.
  limits.push(`ulimit -t ${Math.max(1, Math.ceil((caps.deadline - Date.now()) / 1000) + 1)}`);
  const script = `${limits.join('; ')}; exec "$0" "$@"`;
  // detached: a process group and session of its own, as the video decoders (video/processes.ts):
  // a Ctrl-C to the node's group must not end a render the node, shutting down, waits for. It is
  // killed when the node exits (../children.ts); after a SIGKILL of the node, its next write into the
  // node's pipe ends it, and `ulimit -t` bounds its CPU time.
  const child = tracked(
    spawn('/bin/sh', ['-c', script, bin, ...args], { stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'], windowsHide: true, detached: true }),
  );
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err = (err + d.toString('utf8')).slice(-4096);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  exited.catch(() => undefined);
  let expired = false;
  const timer = setTimeout(
    () => {
      expired = true;
      child.kill('SIGKILL');
    },
    Math.max(0, caps.deadline - Date.now()),
  );
  const onAbort = () => child.kill('SIGKILL');
  if (caps.signal?.aborted) onAbort();
  else caps.signal?.addEventListener('abort', onAbort, { once: true });
  void exited
    .finally(() => {
      clearTimeout(timer);
      caps.signal?.removeEventListener('abort', onAbort);
    })
    .catch(() => undefined);
  if (input && child.stdin) {
    child.stdin.on('error', () => undefined);
    child.stdin.end(Buffer.from(input.buffer, input.byteOffset, input.byteLength));
  }
  return {
    child,
    exited,
    expired: () => expired,
    stderr: () => err,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited.catch(() => undefined);
    },
  };
}

/** Runs to completion, keeping at most `maxOut` bytes of stdout (`cut` says whether more came; the process is then stopped). */
export async function runCapped(
  bin: string,
  args: string[],
  input: Uint8Array | null,
  caps: Caps,
  maxOut: number,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: Buffer; cut: boolean; expired: boolean; stderr: string }> {
  const p = spawnCapped(bin, args, input, caps);
  const out: Buffer[] = [];
  let size = 0;
  let cut = false;
  p.child.stdout?.on('data', (d: Buffer) => {
    if (cut) return;
    const room = maxOut - size;
    if (d.length > room) {
      out.push(d.subarray(0, room));
      size = maxOut;
      cut = true;
      p.child.kill('SIGKILL');
      return;
    }
    out.push(d);
    size += d.length;
  });
  try {
    const { code, signal } = await p.exited;
    return { code, signal, stdout: Buffer.concat(out), cut, expired: p.expired(), stderr: p.stderr() };
  } finally {
    await p.stop();
  }
}
