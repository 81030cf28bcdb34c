/**
 * The audit room: what an audit-log entry says (event.ts: the canonical JSON of an event, and the
 * templates the ledger fills in inside its own transaction) and what a signed tree head covers
 * (tree-head.ts). The Merkle mathematics over the entries is in merkle/.
 */
export * from './event';
export * from './tree-head';
