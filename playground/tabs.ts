/**
 * The tabs above the editor: one file each, one Monaco model each, the first
 * the main spec (Run explores it, and the files it uses are checked as part
 * of it). A tab is added with +, renamed by a double click (or F2) on its
 * name, and closed with its ×; the last one stays. The page's version of the
 * tabs goes up on every edit in any of them and every change of the set, so
 * an answer of the worker is matched to the tabs it was about. A definition
 * in another tab switches to it (an editor opener Monaco calls).
 */
import * as monaco from './monaco.js';
import { freeName, nameProblem, type SpecFile } from './files.js';
import type { Question, Snapshot } from './protocol.js';

export interface Tab {
  readonly id: number;
  name: string;
  readonly model: monaco.editor.ITextModel;
  view: monaco.editor.ICodeEditorViewState | null;
  /** The errors its markers show, on its tab. */
  errors: number;
}

export interface TabEvents {
  /** A tab's text was edited (by the user or a script: the page's own replacing says so itself). */
  edited(tab: Tab): void;
  /** Tabs were added, renamed or closed: the spec's files are others. */
  changed(): void;
  /** Another tab is shown. */
  switched(tab: Tab): void;
  /** A tab was closed; `reopen` brings it back where it was. */
  closed(file: SpecFile, reopen: () => void): void;
  /** Something to tell the user (a name refused). */
  say(text: string): void;
}

export class Tabs {
  private tabs: Tab[] = [];
  private current: Tab | undefined;
  private nextId = 1;
  /** While every tab is replaced: no `switched` for the tab shown first (the page does what follows a replace itself). */
  private replacing = false;
  /** The name being edited, in place of the tab's name, and whether the bar is being redrawn under it. */
  private renaming: { tab: Tab; input: HTMLInputElement } | undefined;
  private redrawing = false;
  /** One more on every edit of any tab and every change of the set of tabs. */
  version = 0;

  constructor(
    private readonly editor: monaco.editor.IStandaloneCodeEditor,
    private readonly bar: HTMLElement,
    private readonly languageId: string,
    private readonly on: TabEvents,
    files: readonly SpecFile[],
  ) {
    this.replace(files);
    // Switching models cancels what Monaco's contributions had in flight (the word highlighter's delayed
    // search), and some of those promises reject with nobody to catch them: a cancellation, not an error.
    window.addEventListener('unhandledrejection', (e) => {
      const reason = e.reason as { name?: unknown; message?: unknown } | undefined;
      if (reason?.name === 'Canceled' && reason.message === 'Canceled') e.preventDefault();
    });
    monaco.editor.registerEditorOpener({
      openCodeEditor: (_source, resource, selection) => {
        const tab = this.tabs.find((t) => t.model.uri.toString() === resource.toString());
        if (!tab) return false;
        // After the command that asked has finished with the model it started on.
        setTimeout(() => {
          if (!this.tabs.includes(tab)) return;
          this.activate(tab);
          if (selection && 'endLineNumber' in selection) {
            this.editor.setSelection(selection);
            this.editor.revealRangeInCenter(selection);
          } else if (selection) {
            this.editor.setPosition(selection);
            this.editor.revealPositionInCenter(selection);
          }
          this.editor.focus();
        }, 0);
        return true;
      },
    });
  }

  get list(): readonly Tab[] {
    return this.tabs;
  }

  get active(): Tab {
    return this.current!;
  }

  get main(): Tab {
    return this.tabs[0]!;
  }

  byName(name: string): Tab | undefined {
    return this.tabs.find((t) => t.name === name);
  }

  byModel(model: monaco.editor.ITextModel): Tab | undefined {
    return this.tabs.find((t) => t.model === model);
  }

  files(): SpecFile[] {
    return this.tabs.map((t) => ({ name: t.name, text: t.model.getValue() }));
  }

  snapshot(): Snapshot {
    return { version: this.version, files: this.files(), main: this.main.name };
  }

  /** A question about `model` at `offset`, with the tabs as they are now. */
  question(model: monaco.editor.ITextModel, offset: number): Question | undefined {
    const tab = this.byModel(model);
    return tab ? { ...this.snapshot(), uri: tab.name, offset } : undefined;
  }

  /** Every tab replaced by `files` (a draft's, a link's, an example's); the main tab is shown. */
  replace(files: readonly SpecFile[]): void {
    const old = this.tabs;
    this.tabs = [];
    for (const f of files) this.create(f);
    if (this.tabs.length === 0) this.create({ name: 'main.lspec', text: '' });
    this.current = undefined;
    this.replacing = true;
    try {
      this.activate(this.tabs[0]!);
    } finally {
      this.replacing = false;
    }
    for (const t of old) t.model.dispose();
    this.version++;
    this.render();
  }

  /** A new tab (named `file2.lspec` and so on unless a name is given), shown. */
  add(file: Partial<SpecFile> = {}, at = this.tabs.length): Tab {
    const name = file.name !== undefined && !nameProblem(file.name, this.names()) ? file.name : freeName(this.names());
    const tab = this.create({ name, text: file.text ?? '' }, at);
    this.activate(tab);
    this.touch();
    return tab;
  }

  /** Renames a tab; why not, when the name cannot be one (it is left as it was). */
  rename(tab: Tab, name: string): string | undefined {
    if (name === tab.name) return undefined;
    const problem = nameProblem(name, this.names().filter((n) => n !== tab.name));
    if (problem) return problem;
    tab.name = name;
    this.touch();
    return undefined;
  }

  /** Closes a tab (not the last one); the tab before it is shown if it was. */
  close(tab: Tab): void {
    const i = this.tabs.indexOf(tab);
    if (i < 0 || this.tabs.length === 1) return;
    const file = { name: tab.name, text: tab.model.getValue() };
    this.tabs.splice(i, 1);
    if (this.current === tab) {
      this.current = undefined;
      this.activate(this.tabs[Math.max(0, i - 1)]!);
    }
    tab.model.dispose();
    this.touch();
    this.on.closed(file, () => this.add(file, Math.min(i, this.tabs.length)));
  }

  /** Shows a tab in the editor, with the cursor and scroll it had. */
  activate(tab: Tab): void {
    if (tab === this.current) return;
    if (this.current) this.current.view = this.editor.saveViewState();
    this.current = tab;
    this.editor.setModel(tab.model);
    if (tab.view) this.editor.restoreViewState(tab.view);
    this.render();
    if (!this.replacing) this.on.switched(tab);
  }

  /** The error counts on the tabs, by name (the bar is not redrawn: a name being edited stays as it is). */
  setErrors(errors: Readonly<Record<string, number>>): void {
    for (const t of this.tabs) t.errors = errors[t.name] ?? 0;
    for (const item of this.bar.querySelectorAll<HTMLElement>('.tab')) {
      const t = this.byName(item.dataset.name ?? '');
      item.querySelector('.tab-errors')?.remove();
      if (t && t.errors > 0) item.querySelector('.tab-name, .tab-rename')?.after(this.badge(t));
    }
  }

  private badge(t: Tab): HTMLElement {
    const badge = document.createElement('span');
    badge.className = 'tab-errors';
    badge.textContent = String(t.errors);
    badge.title = `${t.errors} error${t.errors === 1 ? '' : 's'} in ${t.name}`;
    return badge;
  }

  private names(): string[] {
    return this.tabs.map((t) => t.name);
  }

  private create(f: SpecFile, at = this.tabs.length): Tab {
    const id = this.nextId++;
    const model = monaco.editor.createModel(f.text, this.languageId, monaco.Uri.from({ scheme: 'lifespec-tab', path: `/${id}` }));
    const tab: Tab = { id, name: f.name, model, view: null, errors: 0 };
    model.onDidChangeContent(() => {
      this.version++;
      this.on.edited(tab);
    });
    this.tabs.splice(at, 0, tab);
    return tab;
  }

  private touch(): void {
    this.version++;
    this.render();
    this.on.changed();
  }

  /** Draws the bar: a tab per file (its name, its errors, its ×), then +. */
  render(): void {
    const items = this.tabs.map((t, i) => {
      const item = document.createElement('div');
      item.className = `tab${t === this.current ? ' active' : ''}${i === 0 ? ' main' : ''}`;
      item.setAttribute('role', 'tab');
      item.setAttribute('aria-selected', String(t === this.current));
      item.dataset.name = t.name;
      const name = document.createElement('button');
      name.type = 'button';
      name.className = 'tab-name';
      name.textContent = t.name;
      name.title = `${i === 0 ? 'The main spec: Run explores it, with the files it uses. ' : ''}Double-click (or F2) to rename.`;
      name.addEventListener('click', () => this.activate(t));
      name.addEventListener('dblclick', () => this.startRename(t));
      name.addEventListener('keydown', (e) => {
        if (e.key === 'F2') {
          e.preventDefault();
          this.startRename(t);
        }
      });
      item.append(this.renaming?.tab === t ? this.renaming.input : name);
      if (t.errors > 0) item.append(this.badge(t));
      if (this.tabs.length > 1) {
        const close = document.createElement('button');
        close.type = 'button';
        close.className = 'tab-close';
        close.textContent = '×';
        close.title = `Close ${t.name}`;
        close.setAttribute('aria-label', `Close ${t.name}`);
        close.addEventListener('click', () => this.close(t));
        item.append(close);
      }
      return item;
    });
    const add = document.createElement('button');
    add.type = 'button';
    add.className = 'tab-add';
    add.textContent = '+';
    add.title = 'Add a file: another tab, which a `use "name.lspec"` line of a spec can load';
    add.setAttribute('aria-label', 'Add a file');
    add.addEventListener('click', () => {
      const tab = this.add();
      this.startRename(tab);
    });
    this.redrawing = true;
    try {
      this.bar.replaceChildren(...items, add);
      this.renaming?.input.focus();
    } finally {
      this.redrawing = false;
    }
  }

  /** An input in place of the tab's name: Enter takes the name, Escape or leaving it keeps the old one. */
  startRename(tab: Tab): void {
    const item = [...this.bar.querySelectorAll<HTMLElement>('.tab')].find((x) => x.dataset.name === tab.name);
    const label = item?.querySelector('.tab-name');
    if (!item || !label) return;
    const input = document.createElement('input');
    input.className = 'tab-rename';
    input.value = tab.name;
    input.setAttribute('aria-label', `Rename ${tab.name}`);
    input.size = Math.max(8, tab.name.length + 2);
    const finish = (take: boolean) => {
      if (this.renaming?.input !== input) return;
      this.renaming = undefined;
      const problem = take ? this.rename(tab, input.value.trim()) : undefined;
      if (problem) this.on.say(`Not renamed: ${problem}.`);
      this.render();
      this.editor.focus();
    };
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        finish(true);
      } else if (e.key === 'Escape') {
        e.preventDefault();
        finish(false);
      }
    });
    input.addEventListener('blur', () => {
      if (!this.redrawing) finish(true);
    });
    this.renaming = { tab, input };
    label.replaceWith(input);
    input.focus();
    input.select();
  }
}
