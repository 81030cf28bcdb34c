/**
 * The interchange room: python-threatexchange's and HMA's signal type names mapped to the node's
 * hash types (signals.ts), and their two file formats, the `dataset` CSV and the local signal list,
 * read and written (files.ts). Pure: reading files and talking to the node are the CLI's.
 */
export * from './files';
export * from './signals';
