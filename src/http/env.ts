/** What the HTTP layer needs, and what middleware puts on the request context. */
import type { Principal } from '../core/auth';
import type { SlotPlace } from '../core/limits';
import type { Authenticator, ServiceDeps } from '../services/deps';
import type { BodyChunks, BodyLimit } from './body';
import type { DocsAssets } from './docs';

export type { Authenticator };

export interface HealthCheck {
  name: string;
  /** Failing, it makes the node `degraded` (still 200: it serves), not `unavailable` (503). */
  degrades?: boolean;
  check(): Promise<{ ok: boolean; detail?: Record<string, unknown> }>;
}

export interface AppDeps extends ServiceDeps {
  authenticator: Authenticator;
  health: HealthCheck[];
  /** Identity of this deployment, shown by /health and the OpenAPI document. */
  nodeInfo: { name: string; version: string; runtime: 'node' | 'worker' };
  /** The API reference renderer's files, served under /docs; null where the runtime does not carry them. */
  docs: DocsAssets | null;
  /**
   * A request body's chunks as this runtime reads them best, from what its adapter hands the app in
   * `env` (Node: the socket's stream); undefined, or none given: the Request's web stream (body.ts).
   */
  bodyChunks?: (env: unknown) => BodyChunks | undefined;
}

export type AppEnv = {
  Variables: {
    deps: AppDeps;
    principal: Principal;
    /** The runtime's logger for our own failures (AppOptions.onInternalError). */
    reportInternal: (err: unknown) => void;
    /** From X-Request-Id when acceptable, else made here; echoed back and on every log line of the request. */
    requestId: string;
    /** A body declared image/*: its place among the image slots, taken before the body was read (route.ts). */
    imagePlace?: SlotPlace;
    /** A body sent without a Content-Length: the limit it is held to while it is read (route.ts limitBody, body.ts). */
    bodyLimit?: BodyLimit;
  };
};
