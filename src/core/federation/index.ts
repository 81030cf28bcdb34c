/**
 * The federation room (DESIGN §8): the signed batch's payload (batch.ts: what an item holds, the
 * checks a pulling node makes) and what a puller decides with plain data (policy.ts: labels taken,
 * one state per hash, backoff, peer URLs). Signing, fetching and storing are the services'.
 */
export * from './batch';
export * from './policy';
