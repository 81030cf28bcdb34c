/** How stored hashes look to clients: the union of their active contributions. */
import type { HashDetail } from '../storage/types';
import type { Match } from './matching';

function activeContributions(h: HashDetail) {
  return h.contributions.filter((c) => c.retractedAt === null);
}

function labelsOf(h: HashDetail): string[] {
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

/** How a stored hash appears in a match answer. */
export function matchOf(d: HashDetail, distance: number): Match {
  return { id: d.id, type: d.type, value: d.value, distance, labels: labelsOf(d), contributors: activeContributions(d).length, feedback: feedbackCounts(d) };
}
