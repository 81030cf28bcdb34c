import type { ContributionRow, FeedbackRow, HashDetail, HashRow } from './types';

const byCreated = (a: { createdAt: number }, b: { createdAt: number }) => a.createdAt - b.createdAt;

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const list = m.get(k);
    if (list) list.push(it);
    else m.set(k, [it]);
  }
  return m;
}

/** Joins hash rows with their contributions and feedback, each list oldest first. */
export function assembleDetails(rows: HashRow[], contrib: ContributionRow[], fb: FeedbackRow[]): HashDetail[] {
  const c = groupBy(contrib, (x) => x.hashId);
  const f = groupBy(fb, (x) => x.hashId);
  return rows.map((r) => ({
    ...r,
    contributions: (c.get(r.id) ?? []).sort(byCreated),
    feedback: (f.get(r.id) ?? []).sort(byCreated),
  }));
}
