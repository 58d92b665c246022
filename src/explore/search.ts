/**
 * The explorer: breadth-first search over every interleaving of a scenario's
 * threads, its `choose` branches, its fault branches, and the DMA of armed
 * hardware, with visited-state deduplication. Breadth-first, so the first
 * trace found for a rule is a shortest one. A run records every rule it
 * breaks and goes on (LANGUAGE.md §4); it stops only where the model cannot.
 */
import type { CompiledProgram, ScenarioRt } from '../runtime/compiled.js';
import { initialWorld } from '../runtime/initial.js';
import { Machine, NO_OBJECTS, type StepInfo, type StepOutcome, type Violation } from '../runtime/machine.js';
import { Monitor, type MonitorContext } from '../runtime/monitor.js';
import type { Natives } from '../runtime/natives.js';
import { ref } from '../runtime/values.js';
import type { World } from '../runtime/world.js';
import { keyLayout, worldKey } from './key.js';
import { symmetricKey } from './symmetry/canonical.js';
import { detectSymmetry } from './symmetry/detect.js';
import { interchangeable, twins as findTwins } from './symmetry/twins.js';

/** One step of a counterexample, as users read it. */
export interface TraceStep {
  /** 1-based step number. */
  readonly step: number;
  /** `main`, `t1`, … or `hw:DEVICE`. */
  readonly thread: string;
  /** What happened, with object names: `dma_buf_map_attachment(attachment#6) → sg_table#7`. */
  readonly event: string;
  /** Where in the source: the statement or callback that made the step. */
  readonly uri: string;
  readonly line: number;
  readonly column: number;
  /**
   * The mutexes the step's thread holds after the step, sorted by name, as
   * values are shown: `dma_buf#6.resv`, `acc_drv.maps_lock`. Empty for a DMA
   * step. Optional only for traces made by older versions: the explorer
   * always fills `locks`, `created` and `ended`.
   */
  readonly locks?: readonly string[];
  /** The objects the step created, in creation order: `sg_table#8`, `iova#9`. Mutexes are left out (see `locks`); IOVAs are in. */
  readonly created?: readonly string[];
  /** The objects that ended in the step, in order: `gpu_bar0#3`, `gpu`. Mutexes are left out; IOVAs are in, unlike the ` · X ends` parts of `event`. */
  readonly ended?: readonly string[];
}

export interface ViolationReport {
  /** `no_mapping_outlives_provider`, `dmabuf.move_notify_locked`, `model.dma_after_free`. */
  readonly rule: string;
  readonly message: string;
  /** A shortest trace that violates it: its last step is the violating one. */
  readonly trace: TraceStep[];
}

export interface DeadlockReport {
  readonly trace: TraceStep[];
  /** Each stuck thread and what it waits for. */
  readonly waiting: { readonly thread: string; readonly on: string }[];
}

export type Verdict = 'ok' | 'violated' | 'deadlock' | 'incomplete';

export interface ScenarioResult {
  readonly scenario: string;
  /** `violated` / `deadlock` when something was found (even if the search was cut short); `incomplete` when a bound was reached first. */
  readonly verdict: Verdict;
  /** Whether every reachable state was explored. */
  readonly complete: boolean;
  readonly states: number;
  readonly transitions: number;
  readonly timeMs: number;
  readonly violations: ViolationReport[];
  readonly deadlock?: DeadlockReport;
  /** Why the search stopped early, and where (for a bound inside the spec). */
  readonly incomplete?: { readonly reason: string; readonly uri?: string; readonly line?: number; readonly column?: number };
  /** The scenario's `expect` line, if any. */
  readonly expect?: { readonly outcome: 'ok' | 'violation' | 'deadlock'; readonly rules: string[] };
  /** Whether the outcome matches `expect` (no `expect` means `expect ok`); undefined when an incomplete search cannot tell. */
  readonly expectMet: boolean | undefined;
  /** The reductions the search used, e.g. `symmetry: importer1, importer2` (empty when none applied). */
  readonly reductions: string[];
}

export interface Progress {
  readonly scenario: string;
  readonly states: number;
  readonly transitions: number;
  readonly elapsedMs: number;
}

export interface SearchOptions {
  /** Stop (verdict incomplete) after this many distinct states. Default 500,000. */
  readonly maxStates?: number;
  /** Stop (verdict incomplete) after this long, in milliseconds. */
  readonly timeoutMs?: number;
  /**
   * Stop (verdict incomplete) when the visited states and the search frontier
   * are estimated to take this many megabytes. Default 1,500: the JavaScript
   * heap would run out long before the machine does.
   */
  readonly maxMemoryMb?: number;
  /**
   * Apply state-space reductions: symmetry of interchangeable drivers (states
   * merged up to renaming them, and one step taken for twins), and
   * partial-order reduction of local steps. Default true; verdicts, the rules
   * found and trace lengths are the same either way.
   */
  readonly reduce?: boolean;
  /** Called about every `progressIntervalMs` during the search. */
  readonly onProgress?: (p: Progress) => void;
  readonly progressIntervalMs?: number;
  /** Stops the search (verdict incomplete) when aborted. */
  readonly signal?: { readonly aborted: boolean };
  /** Monotonic clock in milliseconds; injectable so hosts without `performance` can run. */
  readonly now?: () => number;
}

export const DEFAULT_MAX_STATES = 500_000;
export const DEFAULT_MAX_MEMORY_MB = 1_500;

const NO_CHOICES: readonly number[] = [];

/**
 * Drops from a violation's trace the local steps (StepInfo.local) of threads
 * that do nothing later in it: the partial-order reduction takes local steps
 * as soon as they can happen, so a trace may carry steps the violation does
 * not need. Without them the trace is still a run — no other thread can tell
 * a local step happened — and on every spec the tests run (all examples, bugs
 * and fixtures) it is as long as the trace the search finds without the
 * reduction. Returns `last`; `infos` is pruned in place.
 */
function pruneLocal(infos: StepInfo[], last: StepInfo): StepInfo {
  const later = new Set<string>([last.thread]);
  let keep = infos.length;
  for (let i = infos.length - 1; i >= 0; i--) {
    const s = infos[i]!;
    if (s.local && !later.has(s.thread)) continue;
    later.add(s.thread);
    infos[--keep] = s;
  }
  infos.splice(0, keep);
  return last;
}

/** Explores one scenario completely (or up to a bound). */
export function exploreScenario(program: CompiledProgram, natives: Natives, scenario: ScenarioRt, options: SearchOptions = {}): ScenarioResult {
  const now = options.now ?? (() => Date.now());
  const start = now();
  const monitor = new Monitor(program, natives);
  const machine = new Machine(program, natives, monitor);
  const maxStates = options.maxStates ?? DEFAULT_MAX_STATES;
  const maxBytes = (options.maxMemoryMb ?? DEFAULT_MAX_MEMORY_MB) * 1024 * 1024;
  // Estimated bytes held: each visited key (UTF-16) and its tables, and each frontier world.
  let bytes = 0;
  const interval = options.progressIntervalMs ?? 250;

  const w0 = initialWorld(program, natives, scenario, monitor);
  const fixed = w0.objects.length;
  // Interchangeable drivers (symmetry) are merged unless reductions are off.
  const layout = keyLayout(natives);
  const symmetry = options.reduce === false ? undefined : detectSymmetry(program, scenario, w0, layout);
  const por = options.reduce !== false;
  const keyOf = symmetry ? (w: World) => symmetricKey(w, program, symmetry, layout) : (w: World) => worldKey(w, fixed, layout, w0.objects);
  const reductions = symmetry ? symmetry.classes.map((c) => `symmetry: ${c.members.map((m) => m.name).join(', ')}`) : [];
  let localSteps = 0;
  const visited = new Map<string, number>([[keyOf(w0), 0]]);
  const parent: number[] = [-1];
  const via: (StepInfo | undefined)[] = [undefined];
  let queue: World[] = [w0];
  let queueIds: number[] = [0];
  let transitions = 0;
  // Each finding keeps the world its trace ends in: it names every object the trace's steps refer to.
  const found = new Map<string, { message: string; state: number; step: StepInfo; world: World }>();
  let deadlock: { state: number; world: World; waiting: { thread: string; on: string }[] } | undefined;
  let incomplete: ScenarioResult['incomplete'];
  let lastProgress = start;
  let lastCheck = -Infinity;

  const position = (uri: string, at: number) => {
    const p = program.program.sources.get(uri)?.position(at) ?? { line: 0, column: 0 };
    return { uri, line: p.line, column: p.column };
  };
  /** The trace to `state` (then `last`), its object numbers named in `world`, a world at the trace's end. */
  const traceTo = (state: number, world: World, last?: StepInfo): TraceStep[] => {
    const infos: StepInfo[] = [];
    for (let s = state; s > 0; s = parent[s]!) infos.push(via[s]!);
    infos.reverse();
    if (last) infos.push(pruneLocal(infos, last));
    const names = (ids: readonly number[]) => ids.map((id) => machine.show(world, ref(id)));
    return infos.map((i, n) => ({
      step: n + 1,
      thread: i.thread,
      event: i.text,
      ...position(i.uri, i.at),
      locks: names(i.locks).sort(),
      created: names(i.created),
      ended: names(i.ended),
    }));
  };
  const record = (violations: readonly Violation[], state: number, step: StepInfo, world: World) => {
    for (const v of violations) if (!found.has(v.rule)) found.set(v.rule, { message: v.message, state, step, world });
  };

  search: while (queue.length > 0) {
    const nextQueue: World[] = [];
    const nextIds: number[] = [];
    for (let qi = 0; qi < queue.length; qi++) {
      const w = queue[qi]!;
      const id = queueIds[qi]!;
      if (bytes >= maxBytes) {
        incomplete = { reason: `stopped at the memory limit (about ${Math.round(maxBytes / 1024 / 1024).toLocaleString('en-US')} MB of states; raise it with --max-memory)` };
        break search;
      }
      if (visited.size >= maxStates) {
        incomplete = { reason: `stopped at the state limit (${maxStates.toLocaleString('en-US')} states; raise it with --max-states)` };
        break search;
      }
      if (transitions - lastCheck >= 256) {
        lastCheck = transitions;
        const t = now();
        if (options.signal?.aborted) {
          incomplete = { reason: 'stopped on request' };
          break search;
        }
        if (options.timeoutMs !== undefined && t - start > options.timeoutMs) {
          incomplete = { reason: `stopped at the time limit of ${Number((options.timeoutMs / 1000).toPrecision(3))} s` };
          break search;
        }
        if (options.onProgress && t - lastProgress >= interval) {
          lastProgress = t;
          options.onProgress({ scenario: scenario.name, states: visited.size, transitions, elapsedMs: t - start });
        }
      }
      if (w.halted) continue;

      const outcomes: StepOutcome[] = [];
      let anyThreadMoved = false;
      // Twins of interchangeable members: their steps lead where their first twin's do.
      const twins = symmetry ? findTwins(w, symmetry, layout, program, (t) => machine.canStep(w, t)) : undefined;
      const same = twins ? (t: number) => (a: number, b: number) => interchangeable(twins, t, a, b) : () => undefined;
      // Partial-order reduction: a local step (StepInfo.local) commutes with every step
      // of every other thread and no rule sees it, so it is taken alone. The proviso
      // that its successor be new keeps a cycle of local steps from postponing the
      // other threads forever: a state whose local successor is known is expanded fully,
      // reusing the steps tried here. `ampleKey` is the key of the step taken alone.
      let ampleKey: string | undefined;
      const tried = new Map<number, StepOutcome>();
      if (por) {
        for (let t = 0; t < w.threads.length; t++) {
          if (twins?.skip.has(t) || !machine.canStep(w, t)) continue;
          const r = machine.step(w, t, NO_CHOICES, same(t));
          if (r.info.local && r.points.length === 0 && r.violations.length === 0 && !r.bound) {
            const key = keyOf(r.world);
            if (!visited.has(key)) {
              outcomes.push(r);
              ampleKey = key;
              localSteps++;
              anyThreadMoved = true;
              break;
            }
          }
          tried.set(t, r);
        }
      }
      if (ampleKey === undefined) {
        for (let t = 0; t < w.threads.length; t++) {
          if (!machine.canStep(w, t)) continue;
          anyThreadMoved = true;
          if (twins?.skip.has(t)) continue;
          const pending: number[][] = [[]];
          while (pending.length > 0) {
            const choices = pending.pop()!;
            const r = (choices.length === 0 ? tried.get(t) : undefined) ?? machine.step(w, t, choices, same(t));
            outcomes.push(r);
            for (let i = choices.length; i < r.points.length; i++) {
              for (let c = 1; c < r.points[i]!; c++) pending.push([...choices, ...new Array<number>(i - choices.length).fill(0), c]);
            }
          }
        }
      }
      const allDone = w.threads.every((th) => th.done);
      if (!anyThreadMoved && !allDone && !deadlock) {
        const waiting = w.threads.flatMap((th, i) => (th.done ? [] : [{ thread: th.label, on: machine.blockedOn(w, i) }]));
        deadlock = { state: id, world: w, waiting };
      }
      if (allDone) {
        const end: Violation[] = [];
        const cx: MonitorContext = { world: w, thread: -1, violate: (rule, message) => end.push({ rule, message }), show: (v) => machine.show(w, v) };
        monitor.finished(cx);
        const last = via[id];
        // Not a step of any thread; shown in main's lane, with what main still holds.
        const step: StepInfo = {
          thread: 'main',
          text: 'the scenario ends',
          uri: last?.uri ?? program.bodies[scenario.main]!.uri,
          at: scenario.decl.span.end - 1,
          locks: machine.locksHeld(w, 0),
          created: NO_OBJECTS,
          ended: NO_OBJECTS,
          local: false,
        };
        record(end, id, step, w);
      }
      // The hardware of armed, present devices may DMA at any step (after the ample step:
      // it changes nothing a DMA reads).
      if (ampleKey === undefined) for (const [m, a] of machine.hardwareSteps(w)) outcomes.push(machine.hardware(w, m, a));

      for (const r of outcomes) {
        transitions++;
        if (r.bound) {
          const p = position(r.bound.uri, r.bound.at);
          incomplete = { reason: r.bound.message, ...p };
          break search;
        }
        record(r.violations, id, r.info, r.world);
        // A DMA step leads back to this state.
        if (r.world === w) continue;
        const key = ampleKey ?? keyOf(r.world);
        if (visited.has(key)) continue;
        bytes += key.length * 3 + 256;
        const nid = parent.length;
        visited.set(key, nid);
        parent.push(id);
        via.push(r.info);
        nextQueue.push(r.world);
        nextIds.push(nid);
      }
    }
    queue = nextQueue;
    queueIds = nextIds;
  }

  const violations: ViolationReport[] = [...found].map(([rule, f]) => ({ rule, message: f.message, trace: traceTo(f.state, f.world, f.step) }));
  const deadlockReport = deadlock ? { trace: traceTo(deadlock.state, deadlock.world), waiting: deadlock.waiting } : undefined;
  const complete = incomplete === undefined;
  const verdict: Verdict = violations.length > 0 ? 'violated' : deadlockReport ? 'deadlock' : complete ? 'ok' : 'incomplete';
  const expectLine = scenario.expect;
  const expect = expectLine ? { outcome: expectLine.outcome, rules: expectLine.rules.map((r) => r.name) } : undefined;
  const foundRules = new Set(violations.map((v) => v.rule));
  let expectMet: boolean | undefined;
  switch (expect?.outcome ?? 'ok') {
    case 'ok':
      expectMet = violations.length > 0 || deadlockReport ? false : complete ? true : undefined;
      break;
    case 'violation':
      expectMet = expect!.rules.every((r) => foundRules.has(r)) ? true : complete ? false : undefined;
      break;
    case 'deadlock':
      expectMet = deadlockReport ? true : complete ? false : undefined;
      break;
  }
  return {
    scenario: scenario.name,
    verdict,
    complete,
    states: visited.size,
    transitions,
    timeMs: now() - start,
    violations,
    ...(deadlockReport ? { deadlock: deadlockReport } : {}),
    ...(incomplete ? { incomplete } : {}),
    ...(expect ? { expect } : {}),
    expectMet,
    reductions: localSteps > 0 ? [...reductions, `partial order: ${localSteps.toLocaleString('en-US')} local ${localSteps === 1 ? 'step' : 'steps'} taken alone`] : reductions,
  };
}
