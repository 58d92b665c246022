/**
 * The executable's entry: runs the CLI on this process's arguments and
 * streams. A search is synchronous, so the CLI runs in a worker thread and
 * this thread stays free to hear Ctrl-C: the first SIGINT sets the stop
 * flag the search reads (the same signal the playground's Stop raises), and
 * the command reports what it has and exits 3; a second one exits 130 at
 * once. `lifespec lsp` serves on this thread's stdio. A parallel search's
 * workers (`--workers`) are threads of this file too.
 */
import { getHeapStatistics } from 'node:v8';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { main } from './main.js';
import { fileHost, type Io } from './io.js';
import { isSearchWorker, runSearchWorker, workerPool } from './search-pool.js';

interface Start {
  readonly argv: string[];
  readonly color: boolean;
  readonly errIsTty: boolean;
  readonly githubActions: boolean;
  readonly stop: SharedArrayBuffer;
}

/** Runs the CLI; only an internal bug throws, and it is said plainly, with the details for a report. */
function run(argv: string[], io: Io): number {
  try {
    return main(argv, io);
  } catch (e) {
    process.stderr.write(`lifespec: internal error: ${(e as Error).message}\nPlease report this with the spec that caused it.\n${(e as Error).stack ?? ''}\n`);
    return 70;
  }
}

function ioFor(start: Omit<Start, 'argv' | 'stop'>, signal?: Io['signal']): Io & { githubActions: boolean } {
  return {
    // Under GitHub Actions the text output also prints workflow-command annotations (check-command.ts: CiIo).
    githubActions: start.githubActions,
    out: (s) => process.stdout.write(s),
    err: (s) => process.stderr.write(s),
    color: start.color,
    errIsTty: start.errIsTty,
    ...(signal ? { signal } : {}),
    // The heap --max-memory bounds: this thread's, where the search runs. The same figure as
    // memoryUsage().heapUsed, read without the resident-set count that makes that one slow.
    heapBytes: () => getHeapStatistics().used_heap_size,
    // A parallel search's workers are threads of this same executable (search-pool.ts).
    startPool: (spec) => workerPool(new URL(import.meta.url), spec),
  };
}

if (isMainThread) {
  // `lifespec run … | head` closes the pipe early: stop quietly, as other tools do.
  // Any other failure to write the output (`> /dev/full`: ENOSPC) is an I/O error: one line, exit 2.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    process.stderr.write(`lifespec: cannot write the output (${e.code ?? e.message})\n`);
    process.exit(2);
  });
  const argv = process.argv.slice(2);
  const start = {
    color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
    errIsTty: Boolean(process.stderr.isTTY),
    githubActions: process.env.GITHUB_ACTIONS === 'true',
  };
  if (argv[0] === 'lsp') {
    process.exitCode = run(argv, ioFor(start));
  } else {
    const stop = new SharedArrayBuffer(4);
    const flag = new Int32Array(stop);
    const worker = new Worker(new URL(import.meta.url), { workerData: { ...start, argv, stop } satisfies Start });
    let interrupts = 0;
    process.on('SIGINT', () => {
      if (++interrupts > 1) process.exit(130);
      Atomics.store(flag, 0, 1);
      process.stderr.write('\nlifespec: interrupted: reporting what was found (Ctrl-C again to quit at once)\n');
    });
    worker.on('message', (code: number) => {
      // Interrupted: the report says what finished and what did not; the run has no verdict.
      process.exitCode = Atomics.load(flag, 0) === 1 && code !== 2 ? 3 : code;
    });
    worker.on('error', (e) => {
      process.stderr.write(`lifespec: internal error: ${e.message}\nPlease report this with the spec that caused it.\n${e.stack ?? ''}\n`);
      process.exitCode = 70;
    });
    // The worker's output is flushed through this thread before it exits; then nothing keeps it alive.
    worker.on('exit', () => process.removeAllListeners('SIGINT'));
  }
} else if (isSearchWorker(workerData)) {
  runSearchWorker(workerData, fileHost());
} else {
  const start = workerData as Start;
  const flag = new Int32Array(start.stop);
  parentPort!.postMessage(run(start.argv, ioFor(start, { get aborted() { return Atomics.load(flag, 0) === 1; } })));
}
