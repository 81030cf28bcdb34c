import type { OpenAPIHono } from '@hono/zod-openapi';
import { auditEntriesPage, MAX_ENTRIES_PAGE } from '../../../services/audit-log';
import type { AppEnv } from '../../env';
import { protectedRoute } from '../../route';
import { RangeQuery } from './schemas';

const route = protectedRoute({
  method: 'get',
  path: '/v1/audit/export',
  operationId: 'exportAuditEntries',
  tags: ['audit'],
  summary: 'Export entries as JSON Lines',
  description: 'One line per entry, `{"index":…,"entry":"…"}`, from `start` to `end` (default: all), streamed.',
  scope: 'audit:read',
  body: 'none',
  request: { query: RangeQuery },
  responses: {
    200: { description: 'application/jsonl', content: { 'application/jsonl': { schema: { type: 'string' as const } } } },
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const deps = c.var.deps;
    const { start, end } = c.req.valid('query');
    const te = new TextEncoder();
    let at = start;
    const body = new ReadableStream<Uint8Array>({
      async pull(ctrl) {
        const stop = end ?? Number.MAX_SAFE_INTEGER;
        if (at >= stop) return ctrl.close();
        const page = await auditEntriesPage(deps, at, Math.min(stop, at + MAX_ENTRIES_PAGE));
        if (page.entries.length === 0) return ctrl.close();
        ctrl.enqueue(te.encode(page.entries.map((e) => JSON.stringify(e)).join('\n') + '\n'));
        at = page.end;
      },
    });
    return c.body(body, 200, { 'content-type': 'application/jsonl; charset=utf-8' });
  });
}
