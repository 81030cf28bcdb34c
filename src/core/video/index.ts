/**
 * The video room: video hashing as vPDQ defines it (facebook/ThreatExchange `vpdq/`). The decoder
 * contract and the frame-to-hash loop (decoder.ts; the decoders themselves are the runtimes'), the
 * stored form of a frame list and its check (frames.ts), the one vPDQ match rule (rule.ts) and the
 * container sniffing that tells a video from an image (sniff.ts).
 */
export * from './decoder';
export * from './frames';
export * from './rule';
export * from './sniff';
