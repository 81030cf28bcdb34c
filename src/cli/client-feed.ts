/**
 * `client feed`: the delta feed as JSON Lines on stdout, one entry a line, in the node's order.
 * From --cursor, or the cursor saved in --cursor-file (rewritten atomically after each page is
 * written out, so a stopped run resumes at the first page not written in full); to the end, or with --follow for ever, polling every
 * --interval seconds (default 5). While following, a node that cannot be reached or answers 5xx is
 * waited for (backoff up to a minute, said on stderr); SIGINT or SIGTERM ends the run after the
 * page in hand, with status 0.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { NodeApiError, NodeUnreachableError, type FeedPage } from '../client';
import { fail, messageOf, parse, userStatePath, writeOut } from './args';
import { connect, CONNECT_OPTIONS } from './connect';
import { progress } from './progress';

export async function feedCommand(rest: string[]): Promise<void> {
  const { values } = parse(rest, {
    ...CONNECT_OPTIONS,
    cursor: { type: 'string' },
    'cursor-file': { type: 'string' },
    limit: { type: 'string' },
    follow: { type: 'boolean' },
    interval: { type: 'string' },
  });
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) fail(`--limit must be a positive whole number (got ${values.limit})`, 2);
  const intervalS = values.interval === undefined ? 5 : Number(values.interval);
  if (!(intervalS > 0)) fail(`--interval must be a positive number of seconds (got ${values.interval})`, 2);
  const cursorFile = userStatePath(values['cursor-file'], '--cursor-file');
  let cursor = values.cursor ?? (cursorFile && existsSync(cursorFile) ? readFileSync(cursorFile, 'utf8').trim() || undefined : undefined);

  const bar = progress('reading the feed', { json: values.json || values.follow });
  const client = connect(values, { progress: bar });
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let count = 0;
  let failures = 0;
  try {
    while (!stop.signal.aborted) {
      let page: FeedPage;
      try {
        page = await client.feed({ cursor, limit });
        failures = 0;
      } catch (e) {
        const transient = e instanceof NodeUnreachableError || (e instanceof NodeApiError && e.status >= 500);
        if (!values.follow || !transient) throw e;
        const waitS = Math.min(60, intervalS * 2 ** failures++);
        process.stderr.write(`${messageOf(e)}; trying again in ${waitS} s\n`);
        await sleep(waitS * 1000, stop.signal);
        continue;
      }
      // The cursor moves only past a page handed to the reader in full: a write that fails (a closed
      // pipe ends the command with status 141) leaves it where this page starts.
      if (page.entries.length) await writeOut(page.entries.map((e) => JSON.stringify(e)).join('\n') + '\n');
      count += page.entries.length;
      bar.update(count, undefined, 'entries');
      cursor = page.nextCursor;
      if (cursorFile) saveCursor(cursorFile, cursor);
      if (page.hasMore) continue;
      if (!values.follow) break;
      await sleep(intervalS * 1000, stop.signal);
    }
  } finally {
    bar.end();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (!values.json) process.stderr.write(`${count} entries; to continue from here: --cursor ${cursor}${cursorFile ? ` (saved in ${cursorFile})` : ''}\n`);
}

function saveCursor(file: string, cursor: string): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, cursor + '\n');
  renameSync(tmp, file);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}
