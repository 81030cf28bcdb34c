import { z } from '@hono/zod-openapi';
import { MAX_ENTRIES_PAGE } from '../../../services/audit-log';
import { wholeNumberParam } from '../../input';

/** A window of leaf indexes, start <= index < end. */
export const RangeQuery = z
  .object({
    start: wholeNumberParam(0, Number.MAX_SAFE_INTEGER, 'start').default(0).openapi({ description: 'The first leaf index (default 0).' }),
    end: wholeNumberParam(0, Number.MAX_SAFE_INTEGER, 'end')
      .optional()
      .openapi({ description: `The leaf index to stop before (a page holds at most ${MAX_ENTRIES_PAGE}).` }),
  })
  .superRefine((q, ctx) => {
    if (q.end !== undefined && q.end < q.start) ctx.addIssue({ code: 'custom', path: ['end'], message: `end must not be below start (${q.end} < ${q.start})` });
  });
