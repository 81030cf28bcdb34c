/**
 * The layout of the SQL multi-index (Workers/D1, where no process keeps a memory index), written
 * once: a 256-bit perceptual hash is cut into 16 pieces of 16 bits, each the 4 hex digits of the
 * value at its place, one `hash_buckets` row per piece. The ledger writes the rows with the hash
 * (`bucketRowsSql`); the bucket index reads them (`bucketKey`). By the pigeonhole principle a hash
 * within r bits of the query has some piece within floor(r / 16) bits of the query's piece.
 */
import { sql, type SQL } from 'drizzle-orm';
import { HASH_SPECS, SINGLE_HASH_TYPES, type HashType } from '../core/hashes';

export const BUCKET_PIECES = 16;
const HEX_DIGITS = 4;
/** The largest radius whose lookups stay at one bit a piece (17 keys a piece); beyond it the index scans. */
export const BUCKET_MAX_RADIUS = 2 * BUCKET_PIECES - 1;
/** The types with buckets: the Hamming-distance hashes stored as one value (video frames and PDF pages are scanned, and tlsh has a distance of its own). */
export const BUCKETED_TYPES: readonly HashType[] = SINGLE_HASH_TYPES.filter((t) => HASH_SPECS[t].metric === 'hamming');

/** Piece `piece` of a hash value: its key in `hash_buckets`. */
export function bucketKey(value: string, piece: number): string {
  return value.slice(HEX_DIGITS * piece, HEX_DIGITS * (piece + 1));
}

/**
 * The bucket rows of the hashes `from` selects (a FROM clause exposing `h`, the hashes rows, and
 * whatever `where` reads), as one insert.
 */
export function bucketRowsSql(ctes: SQL, from: SQL, where: SQL): SQL {
  const pieces = sql.raw(Array.from({ length: BUCKET_PIECES }, (_, i) => `(${i})`).join(', '));
  const types = sql.join(
    BUCKETED_TYPES.map((t) => sql`${t}`),
    sql`, `,
  );
  return sql`with ${ctes}, p(piece) as (values ${pieces})
    insert into hash_buckets (type, piece, key, seq)
    select h.type, p.piece, substr(h.value, 1 + ${sql.raw(String(HEX_DIGITS))} * p.piece, ${sql.raw(String(HEX_DIGITS))}), h.seq
    from ${from} cross join p
    where ${where} and h.type in (${types})
    on conflict do nothing`;
}
