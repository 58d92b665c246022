/**
 * The drafts on the page: the Drafts menu, which lists every stored draft
 * (the one saved last first) and shows the one picked, and the notice bar
 * above the editor, which says when a link or an example was opened as a new
 * draft (with a button that brings the previous text back), or when another
 * tab saved over this tab's draft.
 */
import { draftLabel, type Drafts } from './drafts.js';

export interface NoticeAction {
  readonly label: string;
  readonly run: () => void;
}

export class DraftMenu {
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly drafts: Drafts,
    private readonly select: HTMLSelectElement,
    private readonly bar: HTMLElement,
    private readonly pick: (id: string) => void,
  ) {
    select.addEventListener('change', () => {
      const id = select.value;
      select.value = '';
      if (id && id !== drafts.currentId) pick(id);
    });
    // Other tabs save too: the list is read again whenever it is about to be used.
    select.addEventListener('focus', () => this.refresh());
    select.addEventListener('pointerdown', () => this.refresh());
  }

  /** Fills the menu from storage. */
  refresh(): void {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = undefined;
    const list = this.drafts.list();
    const placeholder = new Option(`Drafts (${list.length})…`, '');
    placeholder.disabled = true;
    placeholder.selected = true;
    const options = list.map((d) => new Option(`${draftLabel(d)}${d.id === this.drafts.currentId ? ' — shown here' : ''}`, d.id));
    this.select.replaceChildren(placeholder, ...options);
  }

  /** Refreshes a little later: another tab saving as it is typed in fires an event per save. */
  refreshSoon(): void {
    this.refreshTimer ??= setTimeout(() => this.refresh(), 1000);
  }

  /** Shows a notice until it is dismissed, another replaces it, or an action is taken. */
  notice(text: string, actions: readonly NoticeAction[] = []): void {
    const message = document.createElement('span');
    message.className = 'notice-text';
    message.textContent = text;
    const buttons = actions.map((a) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = a.label;
      b.addEventListener('click', () => {
        this.hideNotice();
        a.run();
      });
      return b;
    });
    const close = document.createElement('button');
    close.type = 'button';
    close.className = 'notice-close';
    close.title = 'Dismiss';
    close.setAttribute('aria-label', 'Dismiss');
    close.textContent = '×';
    close.addEventListener('click', () => this.hideNotice());
    this.bar.replaceChildren(message, ...buttons, close);
    this.bar.hidden = false;
  }

  hideNotice(): void {
    this.bar.hidden = true;
    this.bar.replaceChildren();
  }
}
