/** Multi-index hashing: the index (mih.ts) and what a helper thread needs to share its batches (job.ts). */
export { claimQueries, searchBase, searchBaseRange, type MihJob, type MihJobHits, type MihOffload } from './job';
export { MultiIndexHashing } from './mih';
export type { MihOptions } from './options';
export { MihScratch, type MihTables } from './probe';
