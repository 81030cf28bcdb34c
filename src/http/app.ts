/**
 * The Hono app, the same on every runtime: deps come in, an app comes out. Every route is an
 * OpenAPI route, so /openapi.json is generated from the definitions the handlers use.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { DomainError } from '../core/errors';
import { errorFields } from '../services/observe';
import * as docs from './docs';
import type { AppDeps, AppEnv } from './env';
import { observe } from './observe';
import { renderProblem, toDomainError } from './problem';
import * as addClientKey from './routes/admin/add-client-key';
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
  feedback,
  createClient,
  listClients,
  adminStats,
  getClient,
  setClientStatus,
  addClientKey,
  revokeClientKey,
  rotateKeys,
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

/** The routes that take image or video bodies. */
const MEDIA_PATHS = new Set(['/v1/hash', '/v1/match/media', '/v1/hashes/media']);

export function buildApp(deps: AppDeps, opts: AppOptions = {}): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({
    // Validation failures render like every other error: 400 problem+json naming each field.
    defaultHook: (result, c) => {
      if (!result.success) {
        const errors = result.error.issues.map((i) => ({ path: i.path.map(String).join('/') || 'body', message: i.message }));
        return renderProblem(c, new DomainError('invalid_request', `${errors[0].path}: ${errors[0].message}`, { errors }));
      }
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
  // Refused from Content-Length before reading; a chunked body is cut off at the limit. A body
  // with a Content-Length within the limit is left untouched (reading `raw.body` here would make the
  // Node adapter build a full Request for every call). The media routes take videos, which have a
  // limit of their own (VIDEO_MAX_BYTES): a body declared video/* or multipart may be that large
  // (an image among them is held to MAX_BODY_BYTES once read); one declared image/* may not. Every
  // other route takes JSON (or the token endpoint's small form), held to MAX_JSON_BYTES (2 MiB by
  // default): a parsed JSON body costs several times its size in memory.
  const mediaMax = Math.max(deps.limits.maxBodyBytes, deps.video.maxBytes);
  const jsonMax = deps.limits.maxJsonBytes;
  type Limit = { max: number; tooLarge: () => never };
  const limit = (max: number, message: string): Limit => ({
    max,
    tooLarge: () => {
      throw new DomainError('payload_too_large', message, { extra: { maxBytes: max } });
    },
  });
  const limits = {
    json: limit(jsonMax, `the JSON body is larger than ${jsonMax} bytes, the most this node takes in one JSON request; send fewer items per request`),
    form: limit(jsonMax, `the request body is larger than ${jsonMax} bytes, the most this node takes here`),
    image: limit(deps.limits.maxBodyBytes, `the request body is larger than ${deps.limits.maxBodyBytes} bytes, the most this node takes for an image or a text (videos and PDFs: send them as video/*, application/pdf or multipart, up to ${mediaMax} bytes)`),
    media: limit(mediaMax, `the request body is larger than ${mediaMax} bytes, the most this node takes for a video`),
  };
  const limitOf = (c: Context): Limit => {
    const type = (c.req.header('content-type') ?? '').toLowerCase();
    // Text is held to the image limit too (services/document-hashing.ts), so refuse it before reading.
    if (MEDIA_PATHS.has(c.req.path)) return (type.startsWith('image/') || type.startsWith('text/plain')) && limits.image.max < mediaMax ? limits.image : limits.media;
    return /^application\/([\w.+-]*\+)?json\b/.test(type) ? limits.json : limits.form;
  };
  const streaming = new Map(Object.values(limits).map((l) => [l, bodyLimit({ maxSize: l.max, onError: l.tooLarge })]));
  app.use('*', async (c, next) => {
    const l = limitOf(c);
    const length = c.req.header('content-length');
    if (length !== undefined && c.req.header('transfer-encoding') === undefined) {
      if (!/^\d+$/.test(length)) throw new DomainError('invalid_request', 'Content-Length is not a number', { errors: [{ path: 'content-length', message: length }] });
      return Number(length) > l.max ? l.tooLarge() : next();
    }
    return streaming.get(l)!(c, next);
  });

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'An access token from POST /v1/oauth/token.',
  });
  for (const r of ROUTES) r.register(app);

  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'media-hash-node',
      version: deps.nodeInfo.version,
      description:
        'A node of a media-hash sharing consortium: member platforms share perceptual and exact hashes of terrorist and violent-extremist media (never the media) and match their uploads against them.',
    },
    tags: [
      { name: 'node', description: 'Health and metadata.' },
      { name: 'auth', description: 'Tokens and the node\'s public keys.' },
      { name: 'admin', description: 'Clients, their keys, the node\'s keys.' },
      { name: 'audit', description: 'The tamper-evident log: entries, signed tree heads, proofs.' },
      { name: 'hashing', description: 'Compute hashes; nothing is stored.' },
      { name: 'matching', description: 'Check uploads against the shared hashes.' },
      { name: 'hashes', description: 'Share, retract, give feedback, read the feed.' },
    ],
  });
  docs.register(app);

  app.notFound((c) => renderProblem(c, new DomainError('not_found', `no route ${c.req.method} ${new URL(c.req.url).pathname}; see /docs`)));
  app.onError((err, c) => {
    const de = toDomainError(err);
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
