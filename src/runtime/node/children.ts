/**
 * The decoders this process has running (ffmpeg, ffprobe, poppler's tools), killed when it exits.
 * They run in a process group of their own (a terminal's Ctrl-C to the node's group must not end a
 * decode the node, shutting down, waits for), so nothing else ends them with the node: a node that
 * exits after SHUTDOWN_TIMEOUT_MS cut requests off, or on an error, would otherwise leave them running
 * until their next write into a closed pipe (a slow page: seconds; `ulimit -t` bounds poppler's CPU
 * at its deadline, ffmpeg has no such bound). A node killed with SIGKILL runs no handler: its
 * decoders then end at that write (test/runtime/process.test.ts).
 */
import type { ChildProcess } from 'node:child_process';

const live = new Set<ChildProcess>();
let hooked = false;

function killAll(): void {
  for (const c of live) {
    try {
      c.kill('SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  live.clear();
}

/** Notes a decoder until it closes; every one still running is killed (SIGKILL) when this process exits. */
export function tracked<T extends ChildProcess>(child: T): T {
  if (!hooked) {
    hooked = true;
    // 'exit' handlers run on process.exit() and at a natural end; kill() is synchronous.
    process.on('exit', killAll);
  }
  live.add(child);
  child.once('close', () => live.delete(child));
  child.once('error', () => live.delete(child));
  return child;
}

/** How many decoders are running (for tests). */
export const runningDecoders = () => live.size;
