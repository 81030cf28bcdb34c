// A worker thread does not inherit tsx's loader from the main thread: register it, then hand the
// pool the hash thread's TypeScript module (piscina looks its exports up by name).
import { register } from 'tsx/esm/api';

register();
const thread = await import('./thread.ts');
export const pixels = thread.pixels;
export const digests = thread.digests;
export const image = thread.image;
