/** `lifespec check`: parse and check specs, print diagnostics like a compiler. */
import { parseArgs } from 'node:util';
import { diagnosticToJson, EXCERPT_WIDTH, formatDiagnostic, MAX_MESSAGE, visible } from '../diagnostics/format.js';
import { check, diagnosticAnnotation, hasErrors, SarifLog, SourceFile, type CheckResult, type Diagnostic } from '../index.js';
import { stdlibModules } from '../stdlib/index.js';
import { fileHost, MAX_SPEC_TEXT, readSpecFile, UsageError, type Io, type SpecFile } from './io.js';

declare const LIFESPEC_VERSION: string | undefined;
/** The version SARIF's tool.driver gives (the build defines it; the package's otherwise). */
export const toolVersion = typeof LIFESPEC_VERSION === 'string' ? LIFESPEC_VERSION : '0.1.0';

/** The CLI's streams as bin.ts gives them: `githubActions` when GITHUB_ACTIONS=true. */
export type CiIo = Io & { readonly githubActions?: boolean };

/** Whether to print GitHub Actions workflow commands (`::error file=…::…`) with the text output. */
export function annotate(io: Io): boolean {
  return (io as CiIo).githubActions === true;
}

/** The `--format` value, or a UsageError that lists the formats this command has. */
export function formatOption(value: string | undefined, formats: readonly string[]): string {
  const f = value ?? 'text';
  if (!formats.includes(f)) throw new UsageError(`--format must be ${formats.slice(0, -1).join(', ')} or ${formats.at(-1)}, not '${f}'`);
  return f;
}

/** What every command's help says of its FILEs. */
export const filesLine = `A FILE is a regular file (symlinks followed) of at most ${MAX_SPEC_TEXT} of UTF-8.`;

/** What the main help says of the text output. */
export const textNote = `In text output a control or bidi character of a spec or a path is shown as an
escape (\\x1b, \\u202e), a source line is cut to ${EXCERPT_WIDTH} columns around the caret
and a message to ${MAX_MESSAGE.toLocaleString('en-US')} characters; JSON output keeps every text as it is.`;

export const checkHelp = `lifespec check — parse and check Lifespec specs

Usage:
  lifespec check [--format text|json|sarif] FILE…

Prints each diagnostic as \`file:line:col: error: message [code]\` followed by
the source line with a caret, then a summary. Each file is checked on its own.
${filesLine}

Options:
  --format text|json|sarif
                       text (default) for people; json for tools (one object:
                       {"files":[{"uri","diagnostics":[{severity,code,message,range,span}]}]});
                       sarif: SARIF 2.1.0 for code scanning (docs/ci.md)
  --no-color           never colour the output (also: NO_COLOR=1)
  -h, --help           show this help

Under GitHub Actions (GITHUB_ACTIONS=true) the text output also has a
\`::error file=…,line=…,col=…,title=CODE::message\` line per diagnostic.

Exit codes: 0 no errors, 1 errors found, 2 usage or I/O error.
`;

export function count(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}

/** Every source a diagnostic of `path` may point into: the file and the stdlib. */
export function sourcesFor(path: string, text: string, program?: { readonly sources: ReadonlyMap<string, SourceFile> }): (uri: string) => SourceFile | undefined {
  const sources = new Map<string, SourceFile>([[path, new SourceFile(path, text)]]);
  for (const m of stdlibModules) sources.set(m.uri, new SourceFile(m.uri, m.text));
  // The files `use "…"` brought in are the program's.
  for (const [uri, src] of program?.sources ?? []) if (!sources.has(uri)) sources.set(uri, src);
  return (uri) => sources.get(uri);
}

/** Prints a file's diagnostics; returns how many are errors. */
export function printDiagnostics(result: { readonly diagnostics: readonly Diagnostic[]; readonly program?: { readonly sources: ReadonlyMap<string, SourceFile> } }, path: string, text: string, io: Io, color: boolean): number {
  const lookup = sourcesFor(path, text, result.program);
  for (const d of result.diagnostics) io.out(`${formatDiagnostic(d, lookup, { color })}\n`);
  return result.diagnostics.filter((d) => d.severity === 'error').length;
}

/** A file's diagnostics as GitHub Actions workflow commands. */
export function printAnnotations(diagnostics: readonly Diagnostic[], path: string, text: string, program: { readonly sources: ReadonlyMap<string, SourceFile> } | undefined, io: Io): void {
  const lookup = sourcesFor(path, text, program);
  for (const d of diagnostics) io.out(`${diagnosticAnnotation(d, lookup(d.uri))}\n`);
}

/** Reads every file first, so an I/O error is reported before any output. */
export function readAll(paths: readonly string[], usage: string): SpecFile[] {
  if (paths.length === 0) throw new UsageError(usage);
  return paths.map((path) => readSpecFile(path));
}

export function commandCheck(argv: string[], io: Io): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      format: { type: 'string', default: 'text' },
      'no-color': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.out(checkHelp);
    return 0;
  }
  const format = formatOption(values.format, ['text', 'json', 'sarif']);
  const texts = readAll(positionals, 'check needs at least one FILE (try: lifespec check examples/vfio_mlx5_hotunplug.lspec)');
  const color = io.color && !values['no-color'];

  let errors = 0;
  let warnings = 0;
  const json: unknown[] = [];
  const sarif = new SarifLog({ version: toolVersion });
  for (const { path, text } of texts) {
    const result = check(text, { uri: path, host: fileHost() });
    errors += result.diagnostics.filter((d) => d.severity === 'error').length;
    warnings += result.diagnostics.filter((d) => d.severity === 'warning').length;
    if (format === 'json') {
      const lookup = sourcesFor(path, text, result.program);
      json.push({ uri: path, diagnostics: result.diagnostics.map((d: Diagnostic) => diagnosticToJson(d, lookup(d.uri))) });
      continue;
    }
    if (format === 'sarif') {
      sarif.addDiagnostics(result.diagnostics, sourcesFor(path, text, result.program));
      continue;
    }
    printDiagnostics(result, path, text, io, color);
    if (annotate(io)) printAnnotations(result.diagnostics, path, text, result.program, io);
    if (!hasErrors(result.diagnostics)) {
      const p = result.program;
      const own = [...p.constraints.values()].filter((c) => c.uri === path).length;
      const used = p.constraints.size - own;
      const rules = `${count(own, 'constraint')}${used ? ` (+${used} from stdlib)` : ''}`;
      io.out(`${visible(path)}: ok (${count(p.drivers.size, 'driver')}, ${rules}, ${count(p.scenarios.size, 'scenario')})\n`);
    }
  }
  if (format === 'json') {
    io.out(`${JSON.stringify({ files: json }, null, 2)}\n`);
  } else if (format === 'sarif') {
    io.out(`${JSON.stringify(sarif.toJson(errors > 0 ? 1 : 0), null, 2)}\n`);
  } else if (errors > 0 || warnings > 0) {
    io.err(`${count(errors, 'error')}${warnings ? `, ${count(warnings, 'warning')}` : ''} in ${count(texts.length, 'file')}\n`);
  }
  return errors > 0 ? 1 : 0;
}
