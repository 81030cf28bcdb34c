/**
 * The node's log on Workers: the same JSON lines as pino writes on Node (`level` by name, ISO
 * `time`), through console, which Workers Logs and `wrangler tail` collect. LOG_LEVEL as on Node.
 */
import type { LogFields, Logger } from '../../services/observe';

const LEVELS = { debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity } as const;
export type WorkerLogLevel = keyof typeof LEVELS;

export function consoleLogger(level: WorkerLogLevel = 'info', now: () => number = Date.now): Logger {
  const min = LEVELS[level];
  const at = (name: Exclude<WorkerLogLevel, 'silent'>) => (fields: LogFields, msg: string) => {
    if (LEVELS[name] < min) return;
    const line = JSON.stringify({ level: name, time: new Date(now()).toISOString(), ...fields, msg });
    if (LEVELS[name] >= LEVELS.error) console.error(line);
    else if (name === 'warn') console.warn(line);
    else console.log(line);
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), fatal: at('fatal') };
}
