/**
 * The node's configuration, apart from where it comes from: the settings both runtimes share, how
 * they are read and checked (settings.ts), and the version (version.ts). The runtimes supply the
 * source: runtime/node the environment, runtime/worker the bindings.
 */
export * from './settings';
export * from './version';
