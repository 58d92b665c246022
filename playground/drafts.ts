/**
 * The texts the playground keeps in the browser. Each draft has a key of its
 * own in local storage, so opening a shared link or an example starts a new
 * draft instead of overwriting the user's text, and the earlier drafts stay
 * one pick away. Each tab remembers (in session storage, which a reload keeps
 * and another tab does not see) which draft it shows, and the revision of it
 * it last saw: when another tab has saved over that draft since, this tab
 * saves its own text as a new draft instead. A draft keeps every tab's file;
 * its `text` is the main tab's, which is all a draft had before tabs. No DOM
 * here but `Storage`, so test/playground.test.ts runs it under Node.
 */
import { filesKey, isSingle, single, validFiles, type SpecFile } from './files.js';

/** Local storage: one key per draft, its value a `Draft` as JSON. */
export const DRAFT_PREFIX = 'lifespec.playground.draft.';
/** Where the playground kept its one text before drafts; read once and moved into a draft. */
export const LEGACY_KEY = 'lifespec.playground.text';
/** Session storage: the id of the draft this tab shows. */
export const CURRENT_KEY = 'lifespec.playground.current';
/** Older drafts beyond this many are let go, the oldest unedited ones first. */
export const MAX_DRAFTS = 20;

export interface Origin {
  /** An example can be picked again; a link may be gone; `saved` is text from before drafts. */
  readonly kind: 'example' | 'link' | 'saved';
  /** How the drafts menu names it: `a link`, the example's label. */
  readonly label: string;
}

export interface Draft {
  readonly id: string;
  /** The main tab's text. */
  readonly text: string;
  /** Every tab's file, the main tab first; absent when the draft is one file of the default name. */
  readonly files?: readonly SpecFile[];
  /** `Date.now()` of the last save. */
  readonly savedAt: number;
  /** 1 on the first save, one more on each; a tab compares it with the one it saw last. */
  readonly rev: number;
  /** The tab that saved it last (a random id per page load). */
  readonly tab: string;
  readonly origin: Origin;
  /** Whether anyone has typed in it since it was opened from its origin. */
  readonly edited: boolean;
}

/** What `save` did. `forked`: another tab had saved over this draft, so the text went to a new one. */
export type SaveResult = 'unchanged' | 'saved' | 'forked' | 'failed';

/** What a `storage` event from another tab means to this one. */
export type StorageNews = { readonly kind: 'overwritten'; readonly by: Draft } | { readonly kind: 'list' } | undefined;

/** What is used of the DOM's `Storage`; every call may throw (storage disabled, or full). */
export interface KeyValueStore {
  readonly length: number;
  key(index: number): string | null;
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export function newId(): string {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

/** The drafts, and the one this tab edits. */
export class Drafts {
  /** The draft this tab shows. */
  private id: string;
  private origin: Origin;
  private edited = false;
  /** The revision this tab saved or loaded last (0 before the draft is first saved), and the tab that wrote it. */
  private rev = 0;
  private revTab = '';
  /** The files as last saved or loaded, to skip saves that change nothing. */
  private savedFiles: SpecFile[] | undefined;
  /** Another tab's save over this draft, since this tab last saved or loaded it. */
  private overwrittenBy: Draft | undefined;

  constructor(
    private readonly local: KeyValueStore | undefined,
    private readonly session: KeyValueStore | undefined,
    readonly tab = newId(),
    private readonly now: () => number = () => Date.now(),
  ) {
    this.migrate();
    const current = this.get(this.sessionGet() ?? '');
    // A reload shows the tab's own draft; a new tab the draft saved last; a first visit nothing yet.
    const start = current ?? this.list()[0];
    this.id = start?.id ?? newId();
    this.origin = start?.origin ?? { kind: 'example', label: 'the §1 example' };
    this.switchTo({ id: this.id, rev: 0 });
    if (start) this.adopt(start);
  }

  /** The id of the draft this tab shows. */
  get currentId(): string {
    return this.id;
  }

  /** The draft's main text as this tab last saved or loaded it; undefined before its first save. */
  get storedText(): string | undefined {
    return this.savedFiles?.[0]?.text;
  }

  /** The draft's files as this tab last saved or loaded them; undefined before its first save. */
  get storedFiles(): SpecFile[] | undefined {
    return this.savedFiles;
  }

  /** Every draft, the one saved last first. */
  list(): Draft[] {
    const out: Draft[] = [];
    for (const key of this.keys()) {
      const d = this.read(key);
      if (d) out.push(d);
    }
    return out.sort((a, b) => b.savedAt - a.savedAt);
  }

  get(id: string): Draft | undefined {
    return id ? this.read(DRAFT_PREFIX + id) : undefined;
  }

  /** The user typed: the draft is theirs now, and is never replaced without being kept. */
  markEdited(): void {
    this.edited = true;
  }

  /**
   * Starts a new draft with `text` (a link's, an example's) and returns the
   * draft it replaces on screen, which stays stored. Only an unedited
   * example is replaced in place: it can be picked again.
   */
  open(content: string | readonly SpecFile[], origin: Origin): Draft | undefined {
    const key = filesKey(asFiles(content));
    const previous = this.get(this.id);
    if (previous && filesKey(draftFiles(previous)) === key) return undefined;
    const kept = previous && (previous.edited || previous.origin.kind !== 'example') ? previous : undefined;
    // The same link opened twice, or an example picked again: its unedited draft, not another copy.
    const same = this.list().find((d) => filesKey(draftFiles(d)) === key && !d.edited);
    if (same) {
      this.load(same.id);
      return kept;
    }
    if (kept || this.edited) this.switchTo({ id: newId(), rev: 0 });
    this.origin = origin;
    this.edited = false;
    this.savedFiles = undefined;
    return kept;
  }

  /** Shows a stored draft in this tab; its main text, or undefined when it is gone. */
  load(id: string): string | undefined {
    return this.loadFiles(id)?.[0]?.text;
  }

  /** Shows a stored draft in this tab; its files, or undefined when it is gone. */
  loadFiles(id: string): SpecFile[] | undefined {
    const d = this.get(id);
    if (!d) return undefined;
    this.switchTo(d);
    this.adopt(d);
    return draftFiles(d);
  }

  /**
   * Saves `text` as this tab's draft, unless it is what was saved last. When
   * another tab has saved over the draft since this tab last saw it, the text
   * becomes a new draft instead: neither tab's text is lost, and the other
   * tab's stays where it was.
   */
  save(content: string | readonly SpecFile[]): SaveResult {
    const files = asFiles(content);
    const stored = this.get(this.id);
    if (this.savedFiles && filesKey(files) === filesKey(this.savedFiles) && stored) return 'unchanged';
    let result: SaveResult = 'saved';
    if (stored && !this.seen(stored)) {
      this.switchTo({ id: newId(), rev: 0 });
      result = 'forked';
    }
    const draft: Draft = { id: this.id, text: files[0]!.text, ...(isSingle(files) ? {} : { files }), savedAt: this.now(), rev: this.rev + 1, tab: this.tab, origin: this.origin, edited: this.edited };
    if (!this.write(draft)) return 'failed';
    this.adopt(draft);
    // Only a new draft adds to the count.
    if (draft.rev === 1) this.prune();
    return result;
  }

  /** Reads a `storage` event (fired in every other tab of the origin when one writes). */
  notice(key: string | null, newValue: string | null): StorageNews {
    if (key === null) return { kind: 'list' };
    if (!key.startsWith(DRAFT_PREFIX)) return undefined;
    if (key !== DRAFT_PREFIX + this.id || newValue === null) return { kind: 'list' };
    const by = parse(newValue);
    if (!by || this.seen(by)) return { kind: 'list' };
    this.overwrittenBy = by;
    return { kind: 'overwritten', by };
  }

  /** Whether another tab saved over this draft since this tab last saved or loaded it. */
  get overwritten(): Draft | undefined {
    return this.overwrittenBy;
  }

  /** Whether `d` is the revision this tab saved or loaded last. */
  private seen(d: Draft): boolean {
    return d.rev === this.rev && d.tab === this.revTab;
  }

  private adopt(d: Draft): void {
    this.origin = d.origin;
    this.edited = d.edited;
    this.rev = d.rev;
    this.revTab = d.tab;
    this.savedFiles = draftFiles(d);
    this.overwrittenBy = undefined;
  }

  private switchTo(d: { id: string; rev: number }): void {
    this.id = d.id;
    this.rev = d.rev;
    this.revTab = '';
    this.overwrittenBy = undefined;
    try {
      this.session?.setItem(CURRENT_KEY, d.id);
    } catch {
      /* no session storage: a reload shows the draft saved last */
    }
  }

  /**
   * Writes a draft. When storage is full, unedited examples are let go (they
   * can be picked again) until it fits; the user's drafts never are, so a
   * text too large to keep fails to save, and says so, instead.
   */
  private write(d: Draft): boolean {
    if (!this.local) return false;
    const value = JSON.stringify(d);
    for (;;) {
      try {
        this.local.setItem(DRAFT_PREFIX + d.id, value);
        return true;
      } catch {
        const spare = this.list().filter((x) => x.id !== d.id && !x.edited && x.origin.kind === 'example');
        if (spare.length === 0) return false;
        for (const x of spare) this.remove(x.id);
      }
    }
  }

  /** Keeps `MAX_DRAFTS`: lets the oldest unedited drafts go first, then the oldest; never this tab's. */
  private prune(): void {
    const others = this.list().filter((d) => d.id !== this.id);
    let excess = others.length + 1 - MAX_DRAFTS;
    if (excess <= 0) return;
    const order = [...others.filter((d) => !d.edited).reverse(), ...others.filter((d) => d.edited).reverse()];
    for (const d of order) {
      if (excess-- <= 0) break;
      this.remove(d.id);
    }
  }

  /** The one text of the playground before drafts becomes a draft (and the old key goes). */
  private migrate(): void {
    try {
      const text = this.local?.getItem(LEGACY_KEY);
      if (text === null || text === undefined) return;
      const id = newId();
      const d: Draft = { id, text, savedAt: this.now(), rev: 1, tab: this.tab, origin: { kind: 'saved', label: 'your saved text' }, edited: true };
      this.local!.setItem(DRAFT_PREFIX + id, JSON.stringify(d));
      this.local!.removeItem(LEGACY_KEY);
    } catch {
      /* storage full or disabled: the old text stays where it is */
    }
  }

  private keys(): string[] {
    const out: string[] = [];
    try {
      const n = this.local?.length ?? 0;
      for (let i = 0; i < n; i++) {
        const k = this.local!.key(i);
        if (k?.startsWith(DRAFT_PREFIX)) out.push(k);
      }
    } catch {
      /* storage disabled */
    }
    return out;
  }

  private read(key: string): Draft | undefined {
    try {
      const v = this.local?.getItem(key);
      return v ? parse(v) : undefined;
    } catch {
      return undefined;
    }
  }

  private remove(id: string): void {
    try {
      this.local?.removeItem(DRAFT_PREFIX + id);
    } catch {
      /* storage disabled */
    }
  }

  private sessionGet(): string | undefined {
    try {
      return this.session?.getItem(CURRENT_KEY) ?? undefined;
    } catch {
      return undefined;
    }
  }
}

/** A stored draft, or undefined when the value is not one (written by hand, or by a newer version). */
function parse(value: string): Draft | undefined {
  try {
    const d = JSON.parse(value) as Partial<Draft>;
    if (typeof d.id !== 'string' || typeof d.text !== 'string' || typeof d.rev !== 'number' || typeof d.savedAt !== 'number') return undefined;
    // Files that do not read as files (a newer version's, or edited by hand) leave the main text, which always does.
    const files = d.files === undefined ? undefined : validFiles(d.files);
    return { id: d.id, text: d.text, ...(files && files[0]!.text === d.text ? { files } : {}), rev: d.rev, savedAt: d.savedAt, tab: String(d.tab ?? ''), origin: d.origin ?? { kind: 'saved', label: 'your saved text' }, edited: d.edited ?? true };
  } catch {
    return undefined;
  }
}

/** A draft's files: its tabs', or its one text as the main file. */
export function draftFiles(d: Draft): SpecFile[] {
  return d.files ? [...d.files] : single(d.text);
}

function asFiles(content: string | readonly SpecFile[]): SpecFile[] {
  return typeof content === 'string' ? single(content) : [...content];
}

/** How the drafts menu names a draft: when it was saved, its first comment or line, where it came from, how many files. */
export function draftLabel(d: Draft, now = Date.now()): string {
  const first = d.text.split('\n').find((l) => l.trim() !== '')?.trim() ?? '(empty)';
  const summary = first.replace(/^\/\/\/?\s*/, '');
  const short = summary.length > 48 ? `${summary.slice(0, 47)}…` : summary;
  const at = new Date(d.savedAt);
  const sameDay = new Date(now).toDateString() === at.toDateString();
  const when = sameDay ? at.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' }) : at.toLocaleDateString('en-GB', { day: 'numeric', month: 'short' });
  const from = d.edited ? (d.origin.kind === 'saved' ? 'your text' : `edited, from ${d.origin.label}`) : d.origin.label;
  const files = d.files && d.files.length > 1 ? `, ${d.files.length} files` : '';
  return `${when} · ${short} (${from}${files})`;
}
