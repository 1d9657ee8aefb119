/**
 * lib/ stays readable in one sitting per module: no file over MAX_FILE_LINES lines, no function,
 * method or constructor over MAX_FUNCTION_LINES (counted from its first line to its closing brace,
 * comments included). Measured with the TypeScript compiler's own parser, so an arrow function in an
 * object literal counts as much as a declared one.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { ROOT } from './helpers';

const MAX_FILE_LINES = 300;
const MAX_FUNCTION_LINES = 60;

function sources(dir: string): string[] {
  return fs
    .readdirSync(path.join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)));
}

/** Every function-like node with a body in `text`, with its name and length in lines. */
export function functionLengths(file: string, text: string): Array<{ name: string; line: number; lines: number }> {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const out: Array<{ name: string; line: number; lines: number }> = [];
  const lineOf = (pos: number) => source.getLineAndCharacterOfPosition(pos).line + 1;
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const first = lineOf(node.getStart(source));
      const named = (node as ts.FunctionLikeDeclaration).name;
      const name = named ? named.getText(source) : ts.isConstructorDeclaration(node) ? 'constructor' : '(anonymous)';
      out.push({ name, line: first, lines: lineOf(node.end) - first + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/** Lines of a text as an editor numbers them (a final newline ends the last line, it does not start one). */
const lineCount = (text: string) => text.split('\n').length - (text.endsWith('\n') ? 1 : 0);

const files = sources('lib');

describe('the shape of lib/', () => {
  it('measures what it checks (a parser that found no function would prove nothing)', () => {
    const sample = 'export function f() {\n  return 1;\n}\nclass C {\n  constructor() {\n    const g = () => {\n      return 2;\n    };\n  }\n}\n';
    expect(functionLengths('sample.ts', sample)).toEqual([
      { name: 'f', line: 1, lines: 3 },
      { name: 'constructor', line: 5, lines: 5 },
      { name: '(anonymous)', line: 6, lines: 3 },
    ]);
    expect(files.length).toBeGreaterThan(20);
    expect([lineCount('a\nb\n'), lineCount('a\nb')]).toEqual([2, 2]);
  });

  it(`has no file over ${MAX_FILE_LINES} lines`, () => {
    const long = files.map((f) => [f, lineCount(fs.readFileSync(path.join(ROOT, f), 'utf8'))] as const).filter(([, n]) => n > MAX_FILE_LINES);
    expect(long).toEqual([]);
  });

  it(`has no function over ${MAX_FUNCTION_LINES} lines`, () => {
    const long = files.flatMap((f) =>
      functionLengths(f, fs.readFileSync(path.join(ROOT, f), 'utf8'))
        .filter((fn) => fn.lines > MAX_FUNCTION_LINES)
        .map((fn) => `${f}:${fn.line} ${fn.name}: ${fn.lines} lines`),
    );
    expect(long).toEqual([]);
  });
});
