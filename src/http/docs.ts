/**
 * GET /docs: the API reference, Swagger UI rendering /openapi.json, with every file it needs served
 * by this node from the pinned swagger-ui-dist package: nothing from a CDN or any other origin (the
 * Content-Security-Policy forbids it), so it works on a machine without internet access. The runtime
 * hands the files in (AppDeps.docs): Node reads them from the installed package; a Worker does not
 * carry them (1.5 MB against its bundle budget), and its /docs says where the reference is instead.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { DomainError } from '../core/errors';
import { shown } from '../core/text';
import type { AppEnv } from './env';
import { renderProblem } from './problem';

/** The files of swagger-ui-dist the page loads, with their types. */
export const DOCS_FILES = {
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui.css': 'text/css; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
} as const;
export type DocsFile = keyof typeof DOCS_FILES;

const isDocsFile = (name: string): name is DocsFile => Object.hasOwn(DOCS_FILES, name);

export interface DocsAsset {
  body: Uint8Array<ArrayBuffer>;
  /** The same bytes gzipped, when the runtime made them (served to clients that accept gzip). */
  gzip?: Uint8Array<ArrayBuffer>;
}

export interface DocsAssets {
  /** The renderer's package and version, e.g. `swagger-ui-dist 5.35.0` (also busts caches). */
  version: string;
  get(name: DocsFile): Promise<DocsAsset | null>;
}

/**
 * Swagger UI styles its elements inline (style attributes), hence 'unsafe-inline' for styles only;
 * its icons are data: images. Scripts, fetches and everything else: this origin only.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

const HEADERS = { 'content-security-policy': DOCS_CSP, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' };

const esc = (s: string) => s.replace(/[&<>"]/g, (ch) => `&#${ch.charCodeAt(0)};`);

function page(version: string): string {
  const v = encodeURIComponent(version);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>media-hash-node API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css?v=${v}">
<link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png?v=${v}" sizes="32x32">
</head>
<body>
<noscript>The API reference needs JavaScript; the description itself is at <a href="/openapi.json">/openapi.json</a>.</noscript>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js?v=${v}"></script>
<script src="/docs/init.js?v=${v}"></script>
</body>
</html>
`;
}

// validatorUrl null: Swagger UI would otherwise send the document to an online validator for its badge.
const INIT = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  validatorUrl: null,
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
});
`;

function notCarried(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>media-hash-node API</title></head>
<body>
<h1>media-hash-node API</h1>
<p>This deployment does not carry the API reference's renderer (a Worker's bundle has no room for it).
The OpenAPI description is at <a href="/openapi.json">/openapi.json</a>: open it in any OpenAPI viewer,
or see <code>/docs</code> on a node running on Node.</p>
</body></html>
`;
}

export function register(app: OpenAPIHono<AppEnv>) {
  const html = (c: Context<AppEnv>) => {
    const docs = c.var.deps.docs;
    return c.body(docs ? page(esc(docs.version)) : notCarried(), 200, { ...HEADERS, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' });
  };
  app.get('/docs', html);
  app.get('/docs/', html);
  app.get('/docs/init.js', (c) => c.body(INIT, 200, { ...HEADERS, 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' }));
  app.get('/docs/assets/:name', async (c) => {
    const name = c.req.param('name');
    const docs = c.var.deps.docs;
    const asset = docs && isDocsFile(name) ? await docs.get(name) : null;
    if (!asset || !isDocsFile(name)) return renderProblem(c, new DomainError('not_found', `no file ${shown(name)} under /docs/assets`));
    const gzip = /\bgzip\b/.test(c.req.header('accept-encoding') ?? '') ? asset.gzip : undefined;
    return c.body(gzip ?? asset.body, 200, {
      ...HEADERS,
      'content-type': DOCS_FILES[name],
      'cache-control': 'public, max-age=86400',
      vary: 'accept-encoding',
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    });
  });
}
