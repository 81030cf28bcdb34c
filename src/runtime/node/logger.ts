/**
 * The node's log on Node: pino, one JSON object a line on stdout (written synchronously, so the
 * last lines before an exit are not lost), `level` as its name and `time` as ISO 8601. `pretty`
 * (LOG_FORMAT=pretty, which `npm run dev` sets) prints it for people through pino-pretty, a
 * development dependency loaded only then.
 *
 * Redaction is a second line of defence: the node never hands a token, key or body to the logger
 * (src/services/observe.ts), and these paths are blanked should one ever be passed by mistake.
 */
import { pino, stdTimeFunctions, type DestinationStream, type Logger as Pino } from 'pino';
import type { Logger } from '../../services/observe';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const REDACT = [
  'authorization',
  'token',
  'access_token',
  'client_assertion',
  'privateJwk',
  'secret',
  'd',
  '*.authorization',
  '*.token',
  '*.access_token',
  '*.client_assertion',
  '*.privateJwk',
  '*.secret',
  '*.d',
];

export async function createNodeLogger(opts: { level: LogLevel; pretty?: boolean; destination?: DestinationStream }): Promise<Pino & Logger> {
  const base = { level: opts.level, timestamp: stdTimeFunctions.isoTime, redact: { paths: REDACT, censor: '[redacted]' } };
  if (opts.pretty) {
    let pretty: (o: object) => DestinationStream;
    try {
      pretty = ((await import('pino-pretty')) as unknown as { default: (o: object) => DestinationStream }).default;
    } catch {
      throw new Error('LOG_FORMAT=pretty needs the development dependency pino-pretty (npm install without --omit=dev)');
    }
    return pino(base, pretty({ sync: true, colorize: true, singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,event' }));
  }
  return pino({ ...base, formatters: { level: (label) => ({ level: label }) } }, opts.destination ?? pino.destination({ dest: 1, sync: true }));
}
