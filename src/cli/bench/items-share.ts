/**
 * What items cost a share: the ledger's commit of 1000 hashes (250 images of 4 hashes), shared alone
 * and shared as 250 items (their rows, the members' shares, the links, an item.share audit entry
 * each), alternating on two fresh SQLite files opened as the node opens them (writer thread).
 *
 *   npx tsx src/cli/bench/items-share.ts [BATCHES]     # default 40 batches of each
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { itemId } from '../../core/items';
import { openDatabase } from '../../runtime/node/database';
import { SqlLedger } from '../../storage/ledger';
import type { LedgerItem, LedgerShareItem } from '../../storage/types';

const digest = (s: string) => createHash('sha256').update(s).digest('hex');

/** Batch b: 250 images' pdq, blockhash, md5 and sha256, with their items when `asItems`. */
function batch(b: number, asItems: boolean): { items: LedgerShareItem[]; media: LedgerItem[] } {
  const items: LedgerShareItem[] = [];
  const media: LedgerItem[] = [];
  for (let k = 0; k < 250; k++) {
    const sha = digest(`media ${b} ${k}`);
    const id = itemId('http://bench.test', sha);
    if (asItems) media.push({ id, sha256: sha, kind: 'image', labels: ['attack-footage'] });
    const links = asItems ? { links: [{ item: id, variant: 'whole' }] } : {};
    const hashes: [LedgerShareItem['type'], string][] = [
      ['pdq', digest(`pdq ${b} ${k}`)],
      ['blockhash', digest(`bh ${b} ${k}`)],
      ['md5', digest(`md5 ${b} ${k}`).slice(0, 32)],
      ['sha256', sha],
    ];
    for (const [type, value] of hashes) items.push({ type, value, labels: ['attack-footage'], externalId: null, ...links });
  }
  return { items, media: asItems ? media : [] };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const batches = Number(process.argv[2] ?? 40);
  const dir = mkdtempSync(join(tmpdir(), 'mhn-items-share-'));
  const plain = await openDatabase(`file:${join(dir, 'plain.db')}`);
  const items = await openDatabase(`file:${join(dir, 'items.db')}`);
  const took = { plain: [] as number[], items: [] as number[] };
  try {
    for (let b = 0; b < batches; b++) {
      for (const [name, db] of [
        ['plain', plain],
        ['items', items],
      ] as const) {
        const ledger = new SqlLedger(db.writer);
        const input = batch(b, name === 'items');
        const t0 = performance.now();
        await ledger.share({ at: Date.now(), contributor: 'bench', ...input });
        took[name].push(performance.now() - t0);
      }
    }
  } finally {
    await plain.close();
    await items.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const p = median(took.plain);
  const i = median(took.items);
  console.log(`1000-hash share (250 images), median of ${batches}: alone ${p.toFixed(1)} ms, as 250 items ${i.toFixed(1)} ms (${(i / p).toFixed(2)}x)`);
}

await main();
