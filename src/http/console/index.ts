/**
 * GET /console: the web console (src/console/), served by the node itself on every runtime. The
 * built files come from a generated module (assets.gen.js, see assets.gen.d.ts), loaded on the first
 * console request: a node whose console was not built still serves its API, and the console answers
 * 503 saying how to build it.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { DomainError } from '../../core/errors';
import type { AppEnv } from '../env';
import { renderProblem } from '../problem';
import { limitBody } from '../route';
import { problemResponses } from '../schemas';
import type { ConsoleBuild } from './assets.gen';
import { CONSOLE_HEADERS } from './headers';

let loading: Promise<ConsoleBuild> | undefined;

function consoleBuild(): Promise<ConsoleBuild> {
  loading ??= import('./assets.gen.js').then(
    (m: { CONSOLE_BUILD: ConsoleBuild }) => m.CONSOLE_BUILD,
    (e: unknown) => {
      loading = undefined;
      throw e;
    },
  );
  return loading;
}

async function withBuild(c: Context<AppEnv>, serve: (b: ConsoleBuild) => Response): Promise<Response> {
  let build: ConsoleBuild;
  try {
    build = await consoleBuild();
  } catch {
    return renderProblem(
      c,
      new DomainError('not_ready', 'the web console is not built on this node; run `npm run build:console` (npm install and npm start do it)'),
    );
  }
  return serve(build);
}

export function register(app: OpenAPIHono<AppEnv>) {
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/console',
    operationId: 'getConsole',
    tags: ['node'],
    security: [],
    summary: 'The web console',
    description:
      "A page for admins, auditors and partners. Signing in happens in the browser with the member's own key (the node never receives it); images are hashed in the browser and only their hashes are sent. Loads nothing from elsewhere (Content-Security-Policy).",
    responses: {
      200: { description: 'The page.', content: { 'text/html': { schema: { type: 'string' } } } },
      ...problemResponses(413),
      503: {
        description: 'The console is not built on this node.',
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
      },
    },
  });

  const page = (c: Context<AppEnv>) =>
    withBuild(c, (b) => c.body(b.html, 200, { ...CONSOLE_HEADERS, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' }));
  const noBody = limitBody('none');
  app.get('/console', noBody, page);
  app.get('/console/', noBody, page);
  app.get('/console/assets/:name', noBody, (c) =>
    withBuild(c, (b) => {
      const asset = Object.hasOwn(b.assets, c.req.param('name')) ? b.assets[c.req.param('name')] : undefined;
      if (!asset) return renderProblem(c, new DomainError('not_found', `no console file ${c.req.param('name')}`));
      return c.body(asset.body, 200, { ...CONSOLE_HEADERS, 'content-type': asset.type, 'cache-control': 'public, max-age=31536000, immutable' });
    }),
  );
}
