/**
 * The Hono app, the same on every runtime: deps come in, an app comes out. Every route is an
 * OpenAPI route, so /openapi.json is generated from the definitions the handlers use.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { cancelled, DomainError } from '../core/errors';
import { errorFields } from '../services/observe';
import * as docs from './docs';
import type { AppDeps, AppEnv } from './env';
import { observe } from './observe';
import { renderProblem, toDomainError } from './problem';
import { problemOf } from './validation';
import * as addClientKey from './routes/admin/add-client-key';
import * as peers from './routes/admin/peers';
import * as federationFeed from './routes/federation/feed';
import * as createClient from './routes/admin/create-client';
import * as getClient from './routes/admin/get-client';
import * as listClients from './routes/admin/list-clients';
import * as adminStats from './routes/admin/stats';
import * as revokeClientKey from './routes/admin/revoke-client-key';
import * as rotateKeys from './routes/admin/rotate-keys';
import * as setClientStatus from './routes/admin/set-client-status';
import * as auditConsistency from './routes/audit/consistency';
import * as auditEntries from './routes/audit/entries';
import * as auditExport from './routes/audit/export';
import * as auditInclusion from './routes/audit/inclusion';
import * as treeHead from './routes/audit/tree-head';
import * as webConsole from './console';
import * as compatHma from './routes/compat-hma';
import * as feed from './routes/feed';
import * as feedback from './routes/feedback';
import * as hash from './routes/hash';
import * as health from './routes/health';
import * as jwks from './routes/jwks';
import * as oauthMetadata from './routes/oauth-metadata';
import * as labels from './routes/labels';
import * as match from './routes/match';
import * as oauthToken from './routes/oauth-token';
import * as matchMedia from './routes/match-media';
import * as items from './routes/items';
import * as retract from './routes/retract';
import * as share from './routes/share';
import * as shareMedia from './routes/share-media';

const ROUTES = [
  health,
  jwks,
  oauthMetadata,
  oauthToken,
  labels,
  hash,
  match,
  matchMedia,
  share,
  shareMedia,
  feed,
  retract,
  items,
  feedback,
  createClient,
  listClients,
  adminStats,
  getClient,
  setClientStatus,
  addClientKey,
  revokeClientKey,
  rotateKeys,
  peers,
  federationFeed,
  compatHma,
  treeHead,
  auditEntries,
  auditInclusion,
  auditConsistency,
  auditExport,
  webConsole,
];

export interface AppOptions {
  /** Called with errors that are our bugs (500), for the runtime's logger. Client errors are not logged. */
  onInternalError?: (err: unknown) => void;
  /**
   * Called with a client error that carries what a decoder or library said about the input (its
   * cause): the response holds only the node's own words, the log gets the library's.
   */
  onErrorCause?: (err: DomainError, cause: unknown) => void;
}

/** OpenAPI 3.1's license object (its `identifier`, an SPDX expression, is not in the generator's 3.0 type). */
const LICENSE = {
  name: 'Consortium agreement: use of this node is governed by the agreement among its members',
  identifier: 'LicenseRef-Consortium-Agreement',
};

export function buildApp(deps: AppDeps, opts: AppOptions = {}): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({
    // Validation failures render like every other error: 400 problem+json naming each field, in
    // the node's words (the request schemas parse with them: route.ts, validation.ts).
    defaultHook: (result, c) => {
      if (!result.success) return renderProblem(c, problemOf(result.error.issues));
    },
  });

  app.use('*', async (c, next) => {
    c.set('deps', deps);
    // A failure a route recovers from (a health check): logged with its request, and passed on.
    c.set('reportInternal', (err) => {
      deps.logger.error({ event: 'internal_error', reqId: c.get('requestId'), error: errorFields(err) }, 'internal error (handled)');
      opts.onInternalError?.(err);
    });
    await next();
  });
  // Request id, the request's log lines and metrics (src/http/observe.ts).
  app.use('*', observe());

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'An access token from POST /v1/oauth/token.',
  });
  for (const r of ROUTES) r.register(app, deps);

  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'media-hash-node',
      version: deps.nodeInfo.version,
      license: LICENSE,
      description:
        'A node of a media-hash sharing consortium: member platforms share perceptual and exact hashes of terrorist and violent-extremist media (never the media) and match their uploads against them.',
    },
    servers: [serverOf(deps.issuer)],
    tags: [
      { name: 'node', description: 'Health and metadata.' },
      { name: 'auth', description: "Tokens and the node's public keys." },
      { name: 'admin', description: "Clients, their keys, the node's keys." },
      { name: 'audit', description: 'The tamper-evident log: entries, signed tree heads, proofs.' },
      { name: 'hashing', description: 'Compute hashes; nothing is stored.' },
      { name: 'matching', description: 'Check uploads against the shared hashes.' },
      { name: 'hashes', description: 'Share, retract, give feedback, read the feed.' },
      { name: 'federation', description: 'Peer nodes: the signed feed they pull, and the peers this node pulls from.' },
      { name: 'compat', description: "Answers in the shapes of other tools' APIs (HMA's matcher), for integrations written against them." },
    ],
  });
  docs.register(app);

  const allowed = allowedMethods(app);
  app.notFound((c) => {
    const path = new URL(c.req.url).pathname;
    const methods = allowed(path);
    if (methods.length === 0) return renderProblem(c, new DomainError('not_found', `no route ${c.req.method} ${path}; see /docs`));
    const res = renderProblem(
      c,
      new DomainError('method_not_allowed', `${path} does not take ${c.req.method}; it takes ${methods.join(', ')}`, { extra: { allow: methods } }),
    );
    res.headers.set('allow', methods.join(', '));
    return res;
  });
  app.onError((err, c) => {
    // The connection closed before the answer (a client gone mid-upload, or the node cutting it at
    // the end of its stop): the body's read fails with a reset and a parse of what came fails too;
    // neither is a bug nor the client's mistake. A bug that happens to meet an abort stays a bug.
    const found = toDomainError(err);
    const de = c.req.raw.signal.aborted && (found.code !== 'internal' || connectionClosed(err)) ? cancelled() : found;
    const reqId = c.get('requestId');
    if (de.code === 'internal') {
      deps.logger.error({ event: 'internal_error', reqId, error: errorFields(err) }, 'internal error');
      opts.onInternalError?.(err);
    } else if (de.cause !== undefined) {
      // What a decoder or library said about the input: for the log, never the response.
      deps.logger.warn({ event: 'error_cause', reqId, code: de.code, detail: de.message, cause: errorFields(de.cause) }, `${de.code}: ${de.message}`);
      opts.onErrorCause?.(de, de.cause);
    }
    return renderProblem(c, de);
  });
  return app;
}

/**
 * The methods each path takes, from the routes registered (a path template's parameters match any
 * segment): a known path asked with another method is 405 with `Allow`, not 404. HEAD goes with GET.
 */
function allowedMethods(app: OpenAPIHono<AppEnv>): (path: string) => string[] {
  const literal = (segment: string) => segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const routes = app.routes
    .filter((r) => r.method !== 'ALL')
    .map((r) => ({
      method: r.method,
      pattern: new RegExp(
        `^${r.path
          .split('/')
          .map((s) => (s.startsWith(':') ? '[^/]+' : literal(s)))
          .join('/')}$`,
      ),
    }));
  return (path) => {
    const methods = new Set(routes.filter((r) => r.pattern.test(path)).map((r) => r.method));
    if (methods.has('GET')) methods.add('HEAD');
    return [...methods].sort();
  };
}

/**
 * The document's server: the node's PUBLIC_URL, or, when that is a loopback address (a node tried on
 * this machine), `/`: the address the document itself was fetched from.
 */
function serverOf(publicUrl: string): { url: string; description: string } {
  const host = new URL(publicUrl).hostname;
  if (host === 'localhost' || host.endsWith('.localhost') || host.startsWith('127.') || host === '[::1]')
    return { url: '/', description: 'This node (PUBLIC_URL is a loopback address).' };
  return { url: publicUrl, description: 'This node (its PUBLIC_URL).' };
}

/** An error a read of a request body throws when its connection closes (Node: `aborted`, ECONNRESET; a stream closed early). */
function connectionClosed(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return (
    code === 'ECONNRESET' ||
    code === 'ERR_STREAM_PREMATURE_CLOSE' ||
    code === 'ABORT_ERR' ||
    (err instanceof Error && (err.name === 'AbortError' || err.message === 'aborted'))
  );
}
