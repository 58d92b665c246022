/** The executable's entry: runs the CLI on this process's arguments and streams. */
import { main } from './main.js';

// `lifespec run … | head` closes the pipe early: stop quietly, as other tools do.
// Any other failure to write the output (`> /dev/full`: ENOSPC) is an I/O error: one line, exit 2.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  process.stderr.write(`lifespec: cannot write the output (${e.code ?? e.message})\n`);
  process.exit(2);
});

const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
// Under GitHub Actions the text output also prints workflow-command annotations (check-command.ts: CiIo).
const ci = { githubActions: process.env.GITHUB_ACTIONS === 'true' };
let exitCode: number;
try {
  exitCode = main(process.argv.slice(2), {
    ...ci,
    out: (s) => process.stdout.write(s),
    err: (s) => process.stderr.write(s),
    color,
    errIsTty: Boolean(process.stderr.isTTY),
  });
} catch (e) {
  // Only an internal bug gets here; say so plainly, with the details for a report.
  process.stderr.write(`lifespec: internal error: ${(e as Error).message}\nPlease report this with the spec that caused it.\n${(e as Error).stack ?? ''}\n`);
  exitCode = 70;
}
process.exitCode = exitCode;
