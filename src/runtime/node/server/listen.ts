/**
 * The HTTP server's life: bound at once with one clear line when it cannot be, and stopped the
 * graceful way (no new connections, the requests in flight finish, at most a timeout).
 */
import type { Server, ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';
import { serve } from '@hono/node-server';
import type { NodeConfig } from '../config';

export interface Listening {
  server: Server;
  /** Requests whose responses have not finished. */
  inFlight(): number;
  /** From now on every connection is closed once its responses are handed to the system; the idle ones now. */
  closeWhenIdle(): void;
}

/** Node's own limits on a request's arrival (http.createServer's options of those names). */
export interface ServerTimeouts {
  headersTimeout: number;
  requestTimeout: number;
  connectionsCheckingInterval: number;
}

/**
 * Node's own limits, set from the body's (http/body.ts) so that the app's fire first and answer in
 * its words: the headers, which any working client sends at once, get one pause of a body; the
 * whole request gets that, the whole body, and 10 s for the app to begin reading it (its token
 * checked, its image place taken). Node's defaults (60 s for the headers, 300 s for the request,
 * checked every 30 s) let a stalled request hold its connection for up to 5.5 minutes; Node's bare
 * 408 now comes only for a stalled header, or a body the app never reads. Checked every second.
 */
export function serverTimeouts(c: Pick<NodeConfig, 'BODY_IDLE_TIMEOUT_MS' | 'BODY_TIMEOUT_MS'>): ServerTimeouts {
  const headersTimeout = c.BODY_IDLE_TIMEOUT_MS;
  return { headersTimeout, requestTimeout: headersTimeout + c.BODY_TIMEOUT_MS + 10_000, connectionsCheckingInterval: 1000 };
}

/**
 * Binds HOST:PORT; rejects with one line naming the cause (port in use, no permission, no such
 * address) and the variables to change (`vars`: other names, for the metrics address).
 */
export function listen(
  config: Pick<NodeConfig, 'HOST' | 'PORT'>,
  fetch: (req: Request, env?: unknown) => Response | Promise<Response>,
  vars: { host: string; port: string } = { host: 'HOST', port: 'PORT' },
  timeouts?: ServerTimeouts,
): Promise<Listening> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port: config.PORT, hostname: config.HOST, serverOptions: timeouts }) as Server;
    let inFlight = 0;
    // Responses not yet handed to the system, per connection. Node's own closeIdleConnections (which
    // server.close() calls too) destroys a connection whose response has ended but is still being
    // written, cutting a large answer short at a stop; so connections are closed here, each once its
    // last response has gone out.
    const open = new Map<Socket, Set<ServerResponse>>();
    let stopping = false;
    const closeSoon = (socket: Socket) => {
      socket.end();
      if (socket.writableFinished) socket.destroy();
      else socket.once('finish', () => socket.destroy());
    };
    /** A response is over: sent whole, or its connection gone (pipelined ones queued behind it never emit 'close'). */
    const settle = (socket: Socket, res: ServerResponse) => {
      const pending = open.get(socket);
      if (!pending?.delete(res)) return;
      inFlight--;
      if (stopping && pending.size === 0) closeSoon(socket);
    };
    server.on('connection', (socket: Socket) => {
      open.set(socket, new Set());
      socket.once('close', () => {
        for (const res of open.get(socket) ?? []) settle(socket, res);
        open.delete(socket);
      });
    });
    // Before the app's listener, which may write the headers at once: a response begun during the stop says Connection: close.
    server.prependListener('request', (req, res) => {
      const socket = req.socket;
      const pending = open.get(socket);
      if (!pending) return; // its connection already closed
      inFlight++;
      pending.add(res);
      if (stopping) res.shouldKeepAlive = false;
      // 'close' comes after 'finish' (the whole response handed to the system) or when the connection dies.
      res.once('close', () => settle(socket, res));
    });
    const closeWhenIdle = () => {
      stopping = true;
      for (const [socket, pending] of open) {
        if (pending.size === 0) closeSoon(socket);
        else for (const res of pending) if (!res.headersSent) res.shouldKeepAlive = false;
      }
    };
    const failed = (e: NodeJS.ErrnoException) => reject(new Error(listenProblem(e, config, vars)));
    server.once('error', failed);
    server.once('listening', () => {
      server.off('error', failed);
      resolve({ server, inFlight: () => inFlight, closeWhenIdle });
    });
  });
}

function listenProblem(e: NodeJS.ErrnoException, { HOST, PORT }: Pick<NodeConfig, 'HOST' | 'PORT'>, vars: { host: string; port: string }): string {
  const where = `${HOST}:${PORT}`;
  switch (e.code) {
    case 'EADDRINUSE':
      return `cannot listen on ${where}: the port is already in use (EADDRINUSE); stop what holds it, or set ${vars.port} to a free one`;
    case 'EACCES':
      return `cannot listen on ${where}: not allowed (EACCES); ports below 1024 need privileges, set ${vars.port} to a higher one`;
    case 'EADDRNOTAVAIL':
      return `cannot listen on ${where}: ${vars.host} is not an address of this machine (EADDRNOTAVAIL)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot listen on ${where}: ${vars.host} does not resolve (${e.code})`;
    default:
      return `cannot listen on ${where}: ${e.code ?? e.message}`;
  }
}

/**
 * Stops accepting connections and waits for the requests in flight, at most `timeoutMs`; kept-alive
 * connections are closed as soon as they are idle. Then whatever is still open is cut.
 */
export async function stopServer(s: Listening, timeoutMs: number): Promise<{ finished: number; cutOff: number }> {
  const before = s.inFlight();
  // net.Server's close: stop accepting and call back once every connection has ended, without
  // http.Server's idle sweep (see listen).
  const closed = new Promise<void>((resolve) => NetServer.prototype.close.call(s.server, () => resolve()));
  s.closeWhenIdle();
  let timer: NodeJS.Timeout | undefined;
  const drained = await Promise.race([closed.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), timeoutMs)))]);
  clearTimeout(timer);
  if (drained) return { finished: before, cutOff: 0 };
  const cutOff = s.inFlight();
  s.server.closeAllConnections();
  return { finished: Math.max(0, before - cutOff), cutOff };
}
