/**
 * The interpreter: which threads can step, what a blocked thread waits for,
 * and one step of one thread on a copy of the world (the step itself is
 * step.ts). A step executes one visible instruction (a primitive call,
 * `lock`, a callback's entry, a scenario line) and every invisible one after
 * it, up to the next visible one. Driver state is read and written
 * atomically with the step that precedes the access (see docs/semantics.md).
 * Hardware steps (the DMA of armed devices) are the models' own.
 */
import type { Instr } from './bytecode.js';
import type { CompiledProgram } from './compiled.js';
import type { Monitor } from './monitor.js';
import type { Natives, Violation } from './natives.js';
import { showValue } from './show.js';
import { Step } from './step.js';
import { NO_OBJECTS, type StepOutcome } from './steps.js';
import { isRef, ref, refId, type Value } from './values.js';
import { cloneWorld, type CodeFrame, type World } from './world.js';

export type { Violation };
export { MAX_DEPTH, MAX_STEP_INSTRUCTIONS, NO_OBJECTS, type StepInfo, type StepOutcome } from './steps.js';

export class Machine {
  constructor(
    readonly program: CompiledProgram,
    readonly natives: Natives,
    readonly monitor: Monitor,
    /** Record each step's call as structured fields (`StepInfo.call`): for replaying a trace, not for the search. */
    readonly detail = false,
  ) {}

  /** A value as traces show it, with the objects of `w`. */
  show(w: World, v: Value): string {
    return showValue(w, this.natives, v);
  }

  /** The lock objects thread `t` holds in `w`, in object order. */
  locksHeld(w: World, t: number): readonly number[] {
    let out: number[] | undefined;
    const objects = w.objects;
    for (let i = 0; i < objects.length; i++) {
      const o = objects[i]!;
      const lock = this.natives.kind(o.kind)?.lock;
      if (lock && lock.holds(o, t)) (out ??= []).push(i);
    }
    return out ?? NO_OBJECTS;
  }

  /** Whether thread `t` can take a step in `w`. */
  canStep(w: World, t: number): boolean {
    const th = w.threads[t]!;
    if (th.done || w.halted) return false;
    const f = th.frames[th.frames.length - 1];
    if (!f) return false;
    for (const g of this.natives.threadGates) if (g.blocked(w, t, this.program) !== undefined) return false;
    if (f.k === 'n') return f.waiting ? (this.natives.primitive(f.prim)?.ready?.(w, f, this.program) ?? true) : true;
    if (f.entry) return true;
    const ins = this.program.bodies[f.body]!.code[f.pc];
    return !ins || this.canRun(w, f, ins, t);
  }

  /** Whether a frame may run instruction `ins` now: a `lock` of a held lock and a `join` of live threads wait. */
  canRun(w: World, f: CodeFrame, ins: Instr, t: number): boolean {
    if (ins.op === 'lock') {
      const m = f.stack[f.stack.length - 1] ?? null;
      const o = isRef(m) ? w.objects[refId(m)] : undefined;
      const lock = o ? this.natives.kind(o.kind)?.lock : undefined;
      // A `lock` of none or of an ended object goes ahead, to be reported as the misuse it is.
      return !o || !o.alive || !lock || lock.free(o, t);
    }
    if (ins.op === 'join') return w.threads.every((x) => !ins.threads.includes(x.root) || x.done);
    return true;
  }

  /** What a blocked thread waits for, for a deadlock report. */
  blockedOn(w: World, t: number): string {
    const th = w.threads[t]!;
    const f = th.frames[th.frames.length - 1];
    const show = (v: Value) => this.show(w, v);
    if (!f) return 'nothing';
    for (const g of this.natives.threadGates) {
      const on = g.blocked(w, t, this.program);
      if (on !== undefined) return on;
    }
    if (f.k === 'n') return this.natives.primitive(f.prim)?.waitsFor?.(w, f, show) ?? `${f.prim} to finish`;
    const ins = this.program.bodies[f.body]!.code[f.pc];
    if (ins?.op === 'lock') {
      const m = f.stack[f.stack.length - 1] ?? null;
      const o = isRef(m) ? w.objects[refId(m)] : undefined;
      const holders = (o ? this.natives.kind(o.kind)?.lock?.holders(o) : undefined) ?? [];
      const names = holders.map((h) => (h === t ? 'itself' : (w.threads[h]?.label ?? `thread ${h}`)));
      return `${show(m)} held by ${names.length ? names.join(' and ') : 'nobody'}`;
    }
    if (ins?.op === 'join') return 'its parallel branches';
    return 'nothing';
  }

  /**
   * Runs one step of thread `t`, taking `choices` at the nondeterministic
   * points it meets. `same` (from the symmetry reduction) says which objects
   * are interchangeable in this step, so a model may choose among them once.
   */
  step(w0: World, t: number, choices: readonly number[], same?: (a: number, b: number) => boolean): StepOutcome {
    return new Step(this, cloneWorld(w0, t), t, choices, same).run();
  }

  /** The hardware steps `w` allows: `[model index, armed index]` pairs, in a fixed order. */
  hardwareSteps(w: World): [number, number][] {
    const out: [number, number][] = [];
    this.natives.hardware.forEach((h, m) => {
      for (let a = 0; a < w.armed.length; a++) if (h.enabled(w, a)) out.push([m, a]);
    });
    return out;
  }

  /** The signals devices may send in `w` (a fence at the end of a DMA): `[model index, signal]` pairs, in a fixed order. */
  signalSteps(w: World): [number, number][] {
    const out: [number, number][] = [];
    if (w.halted) return out;
    this.natives.signals.forEach((s, m) => {
      for (const id of s.pending(w)) out.push([m, id]);
    });
    return out;
  }

  /** A device's signal, a step of its hardware thread that changes the world (a fence signals, the DMA it covered is over). */
  signal(w0: World, model: number, id: number): StepOutcome {
    const w = cloneWorld(w0, -1);
    const r = this.natives.signals[model]!.fire(w, id, (v) => this.show(w, v));
    const body = this.program.bodies[r.body];
    return {
      world: w,
      info: { thread: `hw:${this.show(w, ref(r.device))}`, text: r.text, uri: body?.uri ?? this.program.bodies[0]!.uri, at: body ? r.at : 0, locks: NO_OBJECTS, created: NO_OBJECTS, ended: NO_OBJECTS, local: false },
      violations: r.violations,
      points: [],
    };
  }

  /**
   * A hardware step: an armed device's DMA through its mapping, a step of
   * the device's implicit thread. It changes nothing, so the outcome's world
   * is `w` itself: the explorer knows the state without keying it again.
   */
  hardware(w: World, model: number, index: number): StepOutcome {
    const [dev, , at, body] = w.armed[index]!;
    const r = this.natives.hardware[model]!.run(w, index, (v) => this.show(w, v));
    return {
      world: w,
      info: { thread: `hw:${this.show(w, ref(dev))}`, text: r.text, uri: this.program.bodies[body]!.uri, at, locks: NO_OBJECTS, created: NO_OBJECTS, ended: NO_OBJECTS, local: false },
      violations: r.violations,
      points: [],
    };
  }
}
