/**
 * Settings from the configuration that createNodeRuntime (deps.ts) does not hand to the app yet:
 * TOKEN_AUDIENCES and MAX_JSON_BYTES. The entry point and the test app builder apply them to a
 * runtime's deps before building the app. They belong in createNodeRuntime's call to
 * assembleAppDeps (`tokenAudiences: config.TOKEN_AUDIENCES`, `maxJsonBytes: config.MAX_JSON_BYTES`
 * in `limits`); this file goes once they are there.
 */
import type { AppDeps } from '../../http/env';
import type { NodeConfig } from './config';

export function applyNodeSettings(deps: AppDeps, config: Pick<NodeConfig, 'TOKEN_AUDIENCES' | 'MAX_JSON_BYTES'>): AppDeps {
  deps.tokenAudiences = config.TOKEN_AUDIENCES;
  deps.limits = { ...deps.limits, maxJsonBytes: config.MAX_JSON_BYTES };
  return deps;
}
