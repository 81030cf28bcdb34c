/**
 * Before the Node suite: the production build, once, so the tests that start real node processes
 * run what `npm start` runs (dist/main.node.js), and start in about half the time tsx takes.
 */
import { buildNode } from '../../src/cli/build';

export default async function setup(): Promise<void> {
  await buildNode();
}
