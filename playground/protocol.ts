/**
 * The messages between the playground page and its worker. The page never
 * parses, checks or explores: it sends the files of its tabs, the worker
 * answers. Positions are 1-based lines and columns (UTF-16), as Monaco counts
 * them, each in the file it names.
 */
import type { CompletionItem, ScenarioResult } from '../src/index.js';
import type { SpecFile } from './files.js';

export type { CompletionItem, CompletionKind } from '../src/index.js';
export type { SpecFile } from './files.js';

export interface Range {
  readonly startLineNumber: number;
  readonly startColumn: number;
  readonly endLineNumber: number;
  readonly endColumn: number;
}

export interface Marker extends Range {
  readonly severity: 'error' | 'warning' | 'info';
  readonly code: string;
  readonly message: string;
  readonly related: readonly (Range & { readonly message: string })[];
}

/** Markers by the name of the tab they are in. */
export type MarkersByFile = Readonly<Record<string, readonly Marker[]>>;

/**
 * The tabs as they are now: every file, the main one's name, and the page's
 * version of them (one more on each edit in any tab, and on each tab added,
 * renamed or closed), so the worker never works on stale text.
 */
export interface Snapshot {
  readonly version: number;
  readonly files: readonly SpecFile[];
  readonly main: string;
}

/** A question about the file `uri` at `offset`. */
export interface Question extends Snapshot {
  readonly uri: string;
  readonly offset: number;
}

/** The page asks. */
export type Request =
  | ({ readonly type: 'check' } & Snapshot)
  | ({ readonly type: 'complete'; readonly id: number } & Question)
  | ({ readonly type: 'hover'; readonly id: number } & Question)
  | ({ readonly type: 'definition'; readonly id: number } & Question)
  | ({
      readonly type: 'run';
      readonly run: number;
      /** The tab Run was pressed on: the spec explored is the one it is part of (the main tab's, or its own). */
      readonly uri: string;
      readonly maxStates: number;
      /** An Int32Array over a SharedArrayBuffer; Stop stores 1 in it. Absent when the page cannot share memory. */
      readonly stop?: Int32Array;
    } & Snapshot);

/** Where a definition is: a tab, and the range in it. */
export interface Place {
  readonly uri: string;
  readonly range: Range;
}

/** The worker answers. */
export type Response =
  | { readonly type: 'ready' }
  /** `checkMs`: how long parsing and checking this version took in the worker. */
  | { readonly type: 'diagnostics'; readonly version: number; readonly markers: MarkersByFile; readonly checkMs: number }
  /** The check of this version threw (a stack overflow on a huge spec, say): there are no diagnostics for it. */
  | { readonly type: 'check-failed'; readonly version: number; readonly message: string }
  | { readonly type: 'completions'; readonly id: number; readonly items: readonly CompletionItem[]; readonly range: Range }
  | { readonly type: 'hover'; readonly id: number; readonly markdown: string | null; readonly range?: Range }
  | { readonly type: 'definition'; readonly id: number; readonly place: Place | null }
  | { readonly type: 'progress'; readonly run: number; readonly scenario: string; readonly states: number; readonly transitions: number; readonly elapsedMs: number }
  | {
      readonly type: 'scenario';
      readonly run: number;
      readonly result: ScenarioResult;
      /** One SVG timeline per violated rule, in the order of `result.violations`, then the deadlock's, if any. */
      readonly timelines: readonly string[];
    }
  | { readonly type: 'run-errors'; readonly run: number; readonly markers: MarkersByFile; readonly count: number }
  | { readonly type: 'run-done'; readonly run: number; readonly scenarios: number; readonly elapsedMs: number }
  | { readonly type: 'run-failed'; readonly run: number; readonly message: string };

/** The answer to a question the worker could not answer (the text cannot be analysed, or the worker is gone): nothing. */
export function emptyAnswer(type: 'complete' | 'hover' | 'definition', id: number): Response {
  const none = { startLineNumber: 1, startColumn: 1, endLineNumber: 1, endColumn: 1 };
  if (type === 'complete') return { type: 'completions', id, items: [], range: none };
  if (type === 'hover') return { type: 'hover', id, markdown: null };
  return { type: 'definition', id, place: null };
}
