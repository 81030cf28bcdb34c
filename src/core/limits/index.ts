/**
 * The limits room: a token-bucket rate limiter per client (rate-limit.ts) and a fixed number of
 * slots with a bounded queue for costly work such as video decodes (slots.ts). Pure bookkeeping; the
 * HTTP layer turns a refusal into 429 or 503 with Retry-After.
 */
export * from './rate-limit';
export * from './slots';
