/**
 * The admin dashboard: hashes by type, label and member, match queries per day, and the latest audit
 * entries. Counting reads whole tables, so the counts are kept by a `StatsCache` (below) that the
 * assembly builds; the audit entries are always read fresh.
 */
import type { DayCount, HashStats, LogStore, StatsStore } from '../storage/types';

export const STATS_DAYS = 30;
export const RECENT_AUDIT = 20;

export interface DashboardStats extends HashStats {
  /** Match queries per UTC day, the last STATS_DAYS days (read fresh: cheap, and not in the change log). */
  matchesByDay: DayCount[];
  /** When the counts were taken (they may be up to a minute old). */
  countedAt: string;
  auditSize: number;
  /** The latest audit entries, newest first. */
  recentAudit: { index: number; at: string; action: string; actor: string }[];
}

/**
 * Keeps the last counts while the change log stands still, and recounts after a change at most once
 * every `minIntervalMs`: an admin sees a share within seconds, and a dashboard left open on a busy
 * node does not count a million rows on every visit.
 */
export class StatsCache {
  private last: { at: number; change: number; stats: HashStats } | null = null;
  private running: Promise<HashStats> | null = null;

  constructor(
    readonly store: StatsStore,
    private readonly lastChange: () => Promise<number>,
    private readonly now: () => number,
    private readonly minIntervalMs = 5_000,
  ) {}

  /** The counts, and when they were taken. */
  async hashStats(): Promise<{ at: number; stats: HashStats }> {
    const t = this.now();
    const change = await this.lastChange();
    const l = this.last;
    if (l && (l.change === change || t - l.at < this.minIntervalMs)) return l;
    // Visitors arriving together share one count.
    this.running ??= this.store.hashStats().finally(() => (this.running = null));
    const stats = await this.running;
    this.last = { at: t, change, stats };
    return this.last;
  }
}

export async function dashboardStats(deps: { stats: StatsCache; log: LogStore; now: () => number }): Promise<DashboardStats> {
  const today = deps.now();
  const sinceDay = new Date(today - (STATS_DAYS - 1) * 86_400_000).toISOString().slice(0, 10);
  const [counts, matchesByDay, size] = await Promise.all([deps.stats.hashStats(), deps.stats.store.matchesByDay(sinceDay), deps.log.auditSize()]);
  const rows = size > 0 ? await deps.log.auditEntries(Math.max(0, size - RECENT_AUDIT), size) : [];
  return {
    ...counts.stats,
    matchesByDay,
    countedAt: new Date(counts.at).toISOString(),
    auditSize: size,
    recentAudit: rows.reverse().map((r) => ({ index: r.index, at: new Date(r.at).toISOString(), action: r.action, actor: r.actor })),
  };
}
