/**
 * Several instances of the node behind one port (INSTANCES > 1): this process forks that many node
 * processes with Node's cluster module, which share the listening socket (the kernel hands each
 * connection to one of them). Each instance has its own index and follows the change log of the
 * one database (DESIGN §9). This process only forks, passes SIGTERM and SIGINT on, and exits when
 * they have: with the highest exit code of theirs.
 */
import cluster from 'node:cluster';

export function runInstances(count: number): void {
  const codes: number[] = [];
  let stopping = false;
  for (let i = 0; i < count; i++) cluster.fork({ NODE_INSTANCE: String(i) });
  cluster.on('exit', (worker, code, signal) => {
    codes.push(code ?? (signal ? 1 : 0));
    // One that dies on its own is not replaced silently: the others keep serving, and it is said.
    if (!stopping) process.stderr.write(`media-hash-node: instance ${worker.id} exited (${signal ?? code}); ${Object.keys(cluster.workers ?? {}).length} left\n`);
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(Math.max(0, ...codes));
  });
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill(signal);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

export const isPrimaryOfInstances = (count: number) => count > 1 && cluster.isPrimary;
