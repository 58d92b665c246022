/**
 * What a counterexample timeline shows, before any drawing: a lane per thread
 * (and per armed device's hardware DMA), the locks each thread holds as
 * bands, the objects the run touches as lifetimes, and the violating step.
 * Read from the steps' structured fields (docs/trace-format.md#step):
 * `locks`, what the step's thread holds after it, gives a band from the step
 * that takes a lock to the holder's step that lets it go (or to the end of
 * the trace); `created` and `ended` place each object's bar. Devices are
 * armed and disarmed by the `hw_start(dev, sgt)` / `hw_stop(dev, sgt)` event
 * texts. timeline-svg.ts draws it.
 */
import type { DeadlockReport, ScenarioResult, ViolationReport } from '../explore/result.js';
import { locatedTrace, type StepJson } from './json.js';
import type { Sources } from './positions.js';

export interface TimelineOptions {
  /** The checked program's texts (`program.sources`): each step box then carries its line and column. */
  readonly sources?: Sources;
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
  readonly steps: readonly StepJson[];
  readonly lanes: readonly TimelineLane[];
  readonly objects: readonly TimelineObject[];
  /** The violating step (a deadlock: the step after which nothing can move). */
  readonly marked: number;
}

export type Finding = ViolationReport | DeadlockReport;

const objectRef = /\b([A-Za-z_][A-Za-z0-9_]*)#(\d+)\b/g;

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

const objectNumber = (name: string): number => {
  const m = /#(\d+)$/.exec(name);
  return m ? Number(m[1]) : -1;
};

/** Lanes, locks, armed intervals and object lifetimes of one finding's trace. */
export function timelineModel(result: ScenarioResult, finding: Finding, options: TimelineOptions = {}): TimelineModel {
  const steps = locatedTrace(finding.trace, options.sources);
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
  const objects = locksAndObjects(steps, message, locks);

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
function locksAndObjects(steps: readonly StepJson[], message: string, locks: Map<string, LockBand[]>): Map<string, Life> {
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
    for (const name of s.created) see(name, i).created ??= i;
    for (const name of s.ended) see(name, i).ended ??= i;
  });
  for (const [thread, mine] of held) for (const [name, from] of mine) locks.get(thread)!.push({ name, from, to: steps.length - 1 });
  // An object the message names that no step created or ended existed before the trace.
  for (const m of message.matchAll(objectRef)) if (m[1] !== 'mutex') see(m[0], steps.length - 1);
  return objects;
}

export function findingMessage(f: Finding): string {
  return isDeadlock(f) ? `no thread can move: ${f.waiting.map((w) => `${w.thread} waits for ${w.on}`).join('; ')}` : f.message;
}

