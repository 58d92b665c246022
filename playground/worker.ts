/**
 * The playground's worker: parses, checks and explores, built from the same
 * src/ as the CLI (the stdlib embedded as text). The page runs two of them:
 * one answers the editor (markers, completion, hover, definition) and one
 * explores on Run, so a long search never delays the squiggles, and Stop can
 * end the search by terminating its worker. Every message is answered, even
 * when the core throws on the text (a stack overflow on a huge spec): a check
 * with `check-failed`, a question with an empty answer, a run with
 * `run-failed`. The page never waits for an answer that is not coming.
 */
import { check, explore, hasErrors, renderTimeline } from '../src/index.js';
import { Analysis } from './analysis.js';
import { emptyAnswer, SPEC_URI, type Request, type Response } from './protocol.js';

const scope = self as unknown as {
  postMessage(message: Response): void;
  onmessage: ((event: MessageEvent<Request>) => void) | null;
};
const post = (m: Response) => scope.postMessage(m);

/** The analysis of the last text, or what its analysis threw: a text that failed once is not tried again for each question. */
let cached: { version: number; text: string; analysis: Analysis | undefined; error: unknown } | undefined;

/** The analysis of a text, reused while the editor's model version stays the same; throws what the core threw. */
function analysisOf(version: number, text: string): Analysis {
  if (!cached || cached.version !== version || cached.text !== text) {
    cached = { version, text, analysis: undefined, error: undefined };
    try {
      cached.analysis = new Analysis(text, SPEC_URI);
    } catch (e) {
      cached.error = e;
    }
  }
  if (!cached.analysis) throw cached.error;
  return cached.analysis;
}

/** An exception as one line for the status line: `RangeError: Maximum call stack size exceeded`. */
function describe(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

// Checks are coalesced: when several are queued, only the newest is worked on.
let pendingCheck: Extract<Request, { type: 'check' }> | undefined;
let checkScheduled = false;

function flushCheck(): void {
  checkScheduled = false;
  const m = pendingCheck;
  pendingCheck = undefined;
  if (!m) return;
  try {
    const analysis = analysisOf(m.version, m.text);
    post({ type: 'diagnostics', version: m.version, markers: analysis.markers(), checkMs: analysis.checkMs });
  } catch (e) {
    post({ type: 'check-failed', version: m.version, message: describe(e) });
  }
}

function run(m: Extract<Request, { type: 'run' }>): void {
  const t0 = performance.now();
  try {
    const checked = check(m.text, { uri: SPEC_URI });
    if (hasErrors(checked.diagnostics)) {
      post({ type: 'run-errors', run: m.run, markers: new Analysis(m.text, SPEC_URI).markers() });
      return;
    }
    const stop = m.stop;
    const signal = stop ? { get aborted() { return Atomics.load(stop, 0) === 1; } } : undefined;
    const { scenarios } = explore(checked.program, {
      maxStates: m.maxStates,
      progressIntervalMs: 100,
      ...(signal ? { signal } : {}),
      now: () => performance.now(),
      onProgress: (p) => post({ type: 'progress', run: m.run, ...p }),
      onScenario: (result) => {
        const timelines = [
          ...result.violations.map((v) => renderTimeline(result, v, { sources: checked.program.sources, heading: false })),
          ...(result.deadlock ? [renderTimeline(result, result.deadlock, { sources: checked.program.sources, heading: false })] : []),
        ];
        post({ type: 'scenario', run: m.run, result, timelines });
      },
    });
    post({ type: 'run-done', run: m.run, scenarios: scenarios.length, elapsedMs: performance.now() - t0 });
  } catch (e) {
    post({ type: 'run-failed', run: m.run, message: describe(e) });
  }
}

/** Answers a question of the editor; when the text cannot be analysed, with nothing. */
function answer(m: Extract<Request, { type: 'complete' | 'hover' | 'definition' }>): Response {
  try {
    const a = analysisOf(m.version, m.text);
    if (m.type === 'complete') {
      const r = a.complete(m.offset);
      return { type: 'completions', id: m.id, items: r.items, range: r.range };
    }
    if (m.type === 'hover') {
      const r = a.hover(m.offset);
      return { type: 'hover', id: m.id, markdown: r?.markdown ?? null, ...(r ? { range: r.range } : {}) };
    }
    return { type: 'definition', id: m.id, range: a.definition(m.offset) };
  } catch {
    // The check reports the failure; the editor only needs to stop waiting.
    return emptyAnswer(m.type, m.id);
  }
}

scope.onmessage = (event) => {
  const m = event.data;
  switch (m.type) {
    case 'check':
      pendingCheck = m;
      if (!checkScheduled) {
        checkScheduled = true;
        setTimeout(flushCheck, 0);
      }
      return;
    case 'complete':
    case 'hover':
    case 'definition':
      post(answer(m));
      return;
    case 'run':
      run(m);
      return;
  }
};

post({ type: 'ready' });
