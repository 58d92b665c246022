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
import { explore, hasErrors, renderTimeline } from '../src/index.js';
import { Analysis } from './analysis.js';
import { filesKey } from './files.js';
import { emptyAnswer, type Request, type Response, type Snapshot } from './protocol.js';

const scope = self as unknown as {
  postMessage(message: Response): void;
  onmessage: ((event: MessageEvent<Request>) => void) | null;
};
const post = (m: Response) => scope.postMessage(m);

/** The analysis of the last tabs, or what their analysis threw: tabs that failed once are not tried again for each question. */
let cached: { version: number; key: string; main: string; analysis: Analysis | undefined; error: unknown } | undefined;

/** The analysis of the tabs, reused while the page's version of them stays the same; throws what the core threw. */
function analysisOf(s: Snapshot): Analysis {
  const key = filesKey(s.files);
  if (!cached || cached.version !== s.version || cached.main !== s.main || cached.key !== key) {
    cached = { version: s.version, key, main: s.main, analysis: undefined, error: undefined };
    try {
      cached.analysis = new Analysis(s.files, s.main);
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
    const analysis = analysisOf(m);
    post({ type: 'diagnostics', version: m.version, markers: analysis.allMarkers(), checkMs: analysis.checkMs });
  } catch (e) {
    post({ type: 'check-failed', version: m.version, message: describe(e) });
  }
}

function run(m: Extract<Request, { type: 'run' }>): void {
  const t0 = performance.now();
  try {
    const analysis = new Analysis(m.files, m.main);
    const doc = analysis.document(m.uri);
    if (hasErrors(doc.diagnostics)) {
      const markers = analysis.markersOf(m.uri);
      const count = Object.values(markers).reduce((n, ms) => n + ms.length, 0);
      post({ type: 'run-errors', run: m.run, markers, count });
      return;
    }
    const checked = { program: doc.program };
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
    const a = analysisOf(m);
    if (m.type === 'complete') {
      const r = a.complete(m.offset, m.uri);
      return { type: 'completions', id: m.id, items: r.items, range: r.range };
    }
    if (m.type === 'hover') {
      const r = a.hover(m.offset, m.uri);
      return { type: 'hover', id: m.id, markdown: r?.markdown ?? null, ...(r ? { range: r.range } : {}) };
    }
    return { type: 'definition', id: m.id, place: a.place(m.offset, m.uri) };
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
