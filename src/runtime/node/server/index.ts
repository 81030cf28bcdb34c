/**
 * The server room of the Node runtime: the HTTP server bound and stopped gracefully (listen.ts), and
 * several node processes behind one port (instances.ts).
 */
export { isInstanceOfMany, isPrimaryOfInstances, runInstances } from './instances';
export { listen, stopServer, type Listening } from './listen';
