// A worker thread does not inherit tsx's loader from the main thread: register it, then run the
// helper thread's TypeScript module.
import { register } from 'tsx/esm/api';

register();
await import('./thread.ts');
