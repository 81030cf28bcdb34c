/**
 * Several instances of the node behind one port (INSTANCES > 1): this process forks that many node
 * processes with Node's cluster module, which share the listening socket (the kernel hands each
 * connection to one of them). Each instance has its own index and follows the change log of the
 * one database (DESIGN §9). This process only forks, passes SIGTERM and SIGINT on, serves the
 * instances' metrics gathered (when METRICS_PORT is set: the instances share no metrics port), and
 * exits when they have: with the highest exit code of theirs.
 */
import cluster from 'node:cluster';
import type { Logger } from '../../../services/observe';
import { stopServer, type Listening } from './listen';

export function runInstances(count: number, log: Logger, metrics?: Listening): void {
  const codes: number[] = [];
  let stopping = false;
  // The instances still running, counted here: Node removes a worker from `cluster.workers` on its
  // exit only if its IPC channel has already closed (else on the 'disconnect' after it), so at an
  // 'exit' that comes first the last instance would still be listed and this process would wait
  // for ever.
  const running = new Set<number>();
  for (let i = 0; i < count; i++) running.add(cluster.fork({ NODE_INSTANCE: String(i) }).id);
  log.info({ event: 'instances', count }, `media-hash-node: ${count} instances started`);
  cluster.on('exit', (worker, code, signal) => {
    codes.push(code ?? (signal ? 1 : 0));
    running.delete(worker.id);
    const left = running.size;
    // One that dies on its own is not replaced silently: the others keep serving, and it is said.
    if (!stopping) {
      log.error({ event: 'instance_exited', instance: worker.id, code, signal, left }, `instance ${worker.id} exited (${signal ?? code}); ${left} left`);
      process.stderr.write(`media-hash-node: instance ${worker.id} exited (${signal ?? code}); ${left} left\n`);
    }
    if (left === 0) {
      const exit = () => process.exit(Math.max(0, ...codes));
      if (metrics) void stopServer(metrics, 0).then(exit, exit);
      else exit();
    }
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

/** This process is one of INSTANCES > 1 (forked by runInstances). */
export const isInstanceOfMany = () => cluster.isWorker;
