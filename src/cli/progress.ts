/**
 * A progress line on stderr for the commands that can take a while (hashing a folder or a long
 * video, sharing or matching thousands of hashes, reading a large audit log): redrawn in place at
 * most ten times a second, shown only after half a second (quick runs print nothing), erased when
 * done. Silent with --json, when stderr is not a terminal (piped, redirected, CI), or with
 * MHN_PROGRESS=0; MHN_PROGRESS=1 forces it on a non-terminal (for looking at it in a log);
 * MHN_PROGRESS_DELAY_MS changes the half second (the tests show it at once).
 * stdout is never touched, so a command's output stays clean for the next program in a pipe.
 *
 * A dozen lines of our own rather than a library: one line, no colours, no spinner threads.
 */

export interface Progress {
  /** `done` of `total` (unknown: undefined), and what is being worked on now. */
  update(done: number, total?: number, what?: string): void;
  /** A message that must stay on screen (e.g. a retry's wait): printed above the bar. */
  note(line: string): void;
  /** Runs `write` (a line to stdout, which may be the same terminal) with the bar out of its way. */
  above(write: () => void): void;
  /** Erases the line. */
  end(): void;
  readonly enabled: boolean;
}

export interface ProgressOptions {
  json?: boolean;
  stream?: NodeJS.WriteStream;
  env?: Record<string, string | undefined>;
  now?: () => number;
  /** Nothing is drawn before this much time has passed (default 500 ms). */
  delayMs?: number;
}

const WIDTH = 24;

export function progressEnabled(o: ProgressOptions = {}): boolean {
  const env = o.env ?? process.env;
  if (o.json || env.MHN_PROGRESS === '0') return false;
  return env.MHN_PROGRESS === '1' || !!(o.stream ?? process.stderr).isTTY;
}

export function progress(label: string, o: ProgressOptions = {}): Progress {
  const stream = o.stream ?? process.stderr;
  const now = o.now ?? Date.now;
  const enabled = progressEnabled(o);
  const started = now();
  const env = o.env ?? process.env;
  const delay = o.delayMs ?? (env.MHN_PROGRESS_DELAY_MS !== undefined && /^\d+$/.test(env.MHN_PROGRESS_DELAY_MS) ? Number(env.MHN_PROGRESS_DELAY_MS) : 500);
  let drawnAt = 0;
  let shown = false;
  const clear = () => shown && stream.write('\r\x1b[K');
  let last: [number, number | undefined, string | undefined] = [0, undefined, undefined];

  const draw = (force = false) => {
    const t = now();
    if (t - started < delay || (!force && t - drawnAt < 100)) return;
    drawnAt = t;
    const [done, total, what] = last;
    const secs = `${((t - started) / 1000).toFixed(1)} s`;
    let text: string;
    if (total && total > 0) {
      const f = Math.min(1, done / total);
      const fill = Math.round(f * WIDTH);
      text = `${label} [${'#'.repeat(fill)}${'-'.repeat(WIDTH - fill)}] ${done}/${total} ${Math.floor(f * 100)}% ${secs}`;
    } else {
      text = `${label} ${done} ${secs}`;
    }
    if (what) text += `  ${what}`;
    const cols = stream.columns || 100;
    if (text.length > cols - 1) text = text.slice(0, cols - 2) + '…';
    stream.write(`\r\x1b[K${text}`);
    shown = true;
  };

  return {
    enabled,
    update(done, total, what) {
      if (!enabled) return;
      last = [done, total, what];
      draw();
    },
    note(line) {
      if (!enabled) return;
      clear();
      stream.write(`${line}\n`);
      shown = false;
      draw(true);
    },
    above(write) {
      if (enabled) clear();
      shown = false;
      write();
      if (enabled) draw(true);
    },
    end() {
      if (!enabled) return;
      clear();
      shown = false;
    },
  };
}
