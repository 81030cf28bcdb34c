/**
 * The configuration room of the Node runtime: the settings read from the environment (env.ts: the
 * shared ones of src/config and Node's own) and the node's secret, from NODE_SECRET or its file
 * (secret.ts).
 */
export { imageWorkSettings, loadConfig, type NodeConfig } from './env';
export { nodeSecret } from './secret';
