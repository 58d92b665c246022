/**
 * One step of one thread: runs the thread's instructions on a private copy
 * of the world from one visible instruction up to the next, calling into the
 * models for primitives, reporting events to the monitors, and recording what
 * the trace shows of the step. It is the `ModelContext` the models see.
 */
import { visibleOps, type Instr } from './bytecode.js';
import type { CompiledProgram } from './compiled.js';
import type { Monitor } from './monitor.js';
import { MAX_DEPTH, MAX_STEP_INSTRUCTIONS, NO_OBJECTS, type StepOutcome } from './steps.js';
import type { CallResult, KindImpl, ModelContext, Natives, NativeResult, PrimitiveImpl, Violation } from './natives.js';
import { execPure, opsSlot, overflowOf } from './pure.js';
import { execObjectOp } from './step-objects.js';
import { bodyLine, callLine, callRecord } from './show.js';
import { equal, errno, errnoName, isErrno, isOpsRef, isRef, ref, refId, type Value } from './values.js';
import { own, ownFields, type CodeFrame, type Frame, type NativeFrame, type Obj, type World } from './world.js';

/**
 * Instructions that read and write nothing but the running frame (its stack,
 * locals and program counter) and push or pop code frames. `action` is here
 * because its only effect beyond the frames is its event, which `event()`
 * judges; `ret` and `fail` because `finish` judges the locks and events.
 */
const localOps: ReadonlySet<Instr['op']> = new Set<Instr['op']>(['const', 'load', 'store', 'bin', 'not', 'neg', 'dup', 'pop', 'jmp', 'jf', 'jt', 'fn', 'set', 'iter', 'action', 'ret', 'fail', 'assert', 'slot']);

/** What a step needs of the machine that runs it. */
export interface StepHost {
  readonly program: CompiledProgram;
  readonly natives: Natives;
  readonly monitor: Monitor;
  readonly detail?: boolean; // record each step's call (StepInfo.call): a trace replayed for its report
  show(w: World, v: Value): string;
  locksHeld(w: World, t: number): readonly number[];
  canRun(w: World, f: CodeFrame, ins: Instr, t: number): boolean;
}

/** Everything one step touches; discarded when the step ends. */
export class Step implements ModelContext {
  readonly violations: Violation[] = [];
  readonly points: number[] = [];
  private choicePos = 0;
  private visible = false;
  /** The step's line in a trace. @internal for step-objects.ts */
  text = '';
  private at = 0;
  private uri: string;
  /** The step's position was moved to the invisible instruction that broke a rule. */
  private pinned = false;
  private bound: StepOutcome['bound'];
  /** Objects created and ended in this step (mutexes left out), allocated on the first. */
  private created: number[] | undefined;
  private ended: number[] | undefined;
  /** Nothing outside the thread's own frames has been read or written, and no rule saw an event (see `StepInfo.local`). */
  private local = true;
  readonly program: CompiledProgram;

  constructor(
    private readonly m: StepHost,
    readonly world: World,
    readonly thread: number,
    private readonly choices: readonly number[],
    private readonly same?: (a: number, b: number) => boolean,
  ) {
    this.program = m.program;
    const th = world.threads[thread]!;
    const f = th.frames[th.frames.length - 1];
    this.uri = f ? this.program.bodies[f.body]!.uri : this.program.program.spec.uri;
  }

  get faults(): boolean {
    return this.world.faults;
  }

  get natives() {
    return this.m.natives;
  }

  get callerDriver(): number {
    const th = this.world.threads[this.thread]!;
    // A spec-level `fn` acts for the driver that called it, as a kernel helper does.
    for (let i = th.frames.length - 1; i >= 0; i--) {
      const f = th.frames[i]!;
      if (f.k !== 'c') continue;
      const d = this.program.bodies[f.body]!.driver;
      if (d >= 0) return d;
    }
    return -1;
  }

  // ---- ModelContext ------------------------------------------------------------

  obj(v: Value): Obj | undefined {
    return isRef(v) && refId(v) < this.world.objects.length ? own(this.world, refId(v)) : undefined;
  }

  create(kind: string, fields: Record<string, Value>): string {
    this.local = false;
    const id = this.world.objects.length;
    this.world.objects.push({ kind, alive: true, f: fields });
    // Locks are shown by who holds them (`StepInfo.locks`), not as objects made.
    if (!this.m.natives.kind(kind)?.lock) (this.created ??= []).push(id);
    const r = ref(id);
    this.m.monitor.onEvent(this, 'create', [r], undefined);
    this.m.monitor.onCreate(this, r);
    return r;
  }

  destroy(r: Value): void {
    this.local = false;
    const o = this.obj(r);
    if (!o || !o.alive) return;
    o.alive = false;
    const kind = this.m.natives.kind(o.kind);
    if (!kind?.lock) (this.ended ??= []).push(refId(r as string));
    // What else ended within the step belongs in its trace line ("… · gpu_bar0#3 ends").
    if (this.text !== '' && !kind?.lock && !kind?.quietEnd) this.text += ` · ${this.show(r)} ends`;
    this.m.monitor.onEvent(this, 'destroy', [r], undefined);
    this.m.monitor.onDestroy(this, r as string);
  }

  emit(name: string, args: readonly Value[]): void {
    this.local = false;
    this.m.monitor.onEvent(this, name, args, undefined);
  }

  violate(rule: string, message: string): void {
    this.local = false;
    // `allow model.leak` turns a model's warning off. A violation that stops
    // the run (fatal, below) is always reported: nothing after it means anything.
    if (this.m.program.program.allowed.includes(rule)) return;
    this.violations.push({ rule, message });
  }

  fatal(rule: string, message: string): NativeResult {
    this.local = false;
    this.violations.push({ rule, message });
    this.world.halted = true;
    return { k: 'halt' };
  }

  choose(n: number): number {
    this.local = false;
    const i = this.choicePos++;
    this.points.push(n);
    const c = this.choices[i] ?? 0;
    return c < n ? c : 0;
  }

  interchangeable(a: Value, b: Value): boolean {
    return this.same !== undefined && isRef(a) && isRef(b) && this.same(refId(a), refId(b));
  }

  callback(ops: Value, slot: string): number | undefined {
    if (!isOpsRef(ops)) return undefined;
    const [driver, table] = ops.slice(1).split('.') as [string, string];
    const d = this.program.driverIndex.get(driver);
    return d === undefined ? undefined : this.program.drivers[d]!.ops.get(table)?.callbacks.get(slot);
  }

  flag(ops: Value, slot: string): boolean {
    if (!isOpsRef(ops)) return false;
    const [driver, table] = ops.slice(1).split('.') as [string, string];
    const d = this.program.driverIndex.get(driver);
    return d === undefined ? false : this.program.flagValue(d, table, slot) === true;
  }

  show(v: Value): string {
    return this.m.show(this.world, v);
  }

  /** @internal for step-objects.ts: a model's kind, by name. */
  kindImpl(name: string): KindImpl | undefined {
    return this.m.natives.kind(name);
  }

  // ---- the step ----------------------------------------------------------------

  /** @internal for step-objects.ts */ describe(text: string, uri: string, at: number, call?: { name: string; args: readonly Value[] }): void {
    if (this.text === '') {
      this.text = text;
      this.uri = uri;
      this.at = at;
      if (call && this.m.detail) this.call = { ...call };
    }
  }
  private call?: { name: string; args: readonly Value[]; result?: string }; // StepInfo.call, under `detail`

  /** Native frames whose call is this step's visible operation or was made within it. */
  private startedHere: Set<NativeFrame> | undefined;

  /** @internal for step-objects.ts */ noteResult(s: string): void {
    if (this.text !== '' && !this.text.includes(' → ') && !this.text.includes(' · ')) {
      this.text += ` → ${s}`;
      if (this.call && this.call.result === undefined) this.call.result = s;
    }
  }

  run(): StepOutcome {
    const w = this.world;
    const th = w.threads[this.thread]!;
    let guard = 0;
    while (!th.done && !w.halted && !this.bound) {
      if (++guard > MAX_STEP_INSTRUCTIONS) {
        this.bound = { message: `a step ran more than ${MAX_STEP_INSTRUCTIONS} instructions without reaching a primitive: a runaway callback`, uri: this.uri, at: this.at };
        break;
      }
      const f = th.frames[th.frames.length - 1];
      if (!f) {
        th.done = true;
        this.local = false;
        break;
      }
      if (f.k === 'n') {
        // A native frame on top is waiting for a condition (its step starts when it holds).
        if (this.visible) break;
        this.visible = true;
        this.local = false;
        f.waiting = false;
        const body = this.program.bodies[f.body]!;
        if (this.text === '') this.describe(f.phase === 0 ? this.callText(f.prim, f.args) : `${this.callText(f.prim, f.args)} resumes`, body.uri, f.at, this.m.detail ? callRecord(this.program, f.prim, f.args) : undefined);
        this.handle(f, this.impl(f.prim).resume!(this, f, { ok: null }));
        continue;
      }
      if (f.entry) {
        if (this.visible) break;
        this.visible = true;
        f.entry = false;
        const body = this.program.bodies[f.body]!;
        const args = f.locals.slice(0, body.params);
        if (this.text === '') this.describe(bodyLine(body.name, args, (v) => this.show(v)), body.uri, body.at, this.m.detail ? { name: body.name, args } : undefined);
        this.event(body.name, args, undefined);
        continue;
      }
      const body = this.program.bodies[f.body]!;
      const ins = body.code[f.pc]!;
      if (visibleOps.has(ins.op)) {
        if (this.visible) break;
        // A thread's first step starts with invisible instructions (a `parallel`
        // line's spawn), so canStep could not judge the lock or join they lead to.
        if (!this.m.canRun(w, f, ins, this.thread)) break;
        this.visible = true;
        this.at = ins.at;
        this.uri = body.uri;
      }
      this.exec(f, ins, body.uri);
    }
    // Also after a fatal step: the state it stopped in is one the kernel reaches, and an
    // `always` rule broken by the same step must not hide behind the model's own violation.
    this.m.monitor.afterStep(this);
    return {
      world: w,
      info: {
        thread: th.label,
        text: this.text || 'ends',
        ...(this.call ? { call: this.call } : {}),
        uri: this.uri,
        at: this.at,
        locks: this.m.locksHeld(w, this.thread),
        created: this.created ?? NO_OBJECTS,
        ended: this.ended ?? NO_OBJECTS,
        local: this.local,
      },
      violations: this.violations,
      points: this.points,
      ...(this.bound ? { bound: this.bound } : {}),
    };
  }

  private impl(name: string): PrimitiveImpl {
    const p = this.m.natives.primitive(name);
    if (!p) throw new Error(`no model implements primitive ${name}`);
    return p;
  }

  /** Reports an event to the monitors; a step with an event some rule observes is not local. */
  /** @internal for step-objects.ts */ event(name: string, args: readonly Value[], outcome: 'ok' | 'fails' | undefined): void {
    if (this.local && this.m.monitor.observes(name)) this.local = false;
    this.m.monitor.onEvent(this, name, args, outcome);
  }

  private exec(f: CodeFrame, ins: Instr, uri: string): void {
    const st = f.stack;
    const w = this.world;
    if (!localOps.has(ins.op)) this.local = false;
    if (execPure(this, f, ins)) return;
    switch (ins.op) {
      case 'bin':
        // execPure leaves only an overflow to us: the value would not be exact, so the run stops here.
        this.fatalAt(ins, uri, 'model.int_overflow', overflowOf(ins.o, st[st.length - 2] ?? null, st[st.length - 1] ?? null) ?? 'an integer overflow');
        return;
      case 'storef':
        ownFields(w, ins.d)[ins.f] = st.pop() ?? null;
        f.pc++;
        return;
      case 'new':
      case 'free':
      case 'storem':
      case 'kref':
      case 'krefread':
      case 'pick':
        execObjectOp(this, f, ins, uri);
        return;
      case 'member': {
        const v = st.pop() ?? null;
        const o = this.obj(v);
        if (!o) {
          this.fatalAt(ins, uri, 'model.null_deref', `\`.${ins.name}\` of ${isErrno(v) ? `an error (${errnoName(v)})` : this.show(v)}`);
          return;
        }
        if (!o.alive && !this.m.natives.kind(o.kind)?.readableAfterEnd) {
          this.fatalAt(ins, uri, 'model.use_after_free', `\`.${ins.name}\` of ${this.show(v)}, which has ended`);
          return;
        }
        st.push(o.f[ins.name] ?? null);
        f.pc++;
        return;
      }
      case 'prim': {
        const args = st.splice(st.length - ins.argc, ins.argc);
        f.pc++;
        this.callPrimitive(ins.name, args, ins.tr, ins.at, f.body, uri);
        return;
      }
      case 'fn': {
        const args = st.splice(st.length - ins.argc, ins.argc);
        f.pc++;
        const e = this.faultPoint(ins.body);
        if (e !== undefined) {
          this.text += ` · ${this.program.bodies[ins.body]!.name} → ${e}`;
          this.deliver({ fail: errno(e) }, ins.tr);
          return;
        }
        this.pushCode(ins.body, args, ins.tr, false, ins.at, uri);
        return;
      }
      case 'set': {
        const x = ins.m === 'size' ? null : (st.pop() ?? null);
        const s = st.pop() ?? null;
        if (!Array.isArray(s)) {
          this.fatalAt(ins, uri, 'model.null_deref', `\`.${ins.m}\` of ${this.show(s)}, which is not a set`);
          return;
        }
        const has = s.some((e) => equal(e, x));
        if (ins.m === 'add') st.push(has ? s : [...s, x]);
        else if (ins.m === 'remove') st.push(s.filter((e) => !equal(e, x)));
        else if (ins.m === 'has') st.push(has);
        else st.push(s.length);
        f.pc++;
        return;
      }
      case 'lock': {
        const mx = st.pop() ?? null;
        const o = this.obj(mx);
        if (this.text === '') this.describe(`lock ${this.show(mx)}`, uri, ins.at, this.m.detail ? { name: 'lock', args: [mx] } : undefined);
        if (!o) {
          this.fatalAt(ins, uri, 'model.null_deref', `\`lock\` of ${this.show(mx)}`);
          return;
        }
        if (!o.alive) {
          this.fatalAt(ins, uri, 'model.use_after_free', `\`lock\` of ${this.show(mx)}, which has been destroyed (a released buffer's, or a destroyed mutex)`);
          return;
        }
        this.m.natives.kind(o.kind)?.lock?.take(o, this.thread);
        f.held.push(mx as string);
        this.m.monitor.onEvent(this, 'lock', [mx], undefined);
        f.pc++;
        return;
      }
      case 'unlock': {
        const mx = f.held.pop();
        if (mx !== undefined) this.release(mx);
        f.pc++;
        return;
      }
      case 'ret':
        this.finish({ ok: ins.value ? (st.pop() ?? null) : null });
        return;
      case 'fail': {
        const e = st.pop() ?? null;
        if (!isErrno(e)) {
          // `fail r` of a `try` result that held no errno: C's `return ret` with ret >= 0 would be success, so say it.
          this.pinTo(uri, ins.at);
          this.violate('model.assert', `\`fail\` of ${this.show(e)}, which is not an errno (check it with is_err() first)`);
        }
        this.finish({ fail: isErrno(e) ? e : errno('EINVAL') });
        return;
      }
      case 'assert': {
        const c = st.pop();
        if (c !== true) {
          this.pinTo(uri, ins.at);
          this.violate('model.assert', ins.msg ? `assertion failed: ${ins.msg}` : 'assertion failed');
        }
        f.pc++;
        return;
      }
      case 'bind':
      case 'unbind':
        f.pc++;
        this.callPrimitive(`@${ins.op}`, [ins.d], true, ins.at, f.body, uri);
        return;
      case 'unplug':
        f.pc++;
        this.callPrimitive('@unplug', [ins.dev], true, ins.at, f.body, uri);
        return;
      case 'action': {
        const args = st.splice(st.length - ins.argc, ins.argc);
        f.pc++;
        const body = this.program.bodies[ins.body]!;
        if (this.text === '') this.describe(bodyLine(body.name, args, (v) => this.show(v)), uri, ins.at, this.m.detail ? { name: body.name, args } : undefined);
        this.event(body.name, args, undefined);
        // A `fails E` point: the call fails so before the body runs (it is still the action's event).
        const e = this.faultPoint(ins.body);
        if (e !== undefined) {
          this.event(body.name, args, 'fails');
          this.noteResult(e);
          this.deliver({ fail: errno(e) }, ins.tr ?? true);
          return;
        }
        this.pushCode(ins.body, args, ins.tr ?? true, false, ins.at, uri);
        return;
      }
      case 'spawn':
        this.describe('parallel', uri, ins.at);
        for (const root of ins.threads) {
          const body = this.program.bodies[root]!;
          const locals = f.locals.slice();
          while (locals.length < body.locals) locals.push(null);
          w.threads.push({
            label: this.program.threadLabels.get(root) ?? `t${w.threads.length}`,
            root,
            frames: [{ k: 'c', body: root, pc: 0, locals, stack: [], held: [], tr: true, entry: false }],
            done: false,
          });
        }
        f.pc++;
        return;
      case 'join':
        this.describe('join', uri, ins.at);
        f.pc++;
        return;
      case 'choose': {
        const i = this.choose(ins.targets.length);
        this.describe(`choose branch ${i + 1} of ${ins.targets.length}`, uri, ins.at);
        f.pc = ins.targets[i]!;
        return;
      }
      case 'faults':
        w.faults = ins.on;
        f.pc++;
        return;
      case 'end':
        this.world.threads[this.thread]!.done = true;
        return;
    }
  }

  /** Under `faults on`, a call of a body with `fails E, …` also fails with each E: which, or undefined to run it. */
  private faultPoint(bodyId: number): string | undefined {
    const fails = this.program.bodies[bodyId]?.fails;
    if (!this.world.faults || !fails?.length) return undefined;
    const c = this.choose(fails.length + 1);
    return c > 0 ? fails[c - 1] : undefined;
  }

  /** @internal for step-objects.ts */ fatalAt(ins: Instr, uri: string, rule: string, message: string): void {
    this.describe(message, uri, ins.at);
    this.pinTo(uri, ins.at);
    this.fatal(rule, message);
  }

  /**
   * A step is shown at its visible instruction (the action call, the callback
   * entry), but an `assert` or a `.field` of none that fails later in the same
   * step is what the trace's last line must point at: the first such place wins.
   */
  private pinTo(uri: string, at: number): void {
    if (this.pinned) return;
    this.pinned = true;
    this.uri = uri;
    this.at = at;
  }

  private release(mx: string): void {
    const o = this.obj(mx);
    if (o) this.m.natives.kind(o.kind)?.lock?.release(o, this.thread);
  }

  private pushCode(bodyId: number, args: Value[], tr: boolean, entry: boolean, at: number, uri: string): void {
    const th = this.world.threads[this.thread]!;
    if (th.frames.length >= MAX_DEPTH) {
      this.bound = { message: `calls nested deeper than ${MAX_DEPTH} frames: a runaway recursion`, uri, at };
      return;
    }
    const body = this.program.bodies[bodyId]!;
    const locals = args.slice(0, body.params);
    while (locals.length < body.locals) locals.push(null);
    // An event body's end reports the arguments it was called with, whatever its code did to them.
    th.frames.push({ k: 'c', body: bodyId, pc: 0, locals, stack: [], held: [], tr, entry, ...(body.event ? { args: locals.slice(0, body.params) } : {}) });
  }

  private callPrimitive(name: string, args: Value[], tr: boolean, at: number, body: number, uri: string): void {
    const impl = this.impl(name);
    name = impl.sig.name;
    const frame: NativeFrame = { k: 'n', prim: impl.sig.name, args, phase: 0, regs: [], tr, at, body, waiting: false };
    (this.startedHere ??= new Set()).add(frame);
    if (this.text === '') this.describe(this.callText(name, args), uri, at, this.m.detail ? callRecord(this.program, name, args) : undefined);
    this.world.threads[this.thread]!.frames.push(frame);
    if (!name.startsWith('@')) this.m.monitor.onEvent(this, impl.sig.name, args, undefined);
    // Under `faults on`, a primitive that can fail where the kernel's can is explored failing too.
    const faults = impl.sig.faults ?? [];
    if (this.world.faults && faults.length > 0) {
      const c = this.choose(faults.length + 1);
      if (c > 0) {
        this.handle(frame, { k: 'fail', e: errno(faults[c - 1]!) });
        return;
      }
    }
    this.handle(frame, impl.start(this, args, frame));
  }

  private callText(name: string, args: readonly Value[]): string {
    return callLine(this.program, name, args, (v) => this.show(v));
  }

  /** Applies how a native frame's step ended. */
  private handle(frame: NativeFrame, r: NativeResult): void {
    switch (r.k) {
      case 'ret':
      case 'fail': {
        const th = this.world.threads[this.thread]!;
        th.frames.pop();
        const outcome = r.k === 'ret' ? 'ok' : 'fails';
        if (!frame.prim.startsWith('@')) this.m.monitor.onEvent(this, frame.prim, frame.args, outcome);
        const impl = this.m.natives.primitive(frame.prim);
        const result = r.k === 'fail' ? errnoName(r.e) : r.v !== null || impl?.sig.returns.k !== 'void' ? this.show(r.v) : undefined;
        if (result !== undefined) {
          if (this.startedHere?.has(frame)) this.noteResult(result);
          else {
            const call = this.callText(frame.prim, frame.args);
            if (this.text === `${call} resumes`) this.text += ` → ${result}`;
            else this.text += ` · ${call} → ${result}`;
          }
        }
        this.deliver(r.k === 'ret' ? { ok: r.v } : { fail: r.e }, frame.tr);
        return;
      }
      case 'call':
        frame.phase = r.phase;
        this.pushCode(r.body, r.args, false, true, frame.at, this.program.bodies[frame.body]!.uri);
        return;
      case 'wait':
        frame.phase = r.phase;
        frame.waiting = true;
        return;
      case 'halt':
        this.world.halted = true;
        return;
    }
  }

  /** Pops the top code frame with its result, releasing the locks it still holds. */
  private finish(result: CallResult): void {
    const th = this.world.threads[this.thread]!;
    const f = th.frames.pop() as CodeFrame;
    if (f.held.length > 0) this.local = false;
    for (let i = f.held.length - 1; i >= 0; i--) this.release(f.held[i]!);
    const body = this.program.bodies[f.body]!;
    if (body.event) this.event(body.name, f.args ?? f.locals.slice(0, body.params), 'ok' in result ? 'ok' : 'fails');
    // A scenario line that failed says so in its trace line.
    const caller = th.frames[th.frames.length - 1];
    if ('fail' in result && f.tr && caller?.k === 'c' && !this.program.bodies[caller.body]!.event) {
      if (this.text.startsWith(`${body.name}(`)) this.noteResult(errnoName(result.fail));
      else this.text += ` · ${body.name} → ${errnoName(result.fail)}`;
    }
    this.deliver(result, f.tr);
  }

  /** Hands a callee's result to the frame below it. */
  private deliver(result: CallResult, tr: boolean): void {
    const th = this.world.threads[this.thread]!;
    const caller: Frame | undefined = th.frames[th.frames.length - 1];
    if (!caller) {
      th.done = true;
      this.local = false;
      return;
    }
    if (caller.k === 'n') {
      this.local = false;
      const impl = this.impl(caller.prim);
      this.handle(caller, impl.resume ? impl.resume(this, caller, result) : 'ok' in result ? { k: 'ret', v: result.ok } : { k: 'fail', e: result.fail });
      return;
    }
    if ('ok' in result) caller.stack.push(result.ok);
    else if (tr) caller.stack.push(result.fail);
    else this.finish(result);
  }
}

