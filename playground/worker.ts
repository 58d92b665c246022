/**
 * The playground's worker: parses, checks and explores, built from the same
 * src/ as the CLI (the stdlib embedded as text). The page runs two of them:
 * one answers the editor (markers, completion, hover, definition) and one
 * explores on Run, so a long search never delays the squiggles, and Stop can
 * end the search by terminating its worker.
 */
import { check, explore, hasErrors, renderTimeline } from '../src/index.js';
import { Analysis } from './analysis.js';
import { SPEC_URI, type Request, type Response } from './protocol.js';

const scope = self as unknown as {
  postMessage(message: Response): void;
  onmessage: ((event: MessageEvent<Request>) => void) | null;
};
const post = (m: Response) => scope.postMessage(m);

let cached: { version: number; analysis: Analysis } | undefined;

/** The analysis of a text, reused while the editor's model version stays the same. */
function analysisOf(version: number, text: string): Analysis {
  if (cached && cached.version === version && cached.analysis.text === text) return cached.analysis;
  cached = { version, analysis: new Analysis(text, SPEC_URI) };
  return cached.analysis;
}

// Checks are coalesced: when several are queued, only the newest is worked on.
let pendingCheck: Extract<Request, { type: 'check' }> | undefined;
let checkScheduled = false;

function flushCheck(): void {
  checkScheduled = false;
  const m = pendingCheck;
  pendingCheck = undefined;
  if (!m) return;
  const analysis = analysisOf(m.version, m.text);
  post({ type: 'diagnostics', version: m.version, markers: analysis.markers(), checkMs: analysis.checkMs });
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
    post({ type: 'run-failed', run: m.run, message: e instanceof Error ? e.message : String(e) });
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
    case 'complete': {
      const r = analysisOf(m.version, m.text).complete(m.offset);
      post({ type: 'completions', id: m.id, items: r.items, range: r.range });
      return;
    }
    case 'hover': {
      const r = analysisOf(m.version, m.text).hover(m.offset);
      post({ type: 'hover', id: m.id, markdown: r?.markdown ?? null, ...(r ? { range: r.range } : {}) });
      return;
    }
    case 'definition':
      post({ type: 'definition', id: m.id, range: analysisOf(m.version, m.text).definition(m.offset) });
      return;
    case 'run':
      run(m);
      return;
  }
};

post({ type: 'ready' });
