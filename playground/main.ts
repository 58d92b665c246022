/**
 * The playground page: a Monaco editor with Lifespec support, Run/Stop,
 * results with SVG timelines, examples, autosave and share links. All
 * parsing, checking and exploring happens in workers (worker.ts); this file
 * only sends text and shows answers.
 */
import * as monaco from './monaco.js';
import { examples, type Example } from './examples.js';
import { LANGUAGE_ID, registerLifespec, type Ask, type WorkerClient } from './language.js';
import { SPEC_URI, type Marker, type Request, type Response } from './protocol.js';
import { codeFromHash, encodeCode } from './share.js';

/** Quiet time after a keystroke before the text is checked. */
const CHECK_DEBOUNCE_MS = 350;
const STORAGE_KEY = 'lifespec.playground.text';
const DEFAULT_MAX_STATES = 200_000;

type ScenarioResult = Extract<Response, { type: 'scenario' }>['result'];

/** What the page measured; read by scripts/bench-playground.ts and the end-to-end tests. */
interface Stats {
  /** ms from navigation start to the first diagnostics shown. */
  firstDiagnosticsMs?: number;
  /** Version of the model whose diagnostics are shown. */
  shownVersion: number;
  /** ms from the last edit to its diagnostics being shown (debounce included). */
  lastEditToMarkersMs?: number;
  /** ms the worker took to check the last text. */
  lastCheckMs?: number;
  /** Diagnostics that arrived for a version already edited away, and were dropped. */
  staleDropped: number;
  runs: number;
}

const stats: Stats = { shownVersion: -1, staleDropped: 0, runs: 0 };

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const ui = {
  editor: $('editor'),
  examples: $<HTMLSelectElement>('examples'),
  run: $<HTMLButtonElement>('run'),
  stop: $<HTMLButtonElement>('stop'),
  share: $<HTMLButtonElement>('share'),
  maxStates: $<HTMLInputElement>('max-states'),
  status: $('status'),
  problems: $<HTMLButtonElement>('problems'),
  results: $('results'),
  problemList: $('problem-list'),
  toast: $('toast'),
};

/** A short note at the bottom of the page. */
let toastTimer: ReturnType<typeof setTimeout> | undefined;
function toast(text: string): void {
  ui.toast.textContent = text;
  ui.toast.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (ui.toast.hidden = true), 4000);
}

// ---- Monaco and its worker ----------------------------------------------------

(self as unknown as { MonacoEnvironment: monaco.Environment }).MonacoEnvironment = {
  getWorker: () => new Worker(new URL('editor.worker.js', document.baseURI)),
};

monaco.editor.defineTheme('lifespec-light', {
  base: 'vs',
  inherit: true,
  rules: [
    { token: 'keyword', foreground: '7c3aed', fontStyle: 'bold' },
    { token: 'keyword.soft', foreground: '2563eb' },
    { token: 'type', foreground: '0f766e' },
    { token: 'predefined', foreground: '9a3412' },
    { token: 'constant.errno', foreground: 'b91c1c' },
    { token: 'comment.doc', foreground: '4d7c0f', fontStyle: 'italic' },
    { token: 'number.size', foreground: '0e7490' },
  ],
  colors: {},
});

/** The language worker: markers, completion, hover, definition. */
const langWorker = new Worker(new URL('lifespec.worker.js', document.baseURI));
let nextId = 1;
const waiting = new Map<number, (r: Response) => void>();

const client: WorkerClient = {
  request(message: Ask, _answer) {
    const id = nextId++;
    return new Promise((resolve) => {
      waiting.set(id, resolve as (r: Response) => void);
      langWorker.postMessage({ ...message, id } as Request);
    });
  },
};

registerLifespec(monaco, client);

// ---- the text: from a link, from the last visit, or the §1 example -------------------

const allExamples = examples();
const seed = allExamples.find((e) => e.id === 'seed');

function savedText(): string | undefined {
  try {
    return localStorage.getItem(STORAGE_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

const fromHash = codeFromHash(location.hash);
const initial = savedText() ?? seed?.text ?? '';
const model = monaco.editor.createModel(initial, LANGUAGE_ID, monaco.Uri.parse(`file:///${SPEC_URI}`));
const editor = monaco.editor.create(ui.editor, {
  model,
  theme: 'lifespec-light',
  automaticLayout: true,
  minimap: { enabled: false },
  fontSize: 13,
  tabSize: 2,
  insertSpaces: true,
  scrollBeyondLastLine: false,
  renderLineHighlight: 'all',
  fixedOverflowWidgets: true,
  'semanticHighlighting.enabled': false,
});

/** Replaces the whole text as one edit, so Ctrl+Z brings the previous text back. */
function replaceText(text: string): void {
  if (model.getValue() === text) return;
  editor.pushUndoStop();
  model.pushEditOperations([], [{ range: model.getFullModelRange(), text }], () => null);
  editor.pushUndoStop();
  editor.setPosition({ lineNumber: 1, column: 1 });
  editor.revealLine(1);
}

function openFromHash(hash: ReturnType<typeof codeFromHash>): void {
  if (hash.text !== undefined) {
    replaceText(hash.text);
    toast('Opened the spec from the link (Ctrl+Z brings your previous text back).');
  } else if (hash.invalid) {
    toast('The link’s #code= is not base64url of UTF-8 text; your own text is shown instead.');
  }
  // The text now lives in the editor and is autosaved; a reload must not overwrite later edits.
  if (hash.text !== undefined || hash.invalid) history.replaceState(null, '', location.pathname + location.search);
}

openFromHash(fromHash);
window.addEventListener('hashchange', () => openFromHash(codeFromHash(location.hash)));

// ---- autosave -----------------------------------------------------------------

let saveTimer: ReturnType<typeof setTimeout> | undefined;
function save(): void {
  clearTimeout(saveTimer);
  saveTimer = undefined;
  try {
    localStorage.setItem(STORAGE_KEY, model.getValue());
  } catch {
    /* storage full or disabled: nothing more to do */
  }
}
save();
window.addEventListener('pagehide', save);
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'hidden') save();
});

// ---- diagnostics while typing ------------------------------------------------------

const editedAt = new Map<number, number>();
let checkTimer: ReturnType<typeof setTimeout> | undefined;

function requestCheck(): void {
  checkTimer = undefined;
  langWorker.postMessage({ type: 'check', version: model.getVersionId(), text: model.getValue() } satisfies Request);
}

model.onDidChangeContent(() => {
  editedAt.set(model.getVersionId(), performance.now());
  clearTimeout(checkTimer);
  checkTimer = setTimeout(requestCheck, CHECK_DEBOUNCE_MS);
  clearTimeout(saveTimer);
  saveTimer = setTimeout(save, 300);
});

function toMarkerData(m: Marker): monaco.editor.IMarkerData {
  const severity = m.severity === 'error' ? monaco.MarkerSeverity.Error : m.severity === 'warning' ? monaco.MarkerSeverity.Warning : monaco.MarkerSeverity.Info;
  return {
    severity,
    code: m.code,
    message: m.message,
    source: 'lifespec',
    startLineNumber: m.startLineNumber,
    startColumn: m.startColumn,
    endLineNumber: m.endLineNumber,
    endColumn: m.endColumn,
    relatedInformation: m.related.map((r) => ({ resource: model.uri, message: r.message, startLineNumber: r.startLineNumber, startColumn: r.startColumn, endLineNumber: r.endLineNumber, endColumn: r.endColumn })),
  };
}

let shownMarkers: readonly Marker[] = [];

function showMarkers(version: number, markers: readonly Marker[], checkMs: number): void {
  // A check of text that has been edited since is dropped: its positions are stale.
  if (version !== model.getVersionId()) {
    stats.staleDropped++;
    return;
  }
  monaco.editor.setModelMarkers(model, 'lifespec', markers.map(toMarkerData));
  shownMarkers = markers;
  const now = performance.now();
  stats.firstDiagnosticsMs ??= now;
  const edited = editedAt.get(version);
  if (edited !== undefined) stats.lastEditToMarkersMs = now - edited;
  for (const v of editedAt.keys()) if (v <= version) editedAt.delete(v);
  stats.shownVersion = version;
  stats.lastCheckMs = checkMs;
  document.body.dataset.diagnostics = 'ready';
  document.body.dataset.markersVersion = String(version);
  const errors = markers.filter((m) => m.severity === 'error').length;
  ui.problems.textContent = errors === 0 ? 'no problems' : `${errors} error${errors === 1 ? '' : 's'}`;
  ui.problems.classList.toggle('has-errors', errors > 0);
  showProblemList(markers);
}

/** The problems, one a line, above the results; a click selects one in the editor. */
function showProblemList(markers: readonly Marker[]): void {
  ui.problemList.replaceChildren();
  ui.problemList.hidden = markers.length === 0;
  if (markers.length === 0) return;
  ui.problemList.append(el('h2', '', `${markers.length} problem${markers.length === 1 ? '' : 's'}: the spec is not explored until they are fixed`));
  const list = el('ul', '');
  for (const m of markers) {
    const item = el('li', '');
    const button = el('button', 'problem', '');
    button.type = 'button';
    button.append(el('span', 'where', `line ${m.startLineNumber}:${m.startColumn}`), el('span', 'what', m.message), el('span', 'code', m.code));
    button.addEventListener('click', () => {
      editor.setSelection(new monaco.Range(m.startLineNumber, m.startColumn, m.endLineNumber, m.endColumn));
      editor.revealLineInCenter(m.startLineNumber);
      editor.focus();
    });
    item.append(button);
    list.append(item);
  }
  ui.problemList.append(list);
}

ui.problems.addEventListener('click', () => {
  const first = shownMarkers[0];
  if (!first) return;
  editor.setSelection(new monaco.Range(first.startLineNumber, first.startColumn, first.endLineNumber, first.endColumn));
  editor.revealLineInCenter(first.startLineNumber);
  editor.focus();
});

langWorker.onmessage = (e: MessageEvent<Response>) => {
  const m = e.data;
  if (m.type === 'diagnostics') showMarkers(m.version, m.markers, m.checkMs);
  else if ('id' in m) {
    const resolve = waiting.get(m.id);
    waiting.delete(m.id);
    resolve?.(m);
  }
};
requestCheck();

// ---- examples -------------------------------------------------------------------

function fillExamples(list: readonly Example[]): void {
  const groups = new Map<string, HTMLOptGroupElement>();
  const placeholder = new Option('Examples…', '');
  placeholder.disabled = true;
  placeholder.selected = true;
  ui.examples.append(placeholder);
  for (const ex of list) {
    let g = groups.get(ex.group);
    if (!g) {
      g = document.createElement('optgroup');
      g.label = ex.group;
      groups.set(ex.group, g);
      ui.examples.append(g);
    }
    g.append(new Option(ex.label, ex.id));
  }
}
fillExamples(allExamples);
ui.examples.addEventListener('change', () => {
  const ex = allExamples.find((x) => x.id === ui.examples.value);
  if (ex) {
    replaceText(ex.text);
    clearResults('Press Run to explore every scenario.');
  }
  ui.examples.value = '';
  editor.focus();
});

// ---- share ------------------------------------------------------------------------


ui.share.addEventListener('click', async () => {
  const url = `${location.origin}${location.pathname}#code=${encodeCode(model.getValue())}`;
  let copied = false;
  try {
    await navigator.clipboard.writeText(url);
    copied = true;
  } catch {
    /* no clipboard permission: the link is still in the address bar */
  }
  history.replaceState(null, '', url);
  document.body.dataset.shareUrl = url;
  toast(copied ? 'Link copied: it opens this spec.' : 'The address bar now holds a link that opens this spec.');
});

// ---- run --------------------------------------------------------------------------

let runWorker: Worker | undefined;
let runId = 0;
let running: { id: number; stop?: Int32Array; killTimer?: ReturnType<typeof setTimeout>; started: number; scenarios: number } | undefined;

function setRunning(on: boolean): void {
  ui.run.disabled = on;
  ui.stop.disabled = !on;
  document.body.dataset.running = on ? 'true' : 'false';
}

function clearResults(note: string): void {
  ui.results.replaceChildren();
  const p = document.createElement('p');
  p.className = 'hint';
  p.textContent = note;
  ui.results.append(p);
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function statsText(r: ScenarioResult): string {
  const ms = r.timeMs < 1000 ? `${Math.round(r.timeMs)} ms` : `${(r.timeMs / 1000).toFixed(2)} s`;
  return `${fmt(r.states)} states, ${fmt(r.transitions)} transitions, ${ms}`;
}

function expectText(r: ScenarioResult): string {
  const e = r.expect ?? { outcome: 'ok', rules: [] };
  const text = e.outcome === 'violation' ? `expect violation ${e.rules.join(', ')}` : `expect ${e.outcome}`;
  return `${text}: ${r.expectMet === true ? 'met' : r.expectMet === false ? 'NOT met' : 'undecided'}`;
}

function showScenario(r: ScenarioResult, timelines: readonly string[]): void {
  ui.results.querySelector('.hint')?.remove();
  const card = el('section', `scenario verdict-${r.verdict}`);
  card.dataset.scenario = r.scenario;
  card.dataset.verdict = r.verdict;
  const head = el('header', '');
  const label = { ok: 'OK', violated: 'VIOLATED', deadlock: 'DEADLOCK', incomplete: 'INCOMPLETE' }[r.verdict];
  head.append(el('span', 'badge', label), el('span', 'name', r.scenario), el('span', 'stats', statsText(r)), el('span', `expect ${r.expectMet === false ? 'unmet' : ''}`, expectText(r)));
  card.append(head);
  if (r.verdict === 'ok') card.append(el('p', 'summary', `Holds in all ${fmt(r.states)} states.`));
  // As the CLI says it: what made the state count smaller than every interleaving.
  if (r.reductions.length > 0) card.append(el('p', 'summary reductions', `Reduced by ${r.reductions.join('; ')}.`));
  if (r.incomplete) card.append(el('p', 'summary', `${r.incomplete.reason}${r.verdict === 'incomplete' ? '' : '; what was found so far is shown'}.`));
  const findings = [...r.violations.map((v) => ({ rule: v.rule, message: v.message, steps: v.trace.length })), ...(r.deadlock ? [{ rule: 'deadlock', message: r.deadlock.waiting.map((w) => `${w.thread} waits for ${w.on}`).join('; '), steps: r.deadlock.trace.length }] : [])];
  findings.forEach((f, i) => {
    const box = el('div', 'finding');
    box.dataset.rule = f.rule;
    box.append(el('h3', 'rule', f.rule), el('p', 'message', `${f.message} — shortest trace, ${f.steps} step${f.steps === 1 ? '' : 's'}; click a step to see its line.`));
    const tl = el('div', 'timeline');
    tl.innerHTML = timelines[i] ?? '';
    // A copy of the label column stays in view while the steps scroll sideways.
    const svg = tl.querySelector('svg');
    if (svg) {
      const labels = el('div', 'timeline-labels');
      labels.style.width = `${svg.getAttribute('data-label-width') ?? 100}px`;
      labels.setAttribute('aria-hidden', 'true');
      labels.innerHTML = timelines[i] ?? '';
      // Only the labels are seen there; the steps stay in the scrolling original.
      labels.querySelectorAll('.lt-step, .lt-lock, .lt-armed, .lt-mark-line').forEach((x) => x.remove());
      tl.append(labels);
    }
    box.append(tl);
    card.append(box);
    // The violating step is the last column: show it, with what led up to it.
    requestAnimationFrame(() => (tl.scrollLeft = tl.scrollWidth));
  });
  ui.results.append(card);
}

function finishRun(note: string): void {
  if (!running) return;
  clearTimeout(running.killTimer);
  running = undefined;
  setRunning(false);
  ui.status.textContent = note;
  document.body.dataset.runState = 'done';
}

function onRunMessage(m: Response): void {
  if (!running || !('run' in m) || m.run !== running.id) return;
  switch (m.type) {
    case 'progress':
      ui.status.textContent = `Exploring ${m.scenario}: ${fmt(m.states)} states, ${fmt(m.transitions)} transitions, ${(m.elapsedMs / 1000).toFixed(1)} s`;
      document.body.dataset.progressStates = String(m.states);
      return;
    case 'scenario':
      running.scenarios++;
      showScenario(m.result, m.timelines);
      ui.status.textContent = `Explored ${running.scenarios} scenario${running.scenarios === 1 ? '' : 's'}…`;
      return;
    case 'run-errors':
      // The editor's own check shows them as squiggles and in the problem list.
      clearResults(`Not explored: the spec has ${m.markers.length} problem${m.markers.length === 1 ? '' : 's'} (squiggled in the editor). Fix them and press Run again.`);
      finishRun('Not explored: fix the errors first.');
      return;
    case 'run-failed':
      clearResults(`The explorer failed: ${m.message}`);
      finishRun('Failed.');
      return;
    case 'run-done': {
      const cards = [...ui.results.querySelectorAll<HTMLElement>('.scenario')];
      const count = (...verdicts: string[]) => cards.filter((c) => verdicts.includes(c.dataset.verdict ?? '')).length;
      const incomplete = count('incomplete');
      const stopped = running.stop && Atomics.load(running.stop, 0) === 1;
      const parts = [`${count('ok')} ok`, `${count('violated', 'deadlock')} violated`, ...(incomplete ? [`${incomplete} incomplete`] : [])];
      finishRun(`${stopped ? 'Stopped. ' : ''}${cards.length} scenario${cards.length === 1 ? '' : 's'}: ${parts.join(', ')} (${(m.elapsedMs / 1000).toFixed(2)} s).`);
      return;
    }
  }
}

function startRun(): void {
  if (running) return;
  // The run checks the text as it is now, whatever the editor's pending check.
  const text = model.getValue();
  clearResults('Exploring…');
  runWorker ??= new Worker(new URL('lifespec.worker.js', document.baseURI));
  runWorker.onmessage = (e: MessageEvent<Response>) => onRunMessage(e.data);
  const id = ++runId;
  const canShare = typeof SharedArrayBuffer !== 'undefined' && globalThis.crossOriginIsolated === true;
  const stop = canShare ? new Int32Array(new SharedArrayBuffer(4)) : undefined;
  const maxStates = Math.max(1, Math.floor(Number(ui.maxStates.value) || DEFAULT_MAX_STATES));
  running = { id, started: performance.now(), scenarios: 0, ...(stop ? { stop } : {}) };
  stats.runs++;
  setRunning(true);
  document.body.dataset.runState = 'running';
  ui.status.textContent = 'Exploring…';
  runWorker.postMessage({ type: 'run', run: id, text, maxStates, ...(stop ? { stop } : {}) } satisfies Request);
}

/** Ends the search: the shared flag asks the explorer to stop; if it does not answer soon, the worker is terminated. */
function stopRun(): void {
  if (!running) return;
  const kill = () => {
    runWorker?.terminate();
    runWorker = undefined;
    const shown = ui.results.querySelectorAll('.scenario').length;
    if (shown === 0) clearResults('Stopped before any scenario finished.');
    finishRun(`Stopped: the search was ended after ${shown} scenario${shown === 1 ? '' : 's'}.`);
  };
  ui.status.textContent = 'Stopping…';
  if (running.stop) {
    Atomics.store(running.stop, 0, 1);
    running.killTimer = setTimeout(kill, 1000);
  } else kill();
}

ui.run.addEventListener('click', startRun);
ui.stop.addEventListener('click', stopRun);
editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter, startRun);
setRunning(false);
clearResults('Press Run (or Ctrl+Enter) to explore every scenario under every interleaving.');

// ---- clicking a step shows its line ---------------------------------------------------

function selectStep(step: Element): void {
  const uri = step.getAttribute('data-uri');
  const line = Number(step.getAttribute('data-line'));
  if (!line) return;
  ui.results.querySelectorAll('.lt-selected').forEach((x) => x.classList.remove('lt-selected'));
  step.classList.add('lt-selected');
  if (uri !== SPEC_URI) {
    toast(`Step ${step.getAttribute('data-step')} is in ${uri}, line ${line}.`);
    return;
  }
  editor.setSelection(new monaco.Range(line, 1, line, model.getLineMaxColumn(line)));
  editor.revealLineInCenter(line);
  editor.focus();
}

ui.results.addEventListener('click', (e) => {
  const step = (e.target as Element).closest('.lt-step');
  if (step) selectStep(step);
});
ui.results.addEventListener('keydown', (e) => {
  const step = (e.target as Element).closest('.lt-step');
  if (step && (e.key === 'Enter' || e.key === ' ')) {
    e.preventDefault();
    selectStep(step);
  }
});

// For the benchmark and the end-to-end tests.
(window as unknown as { lifespecPlayground: unknown }).lifespecPlayground = { monaco, editor, model, stats };
