/**
 * The `lifespec` command. src/cli is the only place that touches Node's APIs;
 * all the work is done by the platform-neutral core in `src/index.ts`.
 *
 * Exit codes: 0 all clean, 1 diagnostics (or, for run/test, a violation or a
 * mismatch), 2 a usage or I/O error with a one-line message on stderr,
 * 3 a bound was reached before a verdict.
 */
import { visible } from '../diagnostics/format.js';
import { stdlibModules } from '../stdlib/index.js';
import { checkHelp, commandCheck, filesLine, textNote } from './check-command.js';
import { commandRun, commandTest, runHelp, testHelp } from './explore-commands.js';
import { commandFmt, fmtHelp } from './fmt-command.js';
import { commandMerge, mergeHelp } from './merge-command.js';
import { commandReplay, replayHelp } from './replay-command.js';
import { fileHost, optionNeeds, UsageError, type Io } from './io.js';

declare const LIFESPEC_VERSION: string | undefined;
const version = typeof LIFESPEC_VERSION === 'string' ? LIFESPEC_VERSION : '0.1.0';

const mainHelp = `lifespec — check how Linux drivers create, share and tear down resources

Usage:
  lifespec run FILE…              explore every interleaving of each scenario;
                                  print verdicts and shortest counterexamples
  lifespec run --simulate FILE…   take seeded random walks instead (swarm mode;
                                  finds bugs, proves nothing: docs/swarm.md)
  lifespec test FILE…             run each scenario against its \`expect\` line
  lifespec check FILE…            parse and check specs; print diagnostics
  lifespec fmt [--check|--write] FILE…
                                  print specs in the canonical layout
  lifespec replay TRACE.json SPEC re-run recorded traces against a (changed) spec
  lifespec merge REPORT.json…     add up swarm runs of one spec from several seeds
  lifespec lsp                    serve the Language Server Protocol on stdio
                                  (docs/editors.md)
  lifespec help [COMMAND]         show help for a command
  lifespec --version              print the version

Options for every command:
  -h, --help                      show help

Exit codes: 0 clean, 1 diagnostics found (run/test: a violation or mismatch),
2 usage or I/O error, 3 a bound was reached before a verdict.
${filesLine}
Files are written (run --svg, fmt --write) atomically, and never over an input.
${textNote}
A spec's syntax is in docs/language.md; the stdlib modules are:
  ${stdlibModules.map((m) => m.name).join(', ')}
`;

const lspHelp = `Usage: lifespec lsp [--stdio]

Serves the Language Server Protocol on stdin and stdout, for an editor to
start: diagnostics as you type, hover, completion, go to definition, find
references, rename, document symbols, formatting and quick fixes. A file a
\`use "…"\` line names is read from the editor's open documents first, then
from disk. --stdio is accepted (clients pass it) and is the only transport.
How to set up Neovim, VS Code and Emacs: docs/editors.md.
`;

/** \`lifespec lsp\`: runs until the client exits. */
function commandLsp(argv: string[], io: Io): number {
  if (argv.includes('-h') || argv.includes('--help')) {
    io.out(lspHelp);
    return 0;
  }
  const other = argv.find((a) => a !== '--stdio');
  if (other !== undefined) throw new UsageError(`lsp takes no argument but --stdio, got '${other}'`);
  // Loaded only here: the other commands do not pay for the protocol library.
  void import('../lsp/stdio.js').then((lsp) => lsp.startStdioServer(fileHost()));
  return 0;
}

const helps: Record<string, string> = { run: runHelp, test: testHelp, check: checkHelp, fmt: fmtHelp, replay: replayHelp, merge: mergeHelp, lsp: lspHelp };
const commands: Record<string, (argv: string[], io: Io) => number> = { run: commandRun, test: commandTest, check: commandCheck, fmt: commandFmt, replay: commandReplay, merge: commandMerge, lsp: commandLsp };

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
    const run = commands[command];
    if (!run) throw new UsageError(`unknown command '${command}' (try: lifespec --help)`);
    return run(rest, io);
  } catch (e) {
    // Messages name the user's arguments and paths: shown escaped, on one line.
    if (e instanceof UsageError) {
      io.err(`lifespec: ${visible(e.message)}\n`);
      return 2;
    }
    // node:util parseArgs reports unknown or malformed options with these codes.
    const code = (e as { code?: string }).code;
    if (code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`lifespec: ${visible(parseArgsText((e as Error).message))} (try: lifespec ${visible(command ?? '')} --help)\n`);
      return 2;
    }
    throw e;
  }
}

/** parseArgs's message, as this CLI says it: what the option needs, on one line. */
function parseArgsText(msg: string): string {
  const unknown = /^Unknown option '([^']+)'/.exec(msg);
  if (unknown) return `unknown option '${unknown[1]}'`;
  const missing = /^Option '(?:-\w, )?--([\w-]+) <value>' argument missing/.exec(msg);
  if (missing) return `--${missing[1]} needs ${optionNeeds[missing[1]!] ?? 'a value'}, got nothing`;
  // `--svg -x.svg`: a value that starts with a dash must be joined to its option.
  const ambiguous = /^Option '(?:-\w, )?--([\w-]+)' argument is ambiguous/.exec(msg);
  if (ambiguous) return `--${ambiguous[1]} needs ${optionNeeds[ambiguous[1]!] ?? 'a value'}; for one that starts with '-', write --${ambiguous[1]}=VALUE`;
  return msg.split('\n')[0]!.replace(/\.$/, '');
}
