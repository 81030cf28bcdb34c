/**
 * The server room of the Node runtime: the HTTP server bound and stopped gracefully (listen.ts),
 * several node processes behind one port (instances.ts), and request bodies read from the socket's
 * stream (body.ts).
 */
export { incomingBody } from './body';
export { isInstanceOfMany, isPrimaryOfInstances, runInstances } from './instances';
export { listen, serverTimeouts, stopServer, type Listening, type ServerTimeouts } from './listen';
