/**
 * Counts the type assertions (`x as T`, `<T>x`; `as const` not counted) and non-null assertions
 * (`x!`) in src/, from TypeScript's own parse of each file (a grep would count `!` in strings and
 * `as` in comments). `npx tsx src/cli/count-assertions.ts [DIR] [--files]`: totals, and with
 * `--files` the count per file. Issue 11 item 3 holds these figures to at least half of what they were.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return tsFiles(p);
    return /\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

const isConst = (t: ts.TypeNode) => ts.isTypeReferenceNode(t) && ts.isIdentifier(t.typeName) && t.typeName.text === 'const';

export function countAssertions(file: string, text = readFileSync(file, 'utf8')): { as: number; nonNull: number } {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const n = { as: 0, nonNull: 0 };
  const visit = (node: ts.Node) => {
    if ((ts.isAsExpression(node) || ts.isTypeAssertionExpression(node)) && !isConst(node.type)) n.as++;
    if (ts.isNonNullExpression(node)) n.nonNull++;
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return n;
}

const args = process.argv.slice(2);
const root = resolve(args.find((a) => !a.startsWith('--')) ?? 'src');
const rows = tsFiles(root).map((f) => ({ file: relative(process.cwd(), f), ...countAssertions(f) }));
if (args.includes('--files')) {
  for (const r of rows.filter((r) => r.as + r.nonNull > 0).sort((a, b) => b.as + b.nonNull - (a.as + a.nonNull)))
    console.log(`${String(r.as).padStart(4)} ${String(r.nonNull).padStart(4)}  ${r.file}`);
}
const total = rows.reduce((t, r) => ({ as: t.as + r.as, nonNull: t.nonNull + r.nonNull }), { as: 0, nonNull: 0 });
console.log(
  `${relative(process.cwd(), root) || '.'}: ${total.as} type assertions (as T, not as const), ${total.nonNull} non-null assertions (!), in ${rows.length} files`,
);
