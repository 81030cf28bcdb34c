/**
 * Which pulled hashes may match: those of peers not removed whose matching is on. Read from the
 * database, remembered up to `ttlMs`, forgotten at once when the change log says a peer changed
 * (the follower calls `forget`, in every instance), so switching a peer's matching off acts at once.
 */
import type { FederationStore } from '../../storage/types';

export class OriginPolicy {
  private cached?: { at: number; origins: Promise<ReadonlySet<string>> };

  constructor(
    private readonly store: Pick<FederationStore, 'listPeers'>,
    private readonly opts: { ttlMs: number; now: () => number },
  ) {}

  /** The origins (peer URLs) whose hashes match here; this node's own ('') always do. */
  matching(): Promise<ReadonlySet<string>> {
    const now = this.opts.now();
    if (!this.cached || now - this.cached.at >= this.opts.ttlMs) {
      const origins = this.store
        .listPeers()
        .then((peers): ReadonlySet<string> => new Set(peers.filter((p) => p.status !== 'removed' && p.matching).map((p) => p.url)));
      const entry = { at: now, origins };
      this.cached = entry;
      origins.catch(() => {
        if (this.cached === entry) this.cached = undefined;
      });
    }
    return this.cached.origins;
  }

  forget(): void {
    this.cached = undefined;
  }
}

/** Whether a stored hash of `origin` may match, under `matching` (OriginPolicy.matching()). */
export const originMatches = (origin: string, matching: ReadonlySet<string>) => origin === '' || matching.has(origin);
