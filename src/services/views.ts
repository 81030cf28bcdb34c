/** How stored hashes look to clients: the union of their active contributions. */
import type { HashDetail } from '../storage/types';
import { originMatches } from './federation/origins';
import type { Match } from './matching';

function activeContributions(h: HashDetail) {
  return h.contributions.filter((c) => c.retractedAt === null);
}

/** The union of the standing contributions' labels, sorted. */
export function labelsOf(h: HashDetail): string[] {
  const s = new Set<string>();
  for (const c of activeContributions(h)) for (const l of c.labels) s.add(l);
  return [...s].sort();
}

function feedbackCounts(h: HashDetail): { confirm: number; dispute: number } {
  let confirm = 0;
  let dispute = 0;
  for (const f of h.feedback) f.verdict === 'confirm' ? confirm++ : dispute++;
  return { confirm, dispute };
}

/** Contributions standing behind a hash (a pulled one: at its origin). */
export function standingContributors(d: HashDetail): number {
  return d.origin && d.originContributors !== undefined && d.originContributors !== null ? d.originContributors : activeContributions(d).length;
}

/**
 * How a stored hash appears in a match answer. A pulled hash names its origin node; its labels are
 * those taken from it there, its contributors the members standing behind it there.
 */
export function matchOf(d: HashDetail, distance: number): Match {
  const m: Match = {
    id: d.id,
    type: d.type,
    value: d.value,
    distance,
    labels: labelsOf(d),
    contributors: activeContributions(d).length,
    feedback: feedbackCounts(d),
  };
  if (d.origin) {
    m.origin = d.origin;
    if (d.originContributors !== undefined && d.originContributors !== null) m.contributors = d.originContributors;
  }
  // The items the hash belongs to: the first it was shared in, and all of them when several.
  if (d.items.length) {
    m.item = d.items[0];
    if (d.items.length > 1) m.items = d.items;
  }
  return m;
}

/** Whether a hash the index found may match now: active, and, if pulled, from a peer whose matching is on (`origins`: OriginPolicy.matching()). */
export function matchable(d: HashDetail | undefined, origins: ReadonlySet<string>): d is HashDetail {
  return d !== undefined && d.status === 'active' && originMatches(d.origin, origins);
}
