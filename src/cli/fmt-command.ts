/** `lifespec fmt`: print, check or rewrite specs in the canonical layout. */
import { parseArgs } from 'node:util';
import { visible } from '../diagnostics/format.js';
import { parse } from '../index.js';
import { formatText } from '../syntax/format.js';
import { filesLine, printDiagnostics, readAll } from './check-command.js';
import { UsageError, writeOutputFile, type Io } from './io.js';

export const fmtHelp = `lifespec fmt — print specs in the canonical layout, keeping every comment

Usage:
  lifespec fmt FILE              print the formatted spec on stdout
  lifespec fmt --check FILE…     list the files that are not formatted (exit 1 if any)
  lifespec fmt --write FILE…     rewrite the files that are not formatted

A spec with syntax errors is not formatted (its errors are printed, exit 1).
A file is written only when the result parses back to the same spec with the
same comments, and atomically (a new file renamed over the old one, with the
old one's mode), so a failed write leaves it as it was. The printed spec is
the spec's text exactly, control characters and all.
${filesLine}

Options:
  --check         only check; write nothing
  --write         rewrite files in place
  --no-color      never colour the output (also: NO_COLOR=1)
  -h, --help      show this help

Exit codes: 0 formatted (or nothing to change), 1 a file needs formatting (with
--check) or has syntax errors, 2 usage or I/O error.
`;

export function commandFmt(argv: string[], io: Io): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      check: { type: 'boolean', default: false },
      write: { type: 'boolean', default: false },
      'no-color': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.out(fmtHelp);
    return 0;
  }
  if (values.check && values.write) throw new UsageError('fmt takes --check or --write, not both');
  if (values.write && positionals.includes('-')) throw new UsageError('fmt --write rewrites files; standard input (-) has none: use `lifespec fmt -` to print it');
  const files = readAll(positionals, 'fmt needs a FILE (try: lifespec fmt --check examples/*.lspec)');
  if (!values.check && !values.write && files.length > 1) throw new UsageError('fmt prints one FILE; use --check or --write for several');
  const color = io.color && !values['no-color'];
  let status = 0;
  for (const { path, text } of files) {
    const parsed = parse(text, { uri: path });
    const r = formatText(parsed, (t) => parse(t, { uri: path }));
    if (!r.ok) {
      if (r.reason === 'syntax-errors') {
        printDiagnostics(parsed, path, text, io, color);
        io.err(`${visible(path)}: not formatted: it has syntax errors\n`);
      } else {
        io.err(`${visible(path)}: not formatted: the result would not read back the same (please report this spec)\n`);
      }
      status = 1;
      continue;
    }
    if (values.check) {
      if (r.changed) {
        io.out(`would reformat ${visible(path)}\n`);
        status = 1;
      }
    } else if (values.write) {
      if (r.changed) {
        writeOutputFile(path, r.text);
        io.out(`formatted ${visible(path)}\n`);
      }
    } else {
      io.out(r.text);
    }
  }
  if (values.check && status === 0) io.out(`${files.length} file${files.length === 1 ? '' : 's'} already formatted\n`);
  return status;
}
