/**
 * The admin dashboard's figures (GET /v1/admin/stats), read in SQL from the ledger's tables. Each
 * count reads its whole table, so the service keeps its answer while nothing changes (services/stats.ts).
 */
import { sql } from 'drizzle-orm';
import type { AppDb } from './db';
import type { DayCount, HashStats, StatsStore } from './types';

export class SqlStatsStore implements StatsStore {
  constructor(private readonly db: AppDb) {}

  async hashStats(): Promise<HashStats> {
    // One statement, one JSON column: D1 and libsql answer it alike.
    const [row] = await this.db.all<{ stats: string }>(sql`
      select json_object(
        'byType', (select json_group_array(json_object('type', type, 'status', status, 'count', n))
          from (select type, status, count(*) as n from hashes group by type, status order by type, status)),
        'byLabel', (select json_group_array(json_object('label', label, 'count', n))
          from (select j.value as label, count(distinct c.hash_id) as n
                from contributions c join hashes h on h.id = c.hash_id, json_each(c.labels) j
                where c.retracted_at is null and h.status = 'active' group by j.value order by n desc, label)),
        'byMember', (select json_group_array(json_object('member', contributor, 'standing', standing, 'retracted', retracted))
          from (select contributor, sum(retracted_at is null) as standing, sum(retracted_at is not null) as retracted
                from contributions group by contributor order by standing desc, contributor))
      ) as stats`);
    return JSON.parse(row.stats) as HashStats;
  }

  async matchesByDay(sinceDay: string): Promise<DayCount[]> {
    const [row] = await this.db.all<{ days: string }>(sql`
      select json_group_array(json_object('day', day, 'queries', q, 'hashes', n)) as days
      from (select day, sum(queries) as q, sum(hashes) as n from match_counts where day >= ${sinceDay} group by day order by day)`);
    return JSON.parse(row.days) as DayCount[];
  }
}
