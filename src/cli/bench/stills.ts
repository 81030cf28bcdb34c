/**
 * The costly case of video matching: still scenes. A stored video and a query video whose frames
 * are all distinct but within a few bits of one another (a speech over a fixed picture, re-encoded)
 * make every query frame hit every stored frame: n x n index hits, by the exact vPDQ rule. Measured
 * through the node's own services on a fresh database, with the stored video freshly shared (its
 * frames still in the index's overflow, as right after a share) and after a compaction.
 *
 *   npm run bench -- --only stills
 *   npx tsx src/cli/bench/stills.ts [--quick]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { uniform } from '../../core/prng';
import { vpdqDigest } from '../../core/video';
import { loadConfig } from '../../runtime/node/config';
import { createNodeRuntime } from '../../runtime/node/deps';
import { matchHashes } from '../../services/matching';
import { shareHashes } from '../../services/sharing';
import { formatTable, type BenchTable } from './types';

/** n frames: one random base hash with a different combination of its first 12 bits flipped in each. */
function stillScene(n: number, base: Uint8Array, shift: number) {
  return Array.from({ length: n }, (_, i) => {
    const b = Uint8Array.from(base);
    const k = (i + shift) % 4096;
    for (let bit = 0; bit < 12; bit++) if ((k >> bit) & 1) b[bit >> 3] ^= 1 << (bit & 7);
    return { index: 30 * i, timestamp: i, hash: Buffer.from(b).toString('hex'), quality: 90 };
  });
}

export async function run(opts: { quick?: boolean } = {}): Promise<BenchTable> {
  const rows: (string | number)[][] = [];
  for (const n of opts.quick ? [900] : [900, 3600]) {
    const dir = mkdtempSync(join(tmpdir(), 'mhn-bench-stills-'));
    const rt = await createNodeRuntime(
      loadConfig({ DATABASE_URL: `file:${join(dir, 'node.db')}`, NODE_SECRET_FILE: join(dir, 'node.secret'), VIDEO_MAX_FRAMES: String(n), LOG_LEVEL: 'error' }),
    );
    try {
      await rt.indexLoaded;
      const rnd = uniform(n);
      const base = Uint8Array.from({ length: 32 }, () => Math.floor(rnd() * 256));
      const who = { clientId: 'bench', role: 'partner' as const, scopes: [] };
      const shared = stillScene(n, base, 0);
      await shareHashes(rt.deps, who, [{ type: 'vpdq', value: vpdqDigest(shared), frames: shared, labels: ['attack-footage'] }]);
      const query = stillScene(n, base, 7);
      for (const where of ['in the overflow (just shared)', 'compacted']) {
        if (where === 'compacted') rt.index.compact();
        const t = performance.now();
        const [r] = await matchHashes(rt.deps, [{ type: 'vpdq', value: vpdqDigest(query), frames: query }]);
        const ms = performance.now() - t;
        if (r.matches[0]?.video?.queryMatchPercent !== 100) throw new Error('the still scene did not match itself');
        rows.push([`${n} x ${n}`, where, (n * n).toLocaleString('en-US'), (ms / 1000).toFixed(2)]);
      }
    } finally {
      rt.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return {
    title: 'vPDQ matching of still scenes (every query frame hits every stored frame)',
    columns: ['frames (query x stored)', 'stored frames', 'index hits', 'match s'],
    rows,
    notes: [
      'One request, one vpdq item, through matchHashes on a fresh libsql database; frames are a random hash with 12 of its bits varied; the answer is checked (100 % match).',
      'Hits are consumed 32 query frames at a time, the event loop released between chunks (other requests keep being served).',
      `Node ${process.version}, ${new Date().toISOString().slice(0, 10)}.`,
    ],
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  run({ quick: process.argv.includes('--quick') }).then((table) => console.log(formatTable(table)));
}
