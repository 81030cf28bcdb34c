import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
const files = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => e.isDirectory() ? files(join(d, e.name)) : /\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts') ? [join(d, e.name)] : []);
const filter = process.argv[2] ?? '';
for (const f of files('src').filter((f) => f.includes(filter))) {
  const text = readFileSync(f, 'utf8');
  const sf = ts.createSourceFile(f, text, ts.ScriptTarget.Latest, true, f.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const visit = (n: ts.Node) => {
    const isAs = (ts.isAsExpression(n) || ts.isTypeAssertionExpression(n)) && !(ts.isTypeReferenceNode(n.type) && n.type.getText() === 'const');
    if (isAs || ts.isNonNullExpression(n)) {
      const { line } = sf.getLineAndCharacterOfPosition(n.getStart());
      console.log(`${f}:${line + 1}: ${isAs ? 'as' : '!'} ${n.getText().replace(/\s+/g, ' ').slice(0, 140)}`);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
}
