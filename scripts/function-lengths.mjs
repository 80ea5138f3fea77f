#!/usr/bin/env node
// Lists functions, methods and arrow functions longer than N lines, and files longer than M lines, in the
// sources of both packages, using the TypeScript compiler's parser (so nested functions count separately).
//
//   node scripts/function-lengths.mjs [--max N] [--warn W] [--file-max M] [--fail] [folders...]
//
// --max N       functions over N lines are listed (default 80)
// --warn W      also count functions over W lines (default 50)
// --file-max M  files over M lines are listed (default 300)
// --fail        exit 1 when any function is over N lines (the lint step runs it this way)
// --quiet       print only the functions over N lines, if any
//
// A function's length is the count of lines from its first line to its last line, both included.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";

function parseArgs(argv) {
  const opts = { max: 80, warn: 50, fileMax: 300, fail: false, quiet: false, roots: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const next = () => {
      const value = Number(argv[++i]);
      if (!Number.isInteger(value) || value <= 0) throw new Error(`${arg} needs a positive whole number`);
      return value;
    };
    if (arg === "--max") opts.max = next();
    else if (arg === "--warn") opts.warn = next();
    else if (arg === "--file-max") opts.fileMax = next();
    else if (arg === "--fail") opts.fail = true;
    else if (arg === "--quiet") opts.quiet = true;
    else opts.roots.push(arg);
  }
  if (opts.roots.length === 0) opts.roots = ["packages/msal-ts/src", "packages/entra-emulator/src"];
  return opts;
}

function collect(dir) {
  if (!statSync(dir).isDirectory()) return [dir];
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...collect(full));
    else if (name.endsWith(".ts") && !name.endsWith(".d.ts")) out.push(full);
  }
  return out;
}

function functionName(node, sf) {
  if (ts.isConstructorDeclaration(node)) {
    const cls = node.parent;
    return `${cls.name ? cls.name.text : "(class)"} constructor`;
  }
  if (node.name) return node.name.getText(sf);
  // An anonymous function takes the name it is assigned to or passed as, when there is one.
  const parent = node.parent;
  if (parent && (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent)) && parent.name) {
    return parent.name.getText(sf);
  }
  if (parent && ts.isCallExpression(parent)) return `(callback of ${parent.expression.getText(sf).slice(0, 40)})`;
  return "(anonymous)";
}

function isFunctionLike(node) {
  return (
    ts.isFunctionDeclaration(node) ||
    ts.isFunctionExpression(node) ||
    ts.isArrowFunction(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isConstructorDeclaration(node) ||
    ts.isGetAccessorDeclaration(node) ||
    ts.isSetAccessorDeclaration(node)
  );
}

function measureFile(file) {
  const text = readFileSync(file, "utf8");
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const functions = [];
  const visit = (node) => {
    if (isFunctionLike(node) && node.body) {
      const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
      const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      functions.push({ file, line: start + 1, name: functionName(node, sf), lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  const lines = text.endsWith("\n") ? text.split("\n").length - 1 : text.split("\n").length;
  return { file, lines, functions };
}

const opts = parseArgs(process.argv.slice(2));
const files = opts.roots.flatMap(collect).map(measureFile);
const functions = files.flatMap((f) => f.functions);
const longFiles = files.filter((f) => f.lines > opts.fileMax).sort((a, b) => b.lines - a.lines);
const overWarn = functions.filter((f) => f.lines > opts.warn);
const overMax = functions.filter((f) => f.lines > opts.max).sort((a, b) => b.lines - a.lines);
const where = (f) => `${relative(process.cwd(), f.file)}:${f.line}`;

if (!opts.quiet) {
  console.log(`files over ${opts.fileMax} lines: ${longFiles.length}`);
  for (const f of longFiles) console.log(`  ${f.lines}\t${relative(process.cwd(), f.file)}`);
  console.log(`functions over ${opts.warn} lines: ${overWarn.length}`);
  for (const f of [...overWarn].sort((a, b) => b.lines - a.lines)) console.log(`  ${f.lines}\t${f.name}\t${where(f)}`);
}
if (!opts.quiet || overMax.length > 0) {
  console.log(`functions over ${opts.max} lines: ${overMax.length}`);
  for (const f of overMax) console.log(`  ${f.lines}\t${f.name}\t${where(f)}`);
}

if (opts.fail && overMax.length > 0) {
  console.error(`${overMax.length} function(s) over ${opts.max} lines: split them`);
  process.exit(1);
}
