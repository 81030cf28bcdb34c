/**
 * Debian packages into the evaluation's cache, without installing anything: `apt-get download`
 * fetches the .deb into .eval-cache/debs, `dpkg-deb -x` unpacks it into .eval-cache/pkgs/<package>.
 * The version is pinned (`package=version`; without one, the candidate apt-cache names), so a corpus.json
 * is rebuilt from the same files.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface Unpacked {
  package: string;
  version: string;
  root: string;
}

export function ensurePackage(cache: string, pkg: string, version?: string): Unpacked {
  const debs = join(cache, 'debs');
  const root = join(cache, 'pkgs', pkg);
  const stamp = join(cache, 'pkgs', `${pkg}.version`);
  if (existsSync(stamp) && existsSync(root)) {
    const have = readFileSync(stamp, 'utf8').trim();
    if (!version || have === version) return { package: pkg, version: have, root };
  }
  mkdirSync(debs, { recursive: true });
  mkdirSync(join(cache, 'pkgs'), { recursive: true });
  version ??= candidateVersion(pkg);
  const spec = `${pkg}=${version}`;
  const already = () => readdirSync(debs).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb') && debVersion(join(debs, f)) === version);
  if (!already())
    try {
      execFileSync('apt-get', ['download', '-q', spec], { cwd: debs, stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (e) {
      const err = String((typeof e === 'object' && e !== null && 'stderr' in e ? e.stderr : undefined) ?? e);
      throw new Error(`apt-get download ${spec} failed (run 'apt-get update' first; a pinned version may have left the mirror): ${err.trim()}`);
    }
  const file = already();
  if (!file) throw new Error(`apt-get download ${spec} left no ${pkg}_*.deb in ${debs}`);
  const got = debVersion(join(debs, file));
  const tmp = `${root}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  execFileSync('dpkg-deb', ['-x', join(debs, file), tmp]);
  rmSync(root, { recursive: true, force: true });
  renameSync(tmp, root);
  writeFileSync(stamp, got + '\n');
  return { package: pkg, version: got, root };
}

/** The version `apt-get download PKG` would fetch. */
function candidateVersion(pkg: string): string {
  const v = /^Version: (.+)$/m.exec(execFileSync('apt-cache', ['show', '--no-all-versions', pkg], { encoding: 'utf8' }))?.[1];
  if (!v) throw new Error(`apt-cache knows no package ${pkg} (run 'apt-get update' first)`);
  return v.trim();
}

function debVersion(file: string): string {
  return execFileSync('dpkg-deb', ['-f', file, 'Version'], { encoding: 'utf8' }).trim();
}

/** Every file under `root`, as paths relative to it, sorted. */
export function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(relative(root, p));
    }
  };
  walk(root);
  return out.sort();
}
