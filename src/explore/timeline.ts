/**
 * Counterexample timelines as SVG: a lane per thread (and per armed device's
 * hardware DMA), a box per step, the locks each thread holds as bands, the
 * objects the run touches as lifetime bars, and the violating step marked.
 * The playground shows them after Run and `lifespec run --svg OUT.svg`
 * writes them, so this module is platform-neutral: it returns SVG text and
 * touches no DOM.
 *
 * Locks and lifetimes come from the steps' structured fields
 * (docs/trace-format.md#step): `locks`, what the step's thread holds after
 * it, draws a band from the step that takes a lock to the holder's step that
 * lets it go (or to the end of the trace); `created` and `ended` place each
 * object's bar. Devices are armed and disarmed by the `hw_start(dev, sgt)` /
 * `hw_stop(dev, sgt)` event texts.
 *
 * Traces made before steps had those fields are still drawn, read back from
 * the event texts: `lock X` takes a scoped lock, `mutex_lock(X)` /
 * `mutex_unlock(X)` the explicit ones, `→ KIND#N` creates an object and
 * `· X ends` ends one. Leaving a `lock` block is invisible in a trace; with
 * the checked program at hand the renderer finds it from the positions of
 * the holder's later steps (back at a scenario line, or in the locking body
 * outside the block). Without it, a lock counts as held up to the holder's
 * last step or until another thread takes it.
 */
import type { Span } from '../source.js';
import type * as A from '../syntax/ast.js';
import type { Program } from '../semantics/program.js';
import type { DeadlockReport, ScenarioResult, TraceStep, ViolationReport } from './search.js';

export interface TimelineOptions {
  /**
   * The checked program the result came from. Only a trace without the
   * structured fields (from an older version) needs it: with it, the
   * renderer tells when a thread leaves a `lock` block; without it, a lock is
   * drawn as held up to its holder's last step.
   */
  readonly program?: Program;
  /** Draw the scenario, rule and message above the lanes (default true). */
  readonly heading?: boolean;
}

/** A stretch of steps, as 0-based indexes into the trace, both ends included. */
export interface StepRange {
  readonly from: number;
  readonly to: number;
}

export interface TimelineLane {
  /** `main`, `t1`, … or `hw:DEVICE`. */
  readonly thread: string;
  /**
   * Locks this thread holds, each from the step that takes it to the step of
   * this thread that lets it go (its operation still runs under the lock), or
   * to the last step when it is still held; other threads' steps in between
   * are covered too.
   */
  readonly locks: (StepRange & { readonly name: string })[];
  /** For a hardware lane: where its device is armed to DMA, and through what. */
  readonly armed: (StepRange & { readonly through: string; readonly open: boolean })[];
}

export interface TimelineObject {
  /** As traces write it: `sg_table#8`, `gpu_bar0#3`, or a device name. */
  readonly name: string;
  /** The step that created it; undefined when it existed before the first step shown. */
  readonly created?: number;
  /** The step in which it ended; undefined when it is still alive at the end of the trace. */
  readonly ended?: number;
  /** The finding's message names it. */
  readonly involved: boolean;
}

/** What the picture shows, before any drawing: exported for tests and other renderers. */
export interface TimelineModel {
  readonly scenario: string;
  /** The rule's name, or `deadlock`. */
  readonly rule: string;
  readonly message: string;
  readonly steps: readonly TraceStep[];
  readonly lanes: readonly TimelineLane[];
  readonly objects: readonly TimelineObject[];
  /** The violating step (a deadlock: the step after which nothing can move). */
  readonly marked: number;
}

type Finding = ViolationReport | DeadlockReport;

const objectRef = /\b([A-Za-z_][A-Za-z0-9_]*)#(\d+)\b/g;
const builtinKinds = new Set(['pci_dev', 'binding', 'p2pdma_provider', 'dma_buf', 'attachment', 'sg_table', 'iova', 'mutex', 'completion']);

function isDeadlock(f: Finding): f is DeadlockReport {
  return !('rule' in f);
}

/** The arguments of `name(a, b)` at the start of a text, split at top-level commas. */
function callArgs(text: string, name: string): string[] | undefined {
  if (!text.startsWith(`${name}(`)) return undefined;
  let depth = 0;
  let cur = '';
  const out: string[] = [];
  for (let i = name.length + 1; i < text.length; i++) {
    const c = text[i]!;
    if (c === '(' || c === '{') depth++;
    if (c === '}') depth--;
    if (c === ')') {
      if (depth === 0) {
        if (cur.trim() !== '' || out.length) out.push(cur.trim());
        return out;
      }
      depth--;
    }
    if (c === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  return undefined;
}

// ---- where a lock block is left --------------------------------------------

interface LockSite {
  readonly stmt: number;
  readonly block: Span;
}

interface Region {
  readonly uri: string;
  readonly span: Span;
  /** A scenario: a thread back here has returned from every call it made. */
  readonly scenario: boolean;
  readonly locks: LockSite[];
}

function collectLocks(block: A.Block, out: LockSite[]): void {
  for (const s of block.stmts) collectStmt(s, out);
}

function collectStmt(s: A.Stmt, out: LockSite[]): void {
  switch (s.kind) {
    case 'if':
      collectLocks(s.then, out);
      if (s.else) {
        if ('stmts' in s.else) collectLocks(s.else, out);
        else collectStmt(s.else, out);
      }
      return;
    case 'for':
      collectLocks(s.body, out);
      return;
    case 'lock':
      out.push({ stmt: s.span.start, block: s.body.span });
      collectLocks(s.body, out);
      return;
    default:
      return;
  }
}

/** Every body of the program (and each scenario) with the lock blocks in it. */
function regionsOf(program: Program): Region[] {
  const regions: Region[] = [];
  const uri = program.spec.uri;
  const body = (u: string, span: Span, block: A.Block) => {
    const locks: LockSite[] = [];
    collectLocks(block, locks);
    regions.push({ uri: u, span, scenario: false, locks });
  };
  for (const d of program.spec.decls) {
    if (d.kind === 'scenario') regions.push({ uri, span: d.span, scenario: true, locks: [] });
    if (d.kind === 'driver') {
      for (const item of d.items) {
        if (item.kind === 'probe' || item.kind === 'remove' || item.kind === 'action') body(uri, item.span, item.body);
        if (item.kind === 'ops') for (const e of item.entries) if (e.kind === 'inline') body(uri, e.span, e.body);
      }
    }
  }
  for (const f of program.fns.values()) body(f.uri, f.decl.span, f.decl.body);
  return regions;
}

class Positions {
  private readonly regions: Region[];
  private readonly lineStarts = new Map<string, number[]>();

  constructor(private readonly program: Program) {
    this.regions = regionsOf(program);
  }

  private offset(step: TraceStep): number | undefined {
    let starts = this.lineStarts.get(step.uri);
    if (!starts) {
      const text = this.program.sources.get(step.uri)?.text;
      if (text === undefined) return undefined;
      starts = [0];
      for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
      this.lineStarts.set(step.uri, starts);
    }
    const start = starts[step.line - 1];
    return start === undefined ? undefined : start + step.column - 1;
  }

  /** The innermost body or scenario a step's position is in. */
  region(step: TraceStep): { region: Region; offset: number } | undefined {
    const offset = this.offset(step);
    if (offset === undefined) return undefined;
    let best: Region | undefined;
    for (const r of this.regions) {
      if (r.uri !== step.uri || offset < r.span.start || offset >= r.span.end) continue;
      if (!best || r.span.end - r.span.start < best.span.end - best.span.start) best = r;
    }
    return best ? { region: best, offset } : undefined;
  }
}

// ---- reading a trace ---------------------------------------------------------

type LockBand = StepRange & { readonly name: string };
type ArmedBand = TimelineLane['armed'][number];

interface Life {
  created?: number;
  ended?: number;
  /** The step that first names it. */
  first: number;
  /** Its object number, or -1 (a device). */
  number: number;
}

/** Whether a trace carries the structured fields; every trace the explorer makes does. */
function structured(steps: readonly TraceStep[]): boolean {
  return steps.every((s) => s.locks !== undefined && s.created !== undefined && s.ended !== undefined);
}

const objectNumber = (name: string): number => {
  const m = /#(\d+)$/.exec(name);
  return m ? Number(m[1]) : -1;
};

/** Lanes, locks, armed intervals and object lifetimes of one finding's trace. */
export function timelineModel(result: ScenarioResult, finding: Finding, options: TimelineOptions = {}): TimelineModel {
  const steps = finding.trace;
  const last = steps.length - 1;

  // Lanes in order of first appearance, each armed device's hardware after the threads.
  const threadNames: string[] = [];
  const hwNames: string[] = [];
  const lane = (t: string) => {
    const list = t.startsWith('hw:') ? hwNames : threadNames;
    if (!list.includes(t)) list.push(t);
  };
  for (const s of steps) lane(s.thread);
  for (const s of steps) {
    const args = callArgs(s.event, 'hw_start');
    if (args?.[0]) lane(`hw:${args[0]}`);
  }
  const locks = new Map<string, LockBand[]>();
  const armed = new Map<string, ArmedBand[]>();
  for (const t of [...threadNames, ...hwNames]) {
    locks.set(t, []);
    armed.set(t, []);
  }

  // `hw_start(dev, sgt)` arms a device until `hw_stop(dev, sgt)`.
  steps.forEach((s, i) => {
    const head = s.event.split(' · ')[0]!;
    const hs = callArgs(head, 'hw_start');
    if (hs && hs.length >= 2) {
      const list = armed.get(`hw:${hs[0]}`)!;
      if (!list.some((a) => a.open && a.through === hs[1])) list.push({ from: i, to: last, through: hs[1]!, open: true });
    }
    const hp = callArgs(head, 'hw_stop');
    if (hp && hp.length >= 2) {
      const list = armed.get(`hw:${hp[0]}`);
      const k = list?.findIndex((a) => a.open && a.through === hp[1]) ?? -1;
      if (list && k >= 0) list[k] = { ...list[k]!, to: i, open: false };
    }
  });

  const message = findingMessage(finding);
  const objects = structured(steps) ? exactLocksAndObjects(steps, message, locks) : inferLocksAndObjects(steps, finding, locks, options.program);

  const objectList: TimelineObject[] = [...objects]
    .sort((a, b) => (a[1].created ?? -1) - (b[1].created ?? -1) || a[1].first - b[1].first || a[1].number - b[1].number)
    .map(([name, o]) => ({
      name,
      ...(o.created !== undefined ? { created: o.created } : {}),
      ...(o.ended !== undefined ? { ended: o.ended } : {}),
      involved: mentions(message, name),
    }));

  const lanes: TimelineLane[] = [...threadNames, ...hwNames].map((thread) => ({
    thread,
    locks: locks.get(thread)!.sort((a, b) => a.from - b.from),
    armed: armed.get(thread)!,
  }));
  return {
    scenario: result.scenario,
    rule: isDeadlock(finding) ? 'deadlock' : finding.rule,
    message,
    steps,
    lanes,
    objects: objectList,
    marked: last,
  };
}

/** Whether a message names an object: `gpu_bar0#3`, `gpu`, or `dma_buf#6` in `dma_buf#6.resv`. */
function mentions(message: string, name: string): boolean {
  for (let at = message.indexOf(name); at >= 0; at = message.indexOf(name, at + 1)) {
    const before = at === 0 ? '' : message[at - 1]!;
    const after = message[at + name.length] ?? '';
    if (!/[\w#.]/.test(before) && !/[\w#]/.test(after)) return true;
  }
  return false;
}

/**
 * Locks and lifetimes from the structured fields of the steps. A thread holds
 * a lock from the step after which it first holds it to the step of that
 * thread after which it no longer does (the step's own operation still ran
 * under the lock; the lock was let go later in the step), or to the end of
 * the trace. An object lives from the step that lists it in `created` (or
 * from before the trace) to the step that lists it in `ended`.
 */
function exactLocksAndObjects(steps: readonly TraceStep[], message: string, locks: Map<string, LockBand[]>): Map<string, Life> {
  const held = new Map<string, Map<string, number>>();
  const objects = new Map<string, Life>();
  const see = (name: string, i: number): Life => {
    let o = objects.get(name);
    if (!o) objects.set(name, (o = { first: i, number: objectNumber(name) }));
    return o;
  };
  steps.forEach((s, i) => {
    let mine = held.get(s.thread);
    if (!mine) held.set(s.thread, (mine = new Map()));
    const now = new Set(s.locks);
    for (const [name, from] of mine) {
      if (now.has(name)) continue;
      locks.get(s.thread)!.push({ name, from, to: i });
      mine.delete(name);
    }
    for (const name of now) if (!mine.has(name)) mine.set(name, i);
    for (const name of s.created!) see(name, i).created ??= i;
    for (const name of s.ended!) see(name, i).ended ??= i;
  });
  for (const [thread, mine] of held) for (const [name, from] of mine) locks.get(thread)!.push({ name, from, to: steps.length - 1 });
  // An object the message names that no step created or ended existed before the trace.
  for (const m of message.matchAll(objectRef)) if (m[1] !== 'mutex') see(m[0], steps.length - 1);
  return objects;
}

interface HeldLock {
  name: string;
  from: number;
  /** The lock statement's body and block, for a scoped lock found in the program. */
  region?: Region;
  block?: Span;
}

/**
 * Locks and lifetimes read back from the event texts, for traces made before
 * steps carried `locks`, `created` and `ended` (see the module comment).
 */
function inferLocksAndObjects(steps: readonly TraceStep[], finding: Finding, locks: Map<string, LockBand[]>, program: Program | undefined): Map<string, Life> {
  const last = steps.length - 1;
  const positions = program ? new Positions(program) : undefined;
  const deadlocked = isDeadlock(finding) ? new Map(finding.waiting.map((w) => [w.thread, w.on])) : new Map<string, string>();

  // Each thread's steps, to find the holder's last step before a release.
  const stepsOf = new Map<string, number[]>();
  steps.forEach((s, i) => {
    if (!stepsOf.has(s.thread)) stepsOf.set(s.thread, []);
    stepsOf.get(s.thread)!.push(i);
  });
  const lastStepBefore = (thread: string, j: number, from: number) => {
    const mine = stepsOf.get(thread)!.filter((i) => i < j && i >= from);
    return mine.length ? mine[mine.length - 1]! : from;
  };
  const lastStepOf = (thread: string) => stepsOf.get(thread)!.at(-1)!;

  const held = new Map<string, HeldLock[]>();
  const release = (thread: string, h: HeldLock, before: number | undefined) => {
    const list = held.get(thread)!;
    list.splice(list.indexOf(h), 1);
    const to = before === undefined ? lastStepOf(thread) : lastStepBefore(thread, before, h.from);
    locks.get(thread)!.push({ name: h.name, from: h.from, to });
  };
  const acquire = (thread: string, name: string, i: number, scoped: boolean) => {
    // Whoever else held it let it go before this step.
    for (const [other, list] of held) {
      for (const h of [...list]) if (h.name === name) release(other, h, i);
    }
    const h: HeldLock = { name, from: i };
    if (scoped && positions) {
      const at = positions.region(steps[i]!);
      const site = at?.region.locks.find((l) => l.stmt === at.offset);
      if (at && site) {
        h.region = at.region;
        h.block = site.block;
      }
    }
    if (!held.has(thread)) held.set(thread, []);
    held.get(thread)!.push(h);
  };

  // Objects: the order they are first named, where they were created and ended.
  const objects = new Map<string, Life>();
  const mention = (name: string, number: number, i: number, created: boolean) => {
    const o = objects.get(name);
    if (!o) objects.set(name, { first: i, number, ...(created ? { created: i } : {}) });
    else if (created && o.created === undefined && o.ended === undefined && o.first === i) o.created = i;
  };

  steps.forEach((s, i) => {
    const parts = s.event.split(' · ');
    const head = parts[0]!;

    // Scoped locks are left invisibly: a later step of the holder outside the block.
    const mine = held.get(s.thread);
    if (mine && positions && i > 0) {
      const at = positions.region(s);
      for (const h of [...mine]) {
        if (!h.region || !h.block || !at) continue;
        const back = at.region.scenario;
        const outside = at.region === h.region && (at.offset < h.block.start || at.offset >= h.block.end);
        if (back || outside) release(s.thread, h, i);
      }
    }

    const lockName = /^lock (.+)$/.exec(head)?.[1];
    if (lockName) {
      const again = held.get(s.thread)?.find((h) => h.name === lockName);
      if (again) release(s.thread, again, i);
      acquire(s.thread, lockName, i, true);
    }
    const ml = callArgs(head, 'mutex_lock');
    if (ml?.[0] !== undefined) {
      const resumed = head.endsWith(' resumes');
      const next = stepsOf.get(s.thread)!.find((j) => j > i);
      const waitsLater = next !== undefined && steps[next]!.event.startsWith(`mutex_lock(${ml[0]}) resumes`);
      const stuck = next === undefined && deadlocked.get(s.thread)?.startsWith(`${ml[0]} held by`) === true;
      if (resumed || (!waitsLater && !stuck)) acquire(s.thread, ml[0], i, false);
    }
    const mu = callArgs(head, 'mutex_unlock');
    if (mu?.[0] !== undefined) {
      const h = held.get(s.thread)?.find((x) => x.name === mu[0]);
      if (h) {
        held.get(s.thread)!.splice(held.get(s.thread)!.indexOf(h), 1);
        locks.get(s.thread)!.push({ name: h.name, from: h.from, to: i });
      }
    }

    for (const part of parts) {
      const ends = /^(\S+) ends$/.exec(part)?.[1];
      if (ends) {
        mention(ends, objectNumber(ends), i, false);
        const o = objects.get(ends)!;
        if (o.ended === undefined) o.ended = i;
        continue;
      }
      const arrow = part.indexOf(' → ');
      for (const m of part.matchAll(objectRef)) {
        if (m[1] === 'mutex') continue;
        mention(m[0], Number(m[2]), i, arrow >= 0 && m.index! > arrow);
      }
    }
  });
  for (const [thread, list] of held) {
    for (const h of [...list]) {
      if (deadlocked.has(thread)) {
        list.splice(list.indexOf(h), 1);
        locks.get(thread)!.push({ name: h.name, from: h.from, to: last });
      } else release(thread, h, undefined);
    }
  }

  // Objects the message names that the trace never showed (created by the violating step).
  for (const m of findingMessage(finding).matchAll(objectRef)) {
    if (!objects.has(m[0])) objects.set(m[0], { first: last, created: last, number: Number(m[2]) });
  }

  // A binding or provider whose creation was not shown was made by a `bind`:
  // objects are numbered in creation order, so it lies between the objects
  // around it whose creation is known.
  const binds = steps.map((s, i) => (/^bind \S+$/.test(s.event.split(' · ')[0]!) && !/ → E[A-Z0-9]+$/.test(s.event) ? i : -1)).filter((i) => i >= 0);
  const known = [...objects.values()].filter((o) => o.created !== undefined && o.number >= 0);
  let nextBind = 0;
  let lastBindUsed: number | undefined;
  for (const [name, o] of [...objects].sort((a, b) => a[1].number - b[1].number)) {
    if (o.created !== undefined || o.number < 0) continue;
    const kind = name.slice(0, name.lastIndexOf('#'));
    const isBinding = kind === 'binding';
    const isProvider = kind === 'p2pdma_provider' || !builtinKinds.has(kind);
    if (!isBinding && !isProvider) continue;
    const lo = Math.max(-1, ...known.filter((k) => k.number < o.number).map((k) => k.created!));
    const hi = Math.min(o.first, ...known.filter((k) => k.number > o.number).map((k) => k.created!));
    const candidates = binds.filter((b) => b > lo && b <= hi);
    if (isBinding) {
      const b = candidates.find((c) => c >= (binds[nextBind] ?? Infinity));
      if (b !== undefined) {
        o.created = b;
        lastBindUsed = b;
        nextBind = binds.indexOf(b) + 1;
      }
    } else {
      const b = lastBindUsed !== undefined && candidates.includes(lastBindUsed) ? lastBindUsed : candidates[0];
      if (b !== undefined) o.created = b;
    }
  }
  return objects;
}

function findingMessage(f: Finding): string {
  return isDeadlock(f) ? `no thread can move: ${f.waiting.map((w) => `${w.thread} waits for ${w.on}`).join('; ')}` : f.message;
}

// ---- drawing -----------------------------------------------------------------

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const FONT = "ui-monospace, SFMono-Regular, Menlo, Consolas, 'DejaVu Sans Mono', monospace";
const CHAR = 6.3; // width of a character at 10.5px in the fonts above, near enough
const LABEL_W = 104;
const COL_W = 138;
const BOX_W = 128;
const LINE_H = 12.5;
const MAX_LINES = 6;
const LOCK_H = 13;
const OBJ_H = 20;
const PAD = 12;

const laneColors = ['#2563eb', '#059669', '#7c3aed', '#db2777', '#0891b2', '#65a30d', '#9333ea', '#ea580c'];
const hwColor = '#d97706';

/**
 * Breaks a text into lines of at most `width` characters, at spaces and after
 * `,(.` where it can. Each ` · ` part of an event starts a line of its own.
 */
export function wrapText(text: string, width: number, maxLines = Infinity): string[] {
  const lines = text
    .split(' · ')
    .flatMap((part, i) => wrapPart(i ? `· ${part}` : part, width));
  if (lines.length > maxLines) {
    const kept = lines.slice(0, maxLines);
    const tail = kept[maxLines - 1]!;
    kept[maxLines - 1] = `${tail.slice(0, Math.max(0, width - 1))}…`;
    return kept;
  }
  return lines;
}

function wrapPart(text: string, width: number): string[] {
  const lines: string[] = [];
  let rest = text;
  while (rest.length > width) {
    // After a space or `,(.` if there is one in the line's last two thirds, else after a `_`.
    const at = (ok: (c: string, next: string) => boolean) => {
      for (let i = width; i > width / 3; i--) if (ok(rest[i - 1]!, rest[i]!)) return i;
      return -1;
    };
    let cut = at((c, next) => next === ' ' || c === ' ' || c === ',' || c === '(' || c === '.');
    if (cut < 0) cut = at((c) => c === '_');
    if (cut < 0) cut = width;
    lines.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest) lines.push(rest);
  return lines;
}

/**
 * One finding's trace as a standalone SVG document: lanes, steps, locks,
 * lifetimes, the violating step marked. Each step box is a `<g
 * class="lt-step">` with `data-step`, `data-thread`, `data-uri`,
 * `data-line` and `data-column`, so a host can link it to the source.
 */
export function renderTimeline(result: ScenarioResult, finding: Finding, options: TimelineOptions = {}): string {
  return drawTimeline(timelineModel(result, finding, options), options.heading ?? true).svg;
}

function drawTimeline(m: TimelineModel, heading: boolean): { svg: string; width: number; height: number } {
  const n = m.steps.length;
  const width = LABEL_W + n * COL_W + PAD;
  const out: string[] = [];
  let y = PAD;

  // Heading: the scenario, the rule, and the message wrapped to the width.
  if (heading) {
    out.push(`<text class="lt-title" x="${PAD}" y="${y + 13}">${esc(`scenario ${m.scenario}`)} — <tspan class="lt-rule">${esc(m.rule)}</tspan></text>`);
    y += 20;
    for (const line of wrapText(m.message, Math.max(40, Math.floor((width - 2 * PAD) / 6.6)), 3)) {
      out.push(`<text class="lt-msg" x="${PAD}" y="${y + 12}">${esc(line)}</text>`);
      y += 15;
    }
    y += 6;
  }

  // Step numbers over the columns.
  const colX = (i: number) => LABEL_W + i * COL_W;
  const top = y;
  out.push(`<text class="lt-axis" x="${PAD}" y="${y + 11}">step</text>`);
  for (let i = 0; i < n; i++) {
    const cls = i === m.marked ? 'lt-axis lt-axis-marked' : 'lt-axis';
    out.push(`<text class="${cls}" x="${colX(i) + BOX_W / 2}" y="${y + 11}" text-anchor="middle">${m.steps[i]!.step}${i === m.marked ? ' ✗' : ''}</text>`);
  }
  y += 18;

  // Lanes.
  const body: string[] = [];
  let colorIndex = 0;
  for (const lane of m.lanes) {
    const hw = lane.thread.startsWith('hw:');
    const color = hw ? hwColor : laneColors[colorIndex++ % laneColors.length]!;
    const mine = m.steps.map((s, i) => ({ s, i })).filter((x) => x.s.thread === lane.thread);
    const lines = mine.map((x) => wrapText(x.s.event, Math.floor((BOX_W - 10) / CHAR), MAX_LINES).length);
    const boxH = Math.max(2, ...lines) * LINE_H + 10;
    // Lock bands stack in rows where they overlap.
    const rows: number[] = [];
    const lockRow = lane.locks.map((l) => {
      let r = rows.findIndex((end) => end < l.from);
      if (r < 0) r = rows.push(-1) - 1;
      rows[r] = l.to;
      return r;
    });
    const bandRows = rows.length + (lane.armed.length ? 1 : 0);
    const laneH = boxH + 12 + bandRows * (LOCK_H + 3) + (bandRows ? 4 : 0);
    body.push(`<g class="lt-lane" data-thread="${esc(lane.thread)}">`);
    body.push(`<rect class="lt-lane-bg" x="0" y="${y}" width="${width}" height="${laneH}"/>`);
    body.push(`<text class="lt-lane-label" x="${PAD}" y="${y + 18}" style="fill:${color}">${esc(lane.thread)}</text>`);
    if (hw) body.push(`<text class="lt-lane-note" x="${PAD}" y="${y + 32}">hardware DMA</text>`);
    mine.forEach(({ s, i }) => {
      const x = colX(i);
      const marked = i === m.marked;
      const text = wrapText(s.event, Math.floor((BOX_W - 10) / CHAR), MAX_LINES);
      const title = `${s.step}. ${s.thread}: ${s.event}\n${s.uri}:${s.line}:${s.column}`;
      body.push(
        `<g class="lt-step${marked ? ' lt-marked' : ''}" data-step="${s.step}" data-thread="${esc(s.thread)}" data-uri="${esc(s.uri)}" data-line="${s.line}" data-column="${s.column}" tabindex="0">`,
        `<title>${esc(title)}</title>`,
        `<rect class="lt-box" x="${x}" y="${y + 6}" width="${BOX_W}" height="${boxH}" rx="4" style="stroke:${marked ? '#dc2626' : color}"/>`,
        ...text.map((t, k) => `<text class="lt-event" x="${x + 5}" y="${y + 6 + 14 + k * LINE_H}">${esc(t)}</text>`),
        `</g>`,
      );
    });
    const bandY = (r: number) => y + 6 + boxH + 6 + r * (LOCK_H + 3);
    lane.locks.forEach((l, k) => {
      const x0 = colX(l.from);
      const x1 = colX(l.to) + BOX_W;
      const by = bandY(lockRow[k]!);
      const label = wrapText(`holds ${l.name}`, Math.max(6, Math.floor((x1 - x0 - 8) / 6)), 1)[0]!;
      body.push(
        `<g class="lt-lock"><title>${esc(`${lane.thread} holds ${l.name} from step ${m.steps[l.from]!.step} to step ${m.steps[l.to]!.step}`)}</title>`,
        `<rect x="${x0}" y="${by}" width="${x1 - x0}" height="${LOCK_H}" rx="3" fill="${color}" fill-opacity="0.16" stroke="${color}" stroke-width="1"/>`,
        `<text class="lt-band-label" x="${x0 + 4}" y="${by + 10}">${esc(label)}</text></g>`,
      );
    });
    lane.armed.forEach((a) => {
      const x0 = colX(a.from);
      const x1 = colX(a.to) + BOX_W;
      const by = bandY(rows.length);
      body.push(
        `<g class="lt-armed"><title>${esc(`${lane.thread.slice(3)} is armed to DMA through ${a.through} from step ${m.steps[a.from]!.step}${a.open ? ' to the end' : ` to step ${m.steps[a.to]!.step}`}`)}</title>`,
        `<rect x="${x0}" y="${by}" width="${x1 - x0}" height="${LOCK_H}" rx="3" fill="url(#lt-hatch)" stroke="${hwColor}" stroke-width="1"/>`,
        `<text class="lt-band-label" x="${x0 + 4}" y="${by + 10}">${esc(`armed: DMA through ${a.through}`)}</text></g>`,
      );
    });
    body.push('</g>');
    y += laneH;
  }

  // Object lifetimes.
  if (m.objects.length) {
    y += 6;
    body.push(`<text class="lt-section" x="${PAD}" y="${y + 12}">objects</text>`);
    y += 18;
    for (const o of m.objects) {
      const x0 = o.created === undefined ? LABEL_W - 6 : colX(o.created) + BOX_W / 2;
      const x1 = o.ended === undefined ? colX(n - 1) + BOX_W + 4 : colX(o.ended) + BOX_W / 2;
      const cls = `lt-life${o.involved ? ' lt-involved' : ''}`;
      const span = `${o.created === undefined ? 'exists before step 1' : `created in step ${m.steps[o.created]!.step}`}${o.ended === undefined ? ', alive at the end' : `, ends in step ${m.steps[o.ended]!.step}`}`;
      body.push(
        `<g class="${cls}" data-object="${esc(o.name)}"><title>${esc(`${o.name}: ${span}`)}</title>`,
        `<text class="lt-obj-label" x="${LABEL_W - 10}" y="${y + 13}" text-anchor="end">${esc(o.name)}</text>`,
        `<rect class="lt-bar" x="${x0}" y="${y + 5}" width="${Math.max(4, x1 - x0)}" height="10" rx="3"${o.created === undefined ? ' style="stroke-dasharray:3 2"' : ''}/>`,
        o.ended === undefined
          ? `<path class="lt-alive" d="M${x1} ${y + 3} l6 7 l-6 7 z"/>`
          : `<path class="lt-end" d="M${x1 - 5} ${y + 4} l10 12 M${x1 + 5} ${y + 4} l-10 12"/>`,
        '</g>',
      );
      y += OBJ_H;
    }
  }

  // The marked step: a line through everything under the axis.
  const mx = colX(m.marked) + BOX_W / 2;
  const marker = `<line class="lt-mark-line" x1="${mx}" y1="${top + 14}" x2="${mx}" y2="${y + 4}"/>`;

  y += 8;
  const legend = `<text class="lt-legend" x="${PAD}" y="${y + 10}">box: a step (click: its source line) · band: a lock held, or a device armed for DMA · bar: an object's lifetime, ✕ where it ends · red: the ${m.rule === 'deadlock' ? 'step after which nothing can move' : 'violating step'}</text>`;
  y += 16 + PAD;

  const height = Math.ceil(y);
  const svg = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="lifespec-timeline" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(`timeline of ${m.rule} in scenario ${m.scenario}`)}" data-rule="${esc(m.rule)}" data-scenario="${esc(m.scenario)}" data-label-width="${LABEL_W - 4}">`,
    `<style>${style}</style>`,
    `<defs><pattern id="lt-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fef3c7"/><line x1="0" y1="0" x2="0" y2="6" stroke="#f59e0b" stroke-width="2"/></pattern></defs>`,
    `<rect class="lt-bg" x="0" y="0" width="${width}" height="${height}"/>`,
    ...out,
    ...body,
    marker,
    legend,
    '</svg>',
  ].join('\n');
  return { svg, width, height };
}

const style = [
  `.lifespec-timeline text{font-family:${FONT};font-size:10.5px;fill:#1f2937}`,
  '.lt-bg{fill:#ffffff}',
  '.lt-title{font-size:13px;font-weight:600}',
  '.lt-rule{fill:#b91c1c;font-weight:700}',
  '.lt-msg{font-size:11.5px;fill:#374151}',
  '.lt-axis{fill:#6b7280}',
  '.lt-axis-marked{fill:#dc2626;font-weight:700}',
  '.lt-lane-bg{fill:#f9fafb;stroke:#e5e7eb;stroke-width:1}',
  '.lt-lane-label{font-size:12px;font-weight:700}',
  '.lt-lane-note{fill:#92400e;font-size:9.5px}',
  '.lt-box{fill:#ffffff;stroke-width:1.5}',
  '.lt-step{cursor:pointer}',
  '.lt-step:hover .lt-box,.lt-step:focus .lt-box{fill:#eff6ff}',
  '.lt-marked .lt-box{fill:#fee2e2;stroke-width:2.5}',
  '.lt-band-label{font-size:9.5px;fill:#374151}',
  '.lt-section{font-size:11px;font-weight:700;fill:#4b5563}',
  '.lt-obj-label{fill:#374151}',
  '.lt-bar{fill:#cbd5e1;stroke:#64748b;stroke-width:1}',
  '.lt-involved .lt-bar{fill:#fca5a5;stroke:#b91c1c}',
  '.lt-involved .lt-obj-label{fill:#b91c1c;font-weight:700}',
  '.lt-end{stroke:#111827;stroke-width:2;fill:none}',
  '.lt-alive{fill:#64748b}',
  '.lt-mark-line{stroke:#dc2626;stroke-width:1.5;stroke-dasharray:5 4;pointer-events:none}',
  '.lt-legend{font-size:9.5px;fill:#6b7280}',
].join('');

/** Every violated rule and deadlock of some scenarios, as timelines stacked in one SVG file. */
export function renderTimelines(results: readonly ScenarioResult[], options: Omit<TimelineOptions, 'heading'> = {}): string {
  const parts: { svg: string; width: number; height: number }[] = [];
  for (const r of results) {
    for (const v of r.violations) parts.push(drawTimeline(timelineModel(r, v, options), true));
    if (r.deadlock) parts.push(drawTimeline(timelineModel(r, r.deadlock, options), true));
  }
  if (parts.length === 0) {
    const text = results.length ? `no violation: ${results.map((r) => `${r.scenario} ${r.verdict}`).join(', ')}` : 'no scenario explored';
    const width = Math.max(320, 24 + text.length * 7);
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="40" viewBox="0 0 ${width} 40"><rect width="${width}" height="40" fill="#ffffff"/><text x="12" y="24" font-family="${esc(FONT)}" font-size="12" fill="#065f46">${esc(text)}</text></svg>\n`;
  }
  const width = Math.max(...parts.map((p) => p.width));
  const height = parts.reduce((h, p) => h + p.height, 0) + (parts.length - 1) * 16;
  let y = 0;
  const nested = parts.map((p) => {
    // Each timeline keeps its own coordinates inside a nested <svg>; ids stay unique.
    const k = y;
    y += p.height + 16;
    return p.svg.replace('<svg xmlns="http://www.w3.org/2000/svg" ', `<svg x="0" y="${k}" `).replace(/lt-hatch/g, `lt-hatch-${k}`);
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="${width}" height="${height}" fill="#f3f4f6"/>`,
    ...nested,
    '</svg>',
    '',
  ].join('\n');
}
