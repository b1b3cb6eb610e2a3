/**
 * The architecture check (ARCHITECTURE.md). Rules 1–5 are about imports: dependency-cruiser
 * applies `.dependency-cruiser.cjs` to `src/` and `server-mock/`. Rule 6 is about the browser's
 * globals: the TypeScript compiler finds the references to `window`, `document` and
 * `navigator` outside `src/core/environment.ts`.
 *
 * `npm run check:architecture` prints the violations and fails on any; architecture.test.ts
 * runs the same functions over the repository and over fixtures/ (each rule broken once).
 */
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cruise, type ICruiseResult, type IConfiguration } from 'dependency-cruiser';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import ts from 'typescript';

export interface Violation {
  rule: string;
  /** The file that breaks the rule, relative to the root checked. */
  from: string;
  /** What it reaches: the resolved import, or the global's name. */
  to: string;
  /** For a global, where. */
  line?: number;
}

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const config = createRequire(import.meta.url)(join(REPO_ROOT, '.dependency-cruiser.cjs')) as IConfiguration;

/** Rules 1–5 over `root` (laid out like the repository, with its own tsconfig.json for the package names). */
export async function checkImports(root: string): Promise<Violation[]> {
  return importViolations(await cruiseImports(root));
}

/** The import graph of `src/` and `server-mock/` under `root`, judged by `.dependency-cruiser.cjs`. */
export async function cruiseImports(root: string): Promise<ICruiseResult> {
  const fileName = join(root, 'tsconfig.json');
  // The parsed tsconfig too, as the CLI passes it: its paths mark `tether-rpc/protocol` as a package
  // name. With no baseUrl, dependency-cruiser resolves the paths from the working directory; naming
  // the tsconfig's own folder keeps the check right from anywhere (and over fixtures/).
  const tsConfig = extractTSConfig(fileName);
  tsConfig.options.baseUrl ??= root;
  const { output } = await cruise(
    ['src', 'server-mock'],
    { ...config.options, ruleSet: { forbidden: config.forbidden ?? [] }, validate: true, baseDir: root, tsConfig: { fileName } },
    undefined,
    { tsConfig },
  );
  return output as ICruiseResult;
}

export function importViolations(result: ICruiseResult): Violation[] {
  return (result.summary.violations ?? []).map((v) => ({ rule: v.rule.name, from: v.from, to: v.to }));
}

/** The names of the import rules, as `.dependency-cruiser.cjs` gives them. */
export const IMPORT_RULES = (config.forbidden ?? []).map((r) => r.name ?? '');
export const GLOBALS_RULE = 'browser-globals-only-in-environment';

const GLOBALS = new Set(['window', 'document', 'navigator']);
/** Objects the globals hang off: `globalThis.window`, `self.document`, `window.navigator`. */
const GLOBAL_OBJECTS = new Set(['globalThis', 'self', 'window']);
const BROWSER_FOLDERS = ['src/core', 'src/observers', 'src/react', 'src/vue', 'src/shared'];
/** The adapters that may touch the page: the core's, and the shared entry's (locks, channels, SharedWorker). */
const ENVIRONMENTS = new Set(['src/core/environment.ts', 'src/shared/platform.ts']);
const TEST = /\.test(-d)?\.tsx?$/;

/** Rule 6 over `root`: every reference to a browser global outside the environment adapter. */
export function checkBrowserGlobals(root: string): Violation[] {
  const files = BROWSER_FOLDERS.flatMap((dir) => listSources(root, dir)).filter((f) => !TEST.test(f) && !ENVIRONMENTS.has(f));
  // Files one by one, no imports followed: only the default library (with the DOM) has to be known
  // to tell the global `document` from a local or a property of the same name. Fast (about a second).
  const program = ts.createProgram(
    files.map((f) => join(root, f)),
    {
      noResolve: true,
      noEmit: true,
      types: [],
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
      target: ts.ScriptTarget.ES2022,
      jsx: ts.JsxEmit.ReactJSX,
      allowImportingTsExtensions: true,
    },
  );
  const checker = program.getTypeChecker();
  const fromLibrary = (d: ts.Declaration) => program.isSourceFileDefaultLibrary(d.getSourceFile());
  const declarationsOf = (node: ts.Node) => checker.getSymbolAtLocation(node)?.declarations ?? [];

  /**
   * `globalThis`, `self` or `window` (through casts and parentheses), or a constant holding one
   * (`const g = globalThis as {…}`, the way environment.ts reads them); not a name of ours.
   */
  const globalObject = (node: ts.Expression, depth = 0): boolean => {
    const e = unwrap(node);
    if (!ts.isIdentifier(e) || depth > 3) return false;
    const declarations = declarationsOf(e);
    // `globalThis` has no declaration at all; `self` and `window` are the library's.
    if (GLOBAL_OBJECTS.has(e.text) && declarations.every(fromLibrary)) return true;
    const [d] = declarations;
    return declarations.length === 1 && !!d && ts.isVariableDeclaration(d) && !!d.initializer && globalObject(d.initializer, depth + 1);
  };

  /** The global named at `node`, if `node` names one. */
  const globalAt = (node: ts.Node): string | undefined => {
    const parent = node.parent;
    if (ts.isIdentifier(node) && GLOBALS.has(node.text) && !ts.isBindingElement(parent)) {
      // `document`, and `globalThis.document` or `window.document`: the library declares what they resolve to.
      const declarations = declarationsOf(node);
      if (declarations.length && declarations.every(fromLibrary)) return node.text;
      // A global object typed loosely or by us: `(globalThis as any).document`, `g.document`.
      if (ts.isPropertyAccessExpression(parent) && parent.name === node && globalObject(parent.expression)) return node.text;
    }
    // `globalThis['document']`
    if (ts.isElementAccessExpression(node) && ts.isStringLiteralLike(node.argumentExpression) && globalObject(node.expression)) {
      return GLOBALS.has(node.argumentExpression.text) ? node.argumentExpression.text : undefined;
    }
    // `const { document } = globalThis`
    if (ts.isBindingElement(node) && ts.isObjectBindingPattern(parent) && ts.isVariableDeclaration(parent.parent)) {
      const key = node.propertyName ?? node.name;
      const initializer = parent.parent.initializer;
      if (ts.isIdentifier(key) && GLOBALS.has(key.text) && initializer && globalObject(initializer)) return key.text;
    }
    return undefined;
  };

  const found: Violation[] = [];
  for (const file of files) {
    const source = program.getSourceFile(join(root, file));
    if (!source) continue;
    const visit = (node: ts.Node) => {
      const name = globalAt(node);
      if (name) {
        const line = source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
        found.push({ rule: GLOBALS_RULE, from: file, to: name, line });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

/** Every rule over `root`. */
export async function checkArchitecture(root: string): Promise<Violation[]> {
  return [...(await checkImports(root)), ...checkBrowserGlobals(root)];
}

/** `x` from `(x)`, `x as T`, `x satisfies T`, `<T>x` and `x!`. */
function unwrap(node: ts.Expression): ts.Expression {
  while (
    ts.isParenthesizedExpression(node) ||
    ts.isAsExpression(node) ||
    ts.isSatisfiesExpression(node) ||
    ts.isTypeAssertionExpression(node) ||
    ts.isNonNullExpression(node)
  ) {
    node = node.expression;
  }
  return node;
}

/** TypeScript sources under `root/dir`, as POSIX paths relative to `root`. */
function listSources(root: string, dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
    .map((f) => relative(root, join(root, dir, f)).split(sep).join('/'))
    .filter((f) => /\.(ts|tsx|mts)$/.test(f) && !f.endsWith('.d.ts'));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const started = performance.now();
  const violations = await checkArchitecture(REPO_ROOT);
  for (const v of violations) console.error(`  ${v.rule}: ${v.from}${v.line ? `:${v.line}` : ''} → ${v.to}`);
  const took = `${Math.round(performance.now() - started)} ms`;
  if (violations.length) {
    console.error(`\n✘ ${violations.length} architecture violation(s) (${took}); the rules and their reasons: ARCHITECTURE.md`);
    process.exit(1);
  }
  console.log(`✔ architecture: no violations (${took})`);
}
