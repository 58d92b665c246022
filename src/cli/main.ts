/**
 * The `lifespec` command. The only module that touches Node's APIs; all the
 * work is done by the platform-neutral core in `src/index.ts`.
 *
 * Exit codes: 0 all clean, 1 diagnostics (or, for run/test, a violation or a
 * mismatch), 2 a usage or I/O error, with a one-line message on stderr.
 */
import { parseArgs } from 'node:util';
import { check, hasErrors, SourceFile, type Diagnostic } from '../index.js';
import { diagnosticToJson, formatDiagnostic } from '../diagnostics/format.js';
import { stdlibModules } from '../stdlib/index.js';
import { readSpecFile, UsageError } from './io.js';

declare const LIFESPEC_VERSION: string | undefined;
const version = typeof LIFESPEC_VERSION === 'string' ? LIFESPEC_VERSION : '0.1.0';

const mainHelp = `lifespec — check how Linux drivers create, share and tear down resources

Usage:
  lifespec check FILE…            parse and check specs; print diagnostics
  lifespec help [COMMAND]         show help for a command
  lifespec --version              print the version

Options for every command:
  -h, --help                      show help

Exit codes: 0 clean, 1 diagnostics found, 2 usage or I/O error.
A spec's syntax is in docs/language.md; the stdlib modules are:
  ${stdlibModules.map((m) => m.name).join(', ')}
`;

const checkHelp = `lifespec check — parse and check Lifespec specs

Usage:
  lifespec check [--format text|json] FILE…

Prints each diagnostic as \`file:line:col: error: message [code]\` followed by
the source line with a caret, then a summary. Each file is checked on its own.

Options:
  --format text|json   text (default) for people; json for tools (one object:
                       {"files":[{"uri","diagnostics":[{severity,code,message,range,span}]}]})
  --no-color           never colour the output (also: NO_COLOR=1)
  -h, --help           show this help

Exit codes: 0 no errors, 1 errors found, 2 usage or I/O error.
`;

const helps: Record<string, string> = { check: checkHelp };

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  color: boolean;
}

function commandCheck(argv: string[], io: Io): number {
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
  const format = values.format;
  if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be text or json, not '${format}'`);
  if (positionals.length === 0) throw new UsageError('check needs at least one FILE (try: lifespec check examples/vfio_mlx5_hotunplug.lspec)');
  // Read every file first, so an I/O error is reported before any output.
  const texts = positionals.map((path) => ({ path, text: readSpecFile(path) }));
  const color = io.color && !values['no-color'];

  let errors = 0;
  let warnings = 0;
  const json: unknown[] = [];
  for (const { path, text } of texts) {
    const result = check(text, { uri: path });
    const sources = new Map<string, SourceFile>([[path, new SourceFile(path, text)]]);
    for (const m of stdlibModules) sources.set(m.uri, new SourceFile(m.uri, m.text));
    const lookup = (uri: string) => sources.get(uri);
    errors += result.diagnostics.filter((d) => d.severity === 'error').length;
    warnings += result.diagnostics.filter((d) => d.severity === 'warning').length;
    if (format === 'json') {
      json.push({ uri: path, diagnostics: result.diagnostics.map((d: Diagnostic) => diagnosticToJson(d, lookup(d.uri))) });
      continue;
    }
    for (const d of result.diagnostics) io.out(`${formatDiagnostic(d, lookup, { color })}\n`);
    if (!hasErrors(result.diagnostics)) {
      const p = result.program;
      const own = [...p.constraints.values()].filter((c) => c.uri === path).length;
      const used = p.constraints.size - own;
      const rules = `${count(own, 'constraint')}${used ? ` (+${used} from stdlib)` : ''}`;
      io.out(`${path}: ok (${count(p.drivers.size, 'driver')}, ${rules}, ${count(p.scenarios.size, 'scenario')})\n`);
    }
  }
  if (format === 'json') {
    io.out(`${JSON.stringify({ files: json }, null, 2)}\n`);
  } else if (errors > 0 || warnings > 0) {
    io.err(`${count(errors, 'error')}${warnings ? `, ${count(warnings, 'warning')}` : ''} in ${count(texts.length, 'file')}\n`);
  }
  return errors > 0 ? 1 : 0;
}

function count(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Runs the CLI with the given arguments; returns the exit code. */
export function main(argv: string[], io: Io): number {
  const [command, ...rest] = argv;
  try {
    if (command === undefined) {
      io.err(mainHelp);
      return 2;
    }
    if (command === '-h' || command === '--help') {
      io.out(mainHelp);
      return 0;
    }
    if (command === '--version' || command === '-V') {
      io.out(`lifespec ${version}\n`);
      return 0;
    }
    if (command === 'help') {
      const topic = rest[0];
      if (topic === undefined) io.out(mainHelp);
      else if (helps[topic]) io.out(helps[topic]!);
      else throw new UsageError(`no help for '${topic}': the commands are ${Object.keys(helps).join(', ')}`);
      return 0;
    }
    if (command === 'check') return commandCheck(rest, io);
    throw new UsageError(`unknown command '${command}' (try: lifespec --help)`);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`lifespec: ${e.message}\n`);
      return 2;
    }
    // node:util parseArgs reports unknown or malformed options with these codes.
    const code = (e as { code?: string }).code;
    if (code?.startsWith('ERR_PARSE_ARGS')) {
      const msg = (e as Error).message;
      const unknown = /^Unknown option '([^']+)'/.exec(msg);
      const text = unknown ? `unknown option '${unknown[1]}'` : msg.split('\n')[0]!.replace(/\.$/, '');
      io.err(`lifespec: ${text} (try: lifespec ${command} --help)\n`);
      return 2;
    }
    throw e;
  }
}
