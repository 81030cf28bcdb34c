/** A result table: what `npm run bench` prints, and what the README quotes. */
export interface BenchTable {
  title: string;
  columns: string[];
  rows: (string | number)[][];
  /** Machine, date, data shape: what a reader needs to rerun and compare. */
  notes?: string[];
}

/** GitHub-flavoured Markdown, so a run can be pasted into the README as is. */
export function formatTable(t: BenchTable): string {
  const lines = [`### ${t.title}`, '', `| ${t.columns.join(' | ')} |`, `|${t.columns.map(() => ' ---: ').join('|')}|`];
  for (const row of t.rows) lines.push(`| ${row.join(' | ')} |`);
  if (t.notes?.length) lines.push('', ...t.notes.map((n) => `- ${n}`));
  return lines.join('\n');
}
