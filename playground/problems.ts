/**
 * The problems on the page: each tab's markers as Monaco's squiggles, the
 * error count on each tab, the `N errors` button and the list above the
 * results, where a click shows the problem (in its tab).
 */
import * as monaco from './monaco.js';
import type { Marker, MarkersByFile } from './protocol.js';
import { el } from './results.js';
import type { Tab, Tabs } from './tabs.js';

/** A marker with the tab it is in. */
export interface Problem extends Marker {
  readonly file: string;
}

function toMarkerData(model: monaco.editor.ITextModel, m: Marker): monaco.editor.IMarkerData {
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

export class Problems {
  private shown: Problem[] = [];

  constructor(
    private readonly tabs: Tabs,
    private readonly editor: monaco.editor.IStandaloneCodeEditor,
    private readonly button: HTMLButtonElement,
    private readonly list: HTMLElement,
  ) {}

  /** The problems shown, the main tab's first, then each other tab's in order. */
  get all(): readonly Problem[] {
    return this.shown;
  }

  /** Shows every tab's markers (a tab the answer does not name has none). */
  show(markers: MarkersByFile): void {
    this.shown = [];
    const errors: Record<string, number> = {};
    for (const t of this.tabs.list) {
      const mine = markers[t.name] ?? [];
      monaco.editor.setModelMarkers(t.model, 'lifespec', mine.map((m) => toMarkerData(t.model, m)));
      errors[t.name] = mine.filter((m) => m.severity === 'error').length;
      this.shown.push(...mine.map((m) => ({ ...m, file: t.name })));
    }
    this.tabs.setErrors(errors);
    const count = Object.values(errors).reduce((a, b) => a + b, 0);
    this.button.textContent = count === 0 ? 'no problems' : `${count} error${count === 1 ? '' : 's'}`;
    this.button.classList.toggle('has-errors', count > 0);
    this.button.title = 'Go to the first problem';
    this.showList();
  }

  /** No markers anywhere: the text is not checked (the button says so). */
  clear(): void {
    for (const t of this.tabs.list) monaco.editor.setModelMarkers(t.model, 'lifespec', []);
    this.tabs.setErrors({});
    this.shown = [];
    this.showList();
  }

  /** Shows a problem: its tab, its range selected. */
  reveal(p: Problem): void {
    const tab: Tab | undefined = this.tabs.byName(p.file);
    if (tab) this.tabs.activate(tab);
    this.editor.setSelection(new monaco.Range(p.startLineNumber, p.startColumn, p.endLineNumber, p.endColumn));
    this.editor.revealLineInCenter(p.startLineNumber);
    this.editor.focus();
  }

  /** The problems, one a line, above the results; with several tabs each says its tab. */
  private showList(): void {
    const ps = this.shown;
    this.list.replaceChildren();
    this.list.hidden = ps.length === 0;
    if (ps.length === 0) return;
    this.list.append(el('h2', '', `${ps.length} problem${ps.length === 1 ? '' : 's'}: the spec is not explored until they are fixed`));
    const several = this.tabs.list.length > 1;
    const list = el('ul', '');
    for (const p of ps) {
      const item = el('li', '');
      const button = el('button', 'problem', '');
      button.type = 'button';
      button.dataset.file = p.file;
      if (several) button.append(el('span', 'file', p.file));
      button.append(el('span', 'where', `line ${p.startLineNumber}:${p.startColumn}`), el('span', 'what', p.message), el('span', 'code', p.code));
      button.addEventListener('click', () => this.reveal(p));
      item.append(button);
      list.append(item);
    }
    this.list.append(list);
  }
}
