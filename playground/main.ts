/**
 * The playground page: a Monaco editor with Lifespec support and a tab per
 * file, Run/Stop, results with SVG timelines, examples, drafts and share
 * links. All parsing, checking and exploring happens in workers (worker.ts);
 * this file only sends the tabs' text and shows answers.
 */
import * as monaco from './monaco.js';
import { Checker, type CheckFailure } from './checker.js';
import { Drafts, type Origin } from './drafts.js';
import { DraftMenu } from './draft-menu.js';
import { examples, type Example } from './examples.js';
import { filesKey, single, type SpecFile } from './files.js';
import { LANGUAGE_ID, registerLifespec } from './language.js';
import { Problems } from './problems.js';
import type { MarkersByFile, Request, Response } from './protocol.js';
import { fmt, scenarioCard } from './results.js';
import { Tabs } from './tabs.js';
import { UnfinishedChecks } from './unfinished.js';
import { encodeFiles, filesFromHash } from './share.js';

/** Quiet time after a keystroke before the text is checked, and before it is saved. */
const CHECK_DEBOUNCE_MS = 350;
const SAVE_DEBOUNCE_MS = 300;
const DEFAULT_MAX_STATES = 200_000;
/** How often the status line is redrawn during a run, whatever the explorer reports. */
const RUN_STATUS_MS = 200;

type ScenarioResult = Extract<Response, { type: 'scenario' }>['result'];

/** What the page measured; read by scripts/bench-playground.ts and the end-to-end tests. */
interface Stats {
  /** ms from navigation start to the first diagnostics shown. */
  firstDiagnosticsMs?: number;
  /** Version of the shown tab's model, when the diagnostics shown are of the tabs as they are (-1 when not). */
  shownVersion: number;
  /** The page's version of the tabs whose diagnostics are shown. */
  shownTabsVersion: number;
  /** ms from the last edit to its diagnostics being shown (debounce included). */
  lastEditToMarkersMs?: number;
  /** ms the worker took to check the last text. */
  lastCheckMs?: number;
  /** Diagnostics that arrived for a version already edited away, and were dropped. */
  staleDropped: number;
  runs: number;
}

const stats: Stats = { shownVersion: -1, shownTabsVersion: -1, staleDropped: 0, runs: 0 };
/** When each version of the tabs was made, until its diagnostics are shown; and the check waiting for quiet. */
const editedAt = new Map<number, number>();
let checkTimer: ReturnType<typeof setTimeout> | undefined;
let saveTimer: ReturnType<typeof setTimeout> | undefined;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const ui = {
  editor: $('editor'),
  tabs: $('tabs'),
  examples: $<HTMLSelectElement>('examples'),
  run: $<HTMLButtonElement>('run'),
  stop: $<HTMLButtonElement>('stop'),
  share: $<HTMLButtonElement>('share'),
  drafts: $<HTMLSelectElement>('drafts'),
  notice: $('notice'),
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

/** Local or session storage, or undefined where the browser forbids it. */
function storage(which: 'localStorage' | 'sessionStorage'): Storage | undefined {
  try {
    return window[which];
  } catch {
    return undefined;
  }
}

/** The language worker, watched (checker.ts): markers, completion, hover, definition. */
const unfinished = new UnfinishedChecks(storage('localStorage'));
const checker = new Checker(new URL('lifespec.worker.js', document.baseURI), { diagnostics: (m) => showMarkers(m.version, m.markers, m.checkMs), failed: (f) => showCheckFailure(f) }, unfinished);

// ---- the files: a draft of this tab, of the last visit, from a link, or the §1 example ---------

const allExamples = examples();
const seed = allExamples.find((e) => e.id === 'seed');
const drafts = new Drafts(storage('localStorage'), storage('sessionStorage'));

const fromHash = filesFromHash(location.hash);
const initial = drafts.storedFiles ?? single(seed?.text ?? '');
const editor = monaco.editor.create(ui.editor, {
  model: null,
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

const tabs = new Tabs(
  editor,
  ui.tabs,
  LANGUAGE_ID,
  {
    edited: () => edited(),
    changed: () => edited(),
    switched: () => {
      // The markers shown are the tabs' own, or stale: the shown version says which, for this tab's model.
      stats.shownVersion = stats.shownTabsVersion === tabs.version ? tabs.active.model.getVersionId() : -1;
    },
    closed: (file, reopen) => menu.notice(`Closed ${file.name}.`, [{ label: `Reopen ${file.name}`, run: reopen }]),
    say: (text) => toast(text),
  },
  initial,
);
registerLifespec(monaco, checker, { question: (m, offset) => tabs.question(m, offset), model: (uri) => tabs.byName(uri)?.model });
const problems = new Problems(tabs, editor, ui.problems, ui.problemList);

/** Shows other files (a draft's, a link's or an example's): new tabs, whose undo history is their own. */
function showFiles(files: readonly SpecFile[]): void {
  tabs.replace(files);
  editor.setPosition({ lineNumber: 1, column: 1 });
  editor.revealLine(1);
  edited(true);
  clearResults('Press Run to explore every scenario.');
}

const menu = new DraftMenu(drafts, ui.drafts, ui.notice, (id) => switchDraft(id));

/** Opens a link's or an example's files as a new draft; the files they replace on screen stay a pick away. */
function openText(files: readonly SpecFile[], origin: Origin, what: string): void {
  save();
  const previous = drafts.open(files, origin);
  showFiles(files);
  save();
  if (previous) menu.notice(`${what}, as a new draft. Your previous text is kept under Drafts.`, [{ label: 'Restore your previous text', run: () => switchDraft(previous.id) }]);
  else toast(`${what}.`);
  menu.refresh();
}

/** Shows a stored draft in this tab (the draft the tab showed stays stored). */
function switchDraft(id: string): void {
  save();
  const files = drafts.loadFiles(id);
  if (files === undefined) return toast('That draft is no longer stored.');
  showFiles(files);
  menu.hideNotice();
  menu.refresh();
}

function openFromHash(hash: ReturnType<typeof filesFromHash>): void {
  const n = hash.files?.length ?? 0;
  if (hash.files) openText(hash.files, { kind: 'link', label: 'a link' }, n === 1 ? 'Opened the spec from the link' : `Opened the ${n} files of the link`);
  else if (hash.invalid) toast('The link’s #code= or #files= is not base64url of UTF-8 text (or of a list of files); your own text is shown instead.');
  // The files now live in their draft; a reload must show later edits, not the link's files again.
  if (hash.files || hash.invalid) history.replaceState(null, '', location.pathname + location.search);
}

// ---- autosave, and other tabs ------------------------------------------------------

/** Saves the text to this tab's draft now (drafts.ts decides whether it goes to a new one). */
function save(): void {
  clearTimeout(saveTimer);
  saveTimer = undefined;
  const r = drafts.save(tabs.files());
  document.body.dataset.saveState = r === 'failed' ? 'failed' : 'saved';
  if (r === 'forked') {
    menu.notice('Another tab saved over this draft, so this tab’s text is now saved as a new draft of its own. Both are under Drafts.');
    menu.refresh();
  } else if (r === 'failed') {
    menu.notice('This text could not be autosaved: the browser’s storage is full or turned off. It will not come back after a reload: Share it, or copy it somewhere.');
  }
}
save();
menu.refresh();
window.addEventListener('pagehide', save);
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'hidden') save();
});

// Another tab wrote to local storage: a draft of ours may have been saved over.
window.addEventListener('storage', (e) => {
  if (e.storageArea !== storage('localStorage')) return;
  const news = drafts.notice(e.key, e.newValue);
  if (!news) return;
  menu.refreshSoon();
  if (news.kind !== 'overwritten') return;
  // Edits not saved yet go to a new draft now; otherwise the next edit will.
  if (filesKey(tabs.files()) !== filesKey(drafts.storedFiles ?? [])) return save();
  menu.notice('Another tab saved this draft. This tab keeps its text; edit it and it is saved as a new draft.', [{ label: 'Show the other tab’s text', run: () => switchDraft(drafts.currentId) }]);
});

openFromHash(fromHash);
window.addEventListener('hashchange', () => openFromHash(filesFromHash(location.hash)));

// ---- diagnostics while typing ------------------------------------------------------


function requestCheck(): void {
  clearTimeout(checkTimer);
  checkTimer = undefined;
  checker.check(tabs.snapshot());
}

/** A tab was edited, or tabs added, renamed or closed (`byPage`: the page replaced them, which is no edit of the user's). */
function edited(byPage = false): void {
  editedAt.set(tabs.version, performance.now());
  stats.shownVersion = -1;
  clearTimeout(checkTimer);
  checkTimer = setTimeout(requestCheck, CHECK_DEBOUNCE_MS);
  if (!byPage) drafts.markEdited();
  clearTimeout(saveTimer);
  document.body.dataset.saveState = 'pending';
  saveTimer = setTimeout(save, SAVE_DEBOUNCE_MS);
}

/** The status line says why the text is not checked; the next diagnostics take that back. */
let statusIsCheck = false;

function setStatus(text: string, fromCheck = false): void {
  ui.status.textContent = text;
  statusIsCheck = fromCheck;
}

function showMarkers(version: number, markers: MarkersByFile, checkMs: number): void {
  // A check of tabs that have been edited since is dropped: its positions are stale.
  if (version !== tabs.version) {
    stats.staleDropped++;
    return;
  }
  problems.show(markers);
  const now = performance.now();
  stats.firstDiagnosticsMs ??= now;
  const edited = editedAt.get(version);
  if (edited !== undefined) stats.lastEditToMarkersMs = now - edited;
  for (const v of editedAt.keys()) if (v <= version) editedAt.delete(v);
  stats.shownVersion = tabs.active.model.getVersionId();
  stats.shownTabsVersion = version;
  stats.lastCheckMs = checkMs;
  document.body.dataset.diagnostics = 'ready';
  document.body.dataset.markersVersion = String(version);
  if (statusIsCheck) setStatus('');
}

/**
 * No diagnostics for the text: the checker threw, hung or died. The page says
 * so instead of "checking…"; the editor, Run and the next check go on.
 */
function showUnchecked(why: string): void {
  problems.clear();
  ui.problems.textContent = 'not checked';
  ui.problems.classList.add('has-errors');
  ui.problems.title = 'Check the text again';
  document.body.dataset.diagnostics = 'failed';
  if (!running) setStatus(why, true);
}

function showCheckFailure(f: CheckFailure): void {
  // The tabs have been edited since: the edit's own check is on its way.
  if (f.kind === 'error' && f.version !== tabs.version) return;
  const again = 'The editor still works: edit the text, or click “not checked”, to check it again.';
  if (f.kind === 'error') showUnchecked(`Not checked: the checker failed on this text (${f.message}). ${again}`);
  else if (f.kind === 'timeout') showUnchecked(`Not checked: the checker was stopped, ${f.message}. ${again}`);
  else showUnchecked(`Not checked: the checker stopped (${f.message}). ${again}`);
}

ui.problems.addEventListener('click', () => {
  if (document.body.dataset.diagnostics === 'failed') return requestCheck();
  const first = problems.all[0];
  if (first) problems.reveal(first);
});



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
  if (ex) openText(single(ex.text), { kind: 'example', label: ex.label }, `Opened ${ex.label}`);
  ui.examples.value = '';
  editor.focus();
});

// ---- share ------------------------------------------------------------------------


ui.share.addEventListener('click', async () => {
  const files = tabs.files();
  const url = `${location.origin}${location.pathname}${encodeFiles(files)}`;
  let copied = false;
  try {
    await navigator.clipboard.writeText(url);
    copied = true;
  } catch {
    /* no clipboard permission: the link is still in the address bar */
  }
  history.replaceState(null, '', url);
  document.body.dataset.shareUrl = url;
  const what = files.length === 1 ? 'this spec' : `these ${files.length} files`;
  toast(copied ? `Link copied: it opens ${what}.` : `The address bar now holds a link that opens ${what}.`);
});

// ---- run --------------------------------------------------------------------------

let runWorker: Worker | undefined;
let runId = 0;
type Progress = Extract<Response, { type: 'progress' }>;
let running:
  | {
      id: number;
      stop?: Int32Array;
      killTimer?: ReturnType<typeof setTimeout>;
      started: number;
      scenarios: number;
      /** The explorer's last report, and when it came. */
      progress?: { report: Progress; at: number };
      /** Redraws the status line, so it moves even between the explorer's reports. */
      ticker: ReturnType<typeof setInterval>;
      stopping?: boolean;
    }
  | undefined;

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

function showScenario(r: ScenarioResult, timelines: readonly string[]): void {
  ui.results.querySelector('.hint')?.remove();
  ui.results.append(scenarioCard(r, timelines));
}

function finishRun(note: string): void {
  if (!running) return;
  clearTimeout(running.killTimer);
  clearInterval(running.ticker);
  running = undefined;
  setRunning(false);
  setStatus(note);
  document.body.dataset.runState = 'done';
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * The status line during a run: the explorer's last report, with the time
 * counted on from it by the page's clock, so that a slow step between two
 * reports still shows the search going on.
 */
function showRunStatus(): void {
  if (!running || running.stopping) return;
  const now = performance.now();
  const p = running.progress;
  const n = running.scenarios;
  if (p) setStatus(`Exploring ${p.report.scenario}: ${fmt(p.report.states)} states, ${fmt(p.report.transitions)} transitions, ${seconds(p.report.elapsedMs + now - p.at)}`);
  else setStatus(`${n === 0 ? 'Exploring…' : `Explored ${n} scenario${n === 1 ? '' : 's'}…`} ${seconds(now - running.started)}`);
}

function onRunMessage(m: Response): void {
  if (!running || !('run' in m) || m.run !== running.id) return;
  switch (m.type) {
    case 'progress':
      running.progress = { report: m, at: performance.now() };
      showRunStatus();
      document.body.dataset.progressStates = String(m.states);
      return;
    case 'scenario':
      running.scenarios++;
      delete running.progress;
      showScenario(m.result, m.timelines);
      showRunStatus();
      return;
    case 'run-errors':
      // The editor's own check shows them as squiggles and in the problem list.
      clearResults(`Not explored: the spec has ${m.count} problem${m.count === 1 ? '' : 's'} (squiggled in the editor). Fix them and press Run again.`);
      finishRun('Not explored: fix the errors first.');
      return;
    case 'run-failed':
      clearResults(`The explorer failed: ${m.message}`);
      finishRun(`Failed: ${m.message}.`);
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
  // The run checks the tabs as they are now, whatever the editor's pending check.
  const snapshot = tabs.snapshot();
  const uri = tabs.active.name;
  clearResults('Exploring…');
  runWorker ??= new Worker(new URL('lifespec.worker.js', document.baseURI));
  runWorker.onmessage = (e: MessageEvent<Response>) => onRunMessage(e.data);
  // The worker catches what the explorer throws; this is for a worker that died all the same.
  runWorker.onerror = (e) => {
    e.preventDefault();
    runCrashed(e.message || 'the worker stopped');
  };
  runWorker.onmessageerror = () => runCrashed('an answer could not be read');
  const id = ++runId;
  const canShare = typeof SharedArrayBuffer !== 'undefined' && globalThis.crossOriginIsolated === true;
  const stop = canShare ? new Int32Array(new SharedArrayBuffer(4)) : undefined;
  const maxStates = Math.max(1, Math.floor(Number(ui.maxStates.value) || DEFAULT_MAX_STATES));
  running = { id, started: performance.now(), scenarios: 0, ticker: setInterval(showRunStatus, RUN_STATUS_MS), ...(stop ? { stop } : {}) };
  stats.runs++;
  setRunning(true);
  document.body.dataset.runState = 'running';
  showRunStatus();
  runWorker.postMessage({ type: 'run', run: id, ...snapshot, uri, maxStates, ...(stop ? { stop } : {}) } satisfies Request);
}

/** The run's worker died: it is let go (the next Run starts another), and the page says so. */
function runCrashed(message: string): void {
  runWorker?.terminate();
  runWorker = undefined;
  if (!running) return;
  clearResults(`The explorer stopped: ${message}. Edit the spec, or press Run to try again.`);
  finishRun(`Failed: the explorer stopped (${message}).`);
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
  running.stopping = true;
  setStatus('Stopping…');
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

// The first check, now that the page is set up. A text whose check never finished last time (the
// page hung or crashed on it) is not checked again by itself: a reload must not get stuck again.
if (unfinished.has(filesKey(tabs.files()))) {
  showUnchecked('Not checked: the last check of this text did not finish (the checker hung, or the page was closed while it ran). Edit the text, or click “not checked”, to check it.');
} else requestCheck();

// ---- clicking a step shows its line ---------------------------------------------------

function selectStep(step: Element): void {
  const uri = step.getAttribute('data-uri');
  const line = Number(step.getAttribute('data-line'));
  if (!line) return;
  ui.results.querySelectorAll('.lt-selected').forEach((x) => x.classList.remove('lt-selected'));
  step.classList.add('lt-selected');
  const tab = uri === null ? undefined : tabs.byName(uri);
  if (!tab) {
    toast(`Step ${step.getAttribute('data-step')} is in ${uri}, line ${line}.`);
    return;
  }
  tabs.activate(tab);
  editor.setSelection(new monaco.Range(line, 1, line, tab.model.getLineMaxColumn(line)));
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
(window as unknown as { lifespecPlayground: unknown }).lifespecPlayground = {
  monaco,
  editor,
  tabs,
  /** The shown tab's model. */
  get model() {
    return tabs.active.model;
  },
  stats,
  drafts,
  limits: checker.limits,
};
