/**
 * What the node tells its operator: a structured logger and a set of metrics, both handed in by the
 * entry point (pino and prom-client on Node, JSON through console and nothing on Workers), so no
 * module here keeps state of its own.
 *
 * The rule for everything logged: names, ids, counts, codes and the node's own words. Never a
 * token, an assertion, a key, a secret, a request body or anything derived from media bytes but a
 * count or a duration.
 */

/** Fields of one log line; `event` names its kind (request, auth_failure, admin_action, start, stop…). */
export type LogFields = { event: string } & Record<string, unknown>;

/** The subset of pino's interface the node uses (pino's Logger satisfies it as it is). */
export interface Logger {
  debug(fields: LogFields, msg: string): void;
  info(fields: LogFields, msg: string): void;
  warn(fields: LogFields, msg: string): void;
  error(fields: LogFields, msg: string): void;
  fatal(fields: LogFields, msg: string): void;
}

const nothing = () => undefined;
export const SILENT_LOGGER: Logger = { debug: nothing, info: nothing, warn: nothing, error: nothing, fatal: nothing };

/** A hash type's match queries in one call: how many were looked up and how many found something. */
export interface MatchTally {
  type: string;
  queries: number;
  hits: number;
}

/**
 * The counters and histograms the node feeds as it works. Gauges (index sizes, decode slots, the
 * audit tree) are read by the runtime when it is scraped, not pushed from here.
 */
export interface Metrics {
  /** A stopwatch: call the result to get the seconds since (monotonic). */
  timer(): () => number;
  /** One HTTP request answered: `route` is the route's template (`/v1/hashes/:id`), never the raw path. */
  requestDone(route: string, method: string, status: number, seconds: number): void;
  /** One upload hashed (decode and every hash). */
  hashed(kind: 'image' | 'video' | 'pdf' | 'text', seconds: number): void;
  /** One match call (a request's queries against the index, details included). */
  matched(seconds: number, tallies: MatchTally[]): void;
  /** Items of one share, by outcome (created, added, relabelled, unchanged…). */
  shared(items: { type: string; outcome: string }[]): void;
}

export const NO_METRICS: Metrics = {
  timer: () => () => 0,
  requestDone: nothing,
  hashed: nothing,
  matched: nothing,
  shared: nothing,
};

/**
 * An error as a log line may carry it: its class, code, the first line of its message (cut short:
 * a driver's message may quote a statement's parameters) and its stack frames without the message.
 */
export function errorFields(e: unknown): Record<string, unknown> {
  if (!(e instanceof Error)) return { message: String(e).split('\n')[0].slice(0, 300) };
  const code = 'code' in e ? e.code : undefined;
  const frames = (e.stack ?? '')
    .split('\n')
    .filter((l) => /^\s+at /.test(l))
    .slice(0, 12)
    .map((l) => l.trim());
  return {
    type: e.name,
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    message: e.message.split('\n')[0].slice(0, 300),
    ...(frames.length ? { stack: frames } : {}),
  };
}
