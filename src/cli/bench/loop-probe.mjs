// Loaded into a node process by the ledger bench (`node --import …/loop-probe.mjs`): how long each
// turn of the main thread's event loop held the CPU. A timer beats every millisecond and reads the
// thread's CPU time (Linux: /proc/self/task/<tid>/schedstat, nanoseconds); the CPU time between two
// beats is what ran in between. Unlike wall-clock latencies it does not grow when other processes
// take the cores, so it says whether the node's own work is cut short on a loaded machine too.
// SIGUSR2 starts a window, the next SIGUSR2 ends it and writes its summary (JSON) to LOOP_PROBE_OUT.
// Plain JavaScript: the node's production build runs without a TypeScript loader.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

const out = process.env.LOOP_PROBE_OUT;
const stat = `/proc/self/task/${process.pid}/schedstat`;

function cpuNs() {
  return Number(readFileSync(stat, 'latin1').split(' ')[0]);
}

function summary(turns) {
  const sorted = Float64Array.from(turns).sort();
  const q = (p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] : Number.NaN);
  const over = (ms) => turns.filter((t) => t > ms).length;
  return { turns: turns.length, p50: q(0.5), p99: q(0.99), p999: q(0.999), max: q(1), over10: over(10), over20: over(20), over50: over(50) };
}

if (isMainThread && out) {
  let readable = true;
  try {
    cpuNs();
  } catch {
    readable = false;
  }
  let turns = null;
  let last = readable ? cpuNs() : 0;
  const beat = () => {
    const now = cpuNs();
    if (turns) turns.push((now - last) / 1e6);
    last = cpuNs();
    setTimeout(beat, 1).unref();
  };
  if (readable) setTimeout(beat, 1).unref();
  // Installed even where the CPU time cannot be read: SIGUSR2 must not end the process.
  process.on('SIGUSR2', () => {
    if (!readable) return;
    if (!turns) {
      turns = [];
      return;
    }
    writeFileSync(`${out}.tmp`, JSON.stringify(summary(turns)));
    renameSync(`${out}.tmp`, out);
    turns = null;
  });
}
