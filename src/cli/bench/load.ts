/**
 * Load from this process against a node over HTTP: wrk (Debian package `wrk`) when installed, else
 * autocannon; the benches that fire many requests share these.
 */
import { execFile, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import autocannon from 'autocannon';

export interface Load {
  tool: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

export function hasWrk(): boolean {
  return spawnSync('wrk', ['--version']).error === undefined;
}

export async function autocannonLoad(base: string, headers: Record<string, string>, bodies: string[], duration: number): Promise<Load> {
  let k = 0;
  const r = await autocannon({
    url: `${base}/v1/match`,
    method: 'POST',
    headers,
    connections: 32,
    duration,
    requests: [{ setupRequest: (req) => ({ ...req, body: bodies[k++ % bodies.length] }) }],
  });
  return { tool: 'autocannon', rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts + (r.non2xx ?? 0) };
}

export async function wrkLoad(dir: string, base: string, headers: Record<string, string>, bodies: string[], duration: number): Promise<Load> {
  const lua = join(dir, 'match.lua');
  const hdr = Object.entries(headers)
    .map(([k, v]) => `[${JSON.stringify(k)}] = ${JSON.stringify(v)}`)
    .join(', ');
  writeFileSync(
    lua,
    `local bodies = {${bodies.map((b) => JSON.stringify(b)).join(',')}}\nlocal i = 0\nlocal headers = {${hdr}}\nrequest = function()\n  i = i % #bodies + 1\n  return wrk.format("POST", "/v1/match", headers, bodies[i])\nend\n`,
  );
  const { stdout } = await promisify(execFile)('wrk', ['-t1', '-c32', `-d${duration}s`, '--latency', '-s', lua, base], { timeout: (duration + 30) * 1000 });
  const ms = (label: string) => {
    const m = new RegExp(`${label}\\s+([\\d.]+)(us|ms|s)`).exec(stdout);
    if (!m) return NaN;
    const v = Number(m[1]);
    return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
  };
  const num = (re: RegExp) => Number(re.exec(stdout)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  const errors = num(/Non-2xx or 3xx responses: (\d+)/) + (socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
  return { tool: 'wrk', rps: num(/Requests\/sec:\s+([\d.]+)/), p50: Number(ms('50%').toFixed(2)), p99: Number(ms('99%').toFixed(2)), errors };
}
