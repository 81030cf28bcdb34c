/**
 * HMA's matcher API (hasher-matcher-actioner, OpenMediaMatch/blueprints/matching.py) answered from
 * this node's index, so an integration written against HMA's `/m/raw_lookup` and `/m/lookup` can
 * switch without code changes. HMA's words mapped to the node's:
 *
 * - a signal type is python-threatexchange's name (pdq, video_md5, ...: core/interchange);
 * - a bank is a label: a match appears under each of its labels (HMA keeps content in one bank);
 * - `bank_content_id` is the matched hash's integer key in this node (its `seq`): HMA's ids are
 *   integers, and this node's hash ids (UUIDs) would break clients that read them as such;
 * - `distance` is a string, as HMA's `pretty_str()`: the Hamming (or TLSH) distance, "-" for exact types.
 *
 * HMA's coin flip (a bank's `matching_enabled_ratio`, `seed`, `bypass_coinflip`) has no counterpart:
 * every label matches, always. Looking up a URL's content (`url=`) is refused: the node never fetches
 * media; an uploaded file (`POST /m/lookup`) is hashed in memory as every upload is.
 */
import { signalTypeOf, type SignalTypeMapping } from '../core/interchange';
import type { HashWithVariants } from './hashing';
import type { ServiceDeps } from './deps';
import { matchHashes, type Match } from './matching';

export interface HmaMatch {
  bank_content_id: number;
  distance: string;
}

export interface HmaLookupInput {
  /** The signal type, mapped, and the signal as the node stores it (checked at the edge: http/routes/compat-hma.ts). */
  signalType: SignalTypeMapping;
  value: string;
  /** Comma-separated bank (label) names to keep; absent: every bank. */
  banks?: string;
}

async function matchesOf(deps: ServiceDeps, input: HmaLookupInput): Promise<{ match: Match; hma: HmaMatch }[]> {
  const mapped = input.signalType;
  const [answer] = await matchHashes(deps, [{ type: mapped.hashType, value: input.value }]);
  const byId = new Map<string, Match>();
  for (const m of answer?.matches ?? []) if (!byId.has(m.id)) byId.set(m.id, m);
  const rows = await Promise.all([...byId.keys()].map((id) => deps.hashes.getById(id)));
  const keep = bankFilter(input.banks);
  return rows.flatMap((row) => {
    const match = row && byId.get(row.id);
    if (!row || !match?.labels.some(keep)) return [];
    return [
      { match: { ...match, labels: match.labels.filter(keep) }, hma: { bank_content_id: row.seq, distance: mapped.exact ? '-' : String(match.distance) } },
    ];
  });
}

function bankFilter(banks: string | undefined): (label: string) => boolean {
  if (!banks) return () => true;
  const wanted = new Set(
    banks
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean),
  );
  return (label) => wanted.has(label);
}

/** `GET /m/raw_lookup`: `{ matches: [bank_content_id, ...] }`, or with include_distance `{ matches: [{ bank_content_id, distance }] }`. */
export async function hmaRawLookup(deps: ServiceDeps, input: HmaLookupInput & { includeDistance?: boolean }): Promise<{ matches: (number | HmaMatch)[] }> {
  const found = await matchesOf(deps, input);
  return { matches: found.map((f) => (input.includeDistance ? f.hma : f.hma.bank_content_id)) };
}

/** `GET /m/lookup` with signal_type and signal: `{ BANK: [{ bank_content_id, distance }] }`, a bank per label. */
export async function hmaLookup(deps: ServiceDeps, input: HmaLookupInput): Promise<Record<string, HmaMatch[]>> {
  const out: Record<string, HmaMatch[]> = {};
  for (const f of await matchesOf(deps, input)) for (const label of f.match.labels) (out[label] ??= []).push(f.hma);
  return out;
}

/**
 * `POST /m/lookup` (a file): each of the upload's hashes that has a python-threatexchange signal type
 * looked up as `GET /m/lookup` does, keyed by that type: `{ pdq: { BANK: [...] }, video_md5: {...} }`.
 * A video's vPDQ has no signal type here (its frames are not one string): its md5 and sha256 are looked up.
 */
export async function hmaLookupHashes(
  deps: ServiceDeps,
  hashes: readonly HashWithVariants[],
  banks?: string,
): Promise<Record<string, Record<string, HmaMatch[]>>> {
  const out: Record<string, Record<string, HmaMatch[]>> = {};
  for (const h of hashes) {
    const signalType = signalTypeOf(h.type);
    if (signalType?.standard) out[signalType.signalType] = await hmaLookup(deps, { signalType, value: h.value, banks });
  }
  return out;
}
