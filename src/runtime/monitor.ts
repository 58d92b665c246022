/**
 * The constraint monitors (LANGUAGE.md §6): every event of a step is matched
 * against the patterns of every loaded constraint, as the step happens.
 * What `before` and `never … after` rules must remember lives in the world
 * state (`world.mem`), so it is part of what the explorer compares.
 */
import type { ConstraintInfo } from '../semantics/program.js';
import { strip } from '../semantics/types.js';
import type * as A from '../syntax/ast.js';
import type { CompiledProgram, ConditionRt } from './compiled.js';
import { evaluate } from './evaluate.js';
import { IntOverflow } from './pure.js';
import type { Natives } from './natives.js';
import { equal, isRef, ref, refId, type Value } from './values.js';
import { ownMem, type World } from './world.js';

/** What a monitor needs from the step in progress. */
export interface MonitorContext {
  readonly world: World;
  readonly thread: number;
  violate(rule: string, message: string): void;
  show(v: Value): string;
}

type ArgMatcher =
  | { readonly k: 'any' }
  /** `kind`: the variable is typed by another pattern of its rule, so it matches only objects of that kind. */
  | { readonly k: 'var'; readonly name: string; readonly kind?: string }
  | { readonly k: 'device'; readonly id: number }
  | { readonly k: 'provider'; readonly name: string }
  | { readonly k: 'kind'; readonly kind: string };

interface PatternMatcher {
  readonly event: string;
  readonly args: readonly ArgMatcher[];
  /** The object kind the event's signature gives each argument (`destroy(x)` gives none). */
  readonly kinds: readonly (string | undefined)[];
  readonly outcome?: 'ok' | 'fails';
  readonly text: string;
}

type RuleMatcher =
  | { readonly k: 'lifetime'; readonly name: string; readonly kind: string; readonly field: string }
  | { readonly k: 'before'; readonly name: string; readonly key: string; readonly left: PatternMatcher; readonly right: PatternMatcher; readonly shared: readonly string[] }
  | { readonly k: 'never'; readonly name: string; readonly key: string; readonly p: PatternMatcher; readonly after?: PatternMatcher; readonly shared: readonly string[] }
  | { readonly k: 'requires'; readonly name: string; readonly p: PatternMatcher; readonly cond: ConditionRt; readonly text: string }
  /** `A leads_to B` (v1): the A occurrences not yet answered are remembered under `key`. */
  | { readonly k: 'leads_to'; readonly name: string; readonly key: string; readonly left: PatternMatcher; readonly right: PatternMatcher; readonly shared: readonly string[] }
  | { readonly k: 'always' | 'at_end'; readonly name: string; readonly e: ConditionRt; readonly text: string };

export class Monitor {
  private readonly byEvent = new Map<string, RuleMatcher[]>();
  private readonly lifetimes: RuleMatcher[] = [];
  private readonly always: RuleMatcher[] = [];
  private readonly atEnd: RuleMatcher[] = [];
  private readonly leadsTo: RuleMatcher[] = [];

  constructor(
    private readonly program: CompiledProgram,
    private readonly natives: Natives,
  ) {
    // `allow RULE` (LANGUAGE.md §6): an allowed rule is not watched at all.
    const allowed = new Set(program.program.allowed);
    for (const c of program.program.constraints.values()) if (!allowed.has(c.name)) this.compile(c);
  }

  /** A condition's value in `w`, with the pattern's variables bound. */
  private holds(cond: ConditionRt, w: World, thread: number, vars: ReadonlyMap<string, Value>, cx?: MonitorContext, rule?: string): boolean {
    try {
      return evaluate(this.program, this.natives, cond.body, cond.vars.map((v) => vars.get(v) ?? null), w, thread) === true;
    } catch (e) {
      if (!(e instanceof IntOverflow)) throw e;
      // Not judged, but said: an inexact answer would be a guess.
      cx?.violate('model.int_overflow', `the condition of \`${rule ?? 'a rule'}\` cannot be judged: ${e.text}`);
      return true;
    }
  }

  /** Rule keys whose memory the initial world must hold. */
  memoryKeys(): string[] {
    const keys = new Set<string>();
    for (const rs of this.byEvent.values()) for (const r of rs) if (r.k === 'before' || r.k === 'leads_to' || (r.k === 'never' && r.after)) keys.add(r.key);
    return [...keys];
  }

  private text(c: ConstraintInfo, n: A.Node): string {
    const src = this.program.program.sources.get(c.uri);
    return src ? src.text.slice(n.span.start, n.span.end) : '';
  }

  private pattern(c: ConstraintInfo, p: A.Pattern): PatternMatcher {
    // The checker resolved the event (aliases, wildcards, registered models' primitives): use its answer.
    const sig = this.program.program.events.get(p);
    const event = sig?.name ?? p.event.map((e) => e.name).join('.');
    // The checker resolved what each argument names: a kind filter, a device, a provider, or a variable.
    const args = p.args.map((a): ArgMatcher => {
      if (a.name === '_' || a.name === '') return { k: 'any' };
      const sym = this.program.program.resolutions.get(a);
      if (sym?.kind === 'kind-filter') return { k: 'kind', kind: sym.name };
      if (sym?.kind === 'device') return { k: 'device', id: this.program.deviceIds.get(sym.name)! };
      if (sym?.kind === 'provider') return { k: 'provider', name: sym.name };
      return { k: 'var', name: a.name };
    });
    const kinds = p.args.map((_, i) => {
      const t = sig?.params[i]?.type;
      const s = t ? strip(t) : undefined;
      return s?.k === 'object' ? s.kind : undefined;
    });
    return { event, args, kinds, ...(p.outcome ? { outcome: p.outcome } : {}), text: this.text(c, p) };
  }

  /**
   * The checker types a rule's variable by the first pattern that binds it, so
   * in `dma_buf_move_notify(b) before destroy(b)` the `b` of `destroy` is a
   * dma_buf: it must not match the destroy of a mutex or a provider.
   */
  private typed(first: PatternMatcher, second: PatternMatcher): [PatternMatcher, PatternMatcher] {
    const kinds = new Map<string, string>();
    for (const p of [first, second]) {
      p.args.forEach((a, i) => {
        const kind = a.k === 'var' && !kinds.has(a.name) ? p.kinds[i] : undefined;
        if (kind && a.k === 'var') kinds.set(a.name, kind);
      });
    }
    const withKinds = (p: PatternMatcher): PatternMatcher => ({
      ...p,
      args: p.args.map((a) => (a.k === 'var' && kinds.has(a.name) ? { ...a, kind: kinds.get(a.name)! } : a)),
    });
    return [withKinds(first), withKinds(second)];
  }

  private add(event: string, r: RuleMatcher): void {
    const list = this.byEvent.get(event) ?? [];
    if (!list.includes(r)) list.push(r);
    this.byEvent.set(event, list);
  }

  private compile(c: ConstraintInfo): void {
    c.decl.rules.forEach((r, i) => {
      const key = `${c.name}#${i}`;
      switch (r.kind) {
        case 'lifetime':
          this.lifetimes.push({ k: 'lifetime', name: c.name, kind: r.objectKind.name, field: r.field.name });
          return;
        case 'before': {
          const [left, right] = this.typed(this.pattern(c, r.left), this.pattern(c, r.right));
          const m: RuleMatcher = { k: 'before', name: c.name, key, left, right, shared: sharedVars(left, right) };
          this.add(left.event, m);
          this.add(right.event, m);
          return;
        }
        case 'leads_to': {
          const [left, right] = this.typed(this.pattern(c, r.left), this.pattern(c, r.right));
          const m: RuleMatcher = { k: 'leads_to', name: c.name, key, left, right, shared: sharedVars(left, right) };
          this.add(left.event, m);
          this.add(right.event, m);
          this.leadsTo.push(m);
          return;
        }
        case 'never': {
          let p = this.pattern(c, r.pattern);
          let after = r.after ? this.pattern(c, r.after) : undefined;
          // The checker binds the variables of `after` first.
          if (after) [after, p] = this.typed(after, p);
          const m: RuleMatcher = { k: 'never', name: c.name, key, p, ...(after ? { after } : {}), shared: after ? sharedVars(after, p) : [] };
          this.add(p.event, m);
          if (after) this.add(after.event, m);
          return;
        }
        case 'requires': {
          const p = this.pattern(c, r.pattern);
          this.add(p.event, { k: 'requires', name: c.name, p, cond: this.program.conditions.get(r.cond)!, text: this.text(c, r.cond) });
          return;
        }
        case 'always':
          this.always.push({ k: 'always', name: c.name, e: this.program.conditions.get(r.expr)!, text: this.text(c, r.expr) });
          return;
        case 'at_end':
          this.atEnd.push({ k: 'at_end', name: c.name, e: this.program.conditions.get(r.expr)!, text: this.text(c, r.expr) });
          return;
      }
    });
  }

  /** Matches a pattern against an event; the variable bindings, or undefined. */
  private match(p: PatternMatcher, args: readonly Value[], outcome: 'ok' | 'fails' | undefined, w: World): Map<string, Value> | undefined {
    // Patterns without an outcome see a call when it starts; with one, when it ends.
    if ((p.outcome ?? undefined) !== outcome) return undefined;
    const vars = new Map<string, Value>();
    for (let i = 0; i < p.args.length; i++) {
      const m = p.args[i]!;
      const v = args[i] ?? null;
      switch (m.k) {
        case 'any':
          break;
        case 'device':
          if (v !== ref(m.id)) return undefined;
          break;
        case 'provider':
          if (v === null || v !== (w.providers[m.name] ?? null)) return undefined;
          break;
        case 'kind':
          if (!isRef(v) || w.objects[refId(v)]?.kind !== m.kind) return undefined;
          break;
        case 'var': {
          if (m.kind !== undefined && isRef(v) && w.objects[refId(v)]?.kind !== m.kind) return undefined;
          if (vars.has(m.name) && !equal(vars.get(m.name)!, v)) return undefined;
          vars.set(m.name, v);
          break;
        }
      }
    }
    return vars;
  }

  private describe(cx: MonitorContext, event: string, args: readonly Value[]): string {
    return `${event}(${args.map((a) => cx.show(a)).join(', ')})`;
  }

  private readonly observed = new Map<string, boolean>();

  /**
   * Whether any rule matches events of this name (directly or through a
   * `_._.slot` wildcard). A step whose events no rule observes may be
   * reordered by the explorer's partial-order reduction.
   */
  observes(event: string): boolean {
    let r = this.observed.get(event);
    if (r === undefined) {
      const parts = event.split('.');
      r = this.byEvent.has(event) || (parts.length === 3 && this.byEvent.has(`_._.${parts[2]}`)) || (parts.length === 2 && this.byEvent.has(`_.${parts[1]}`));
      this.observed.set(event, r);
    }
    return r;
  }

  /** An event of the current step: a primitive call or its end, a callback's entry, a lifecycle event. */
  onEvent(cx: MonitorContext, event: string, args: readonly Value[], outcome: 'ok' | 'fails' | undefined): void {
    // Callback events are also seen by patterns that leave the driver (and table) open: `_._.move_notify(a)`.
    const parts = event.split('.');
    if (parts.length === 3) this.onEventNamed(cx, `_._.${parts[2]}`, event, args, outcome);
    else if (parts.length === 2) this.onEventNamed(cx, `_.${parts[1]}`, event, args, outcome);
    this.onEventNamed(cx, event, event, args, outcome);
  }

  private onEventNamed(cx: MonitorContext, key: string, event: string, args: readonly Value[], outcome: 'ok' | 'fails' | undefined): void {
    const rules = this.byEvent.get(key);
    if (!rules) return;
    const w = cx.world;
    for (const r of rules) {
      switch (r.k) {
        case 'before': {
          // An event cannot precede itself: check the right side before recording the left.
          if (r.right.event === key) {
            const vars = this.match(r.right, args, outcome, w);
            if (vars && !(w.mem[r.key] ?? []).includes(tuple(vars, r.shared))) {
              cx.violate(r.name, `${this.describe(cx, event, args)} happened with no \`${r.left.text}\` before it`);
            }
          }
          if (r.left.event === key) {
            const vars = this.match(r.left, args, outcome, w);
            if (vars) remember(w, r.key, tuple(vars, r.shared));
          }
          break;
        }
        case 'never': {
          if (r.p.event === key) {
            const vars = this.match(r.p, args, outcome, w);
            if (vars) {
              if (!r.after) cx.violate(r.name, `${this.describe(cx, event, args)} happened (\`never ${r.p.text}\`)`);
              else if ((w.mem[r.key] ?? []).includes(tuple(vars, r.shared))) {
                cx.violate(r.name, `${this.describe(cx, event, args)} happened after \`${r.after.text}\``);
              }
            }
          }
          if (r.after && r.after.event === key) {
            const vars = this.match(r.after, args, outcome, w);
            if (vars) remember(w, r.key, tuple(vars, r.shared));
          }
          break;
        }
        case 'leads_to': {
          // A B answers every earlier A it matches; an event never answers itself.
          if (r.right.event === key) {
            const vars = this.match(r.right, args, outcome, w);
            const pending = w.mem[r.key] ?? [];
            if (vars && pending.length > 0) {
              const t = tuple(vars, r.shared);
              const left = pending.filter((p) => p !== t);
              if (left.length !== pending.length) ownMem(w)[r.key] = left;
            }
          }
          if (r.left.event === key) {
            const vars = this.match(r.left, args, outcome, w);
            if (vars) remember(w, r.key, tuple(vars, r.shared));
          }
          break;
        }
        case 'requires': {
          const vars = this.match(r.p, args, outcome, w);
          if (!vars) break;
          if (!this.holds(r.cond, w, cx.thread, vars, cx, r.name)) cx.violate(r.name, `${this.describe(cx, event, args)} requires \`${r.text}\`, which does not hold`);
          break;
        }
        default:
          break;
      }
    }
  }

  /** An object ended: every `lifetime K within F` rule checks the objects that still point at it. */
  onDestroy(cx: MonitorContext, target: string): void {
    if (this.lifetimes.length === 0) return;
    const w = cx.world;
    const gone = w.objects[refId(target)]!;
    for (const r of this.lifetimes) {
      if (r.k !== 'lifetime') continue;
      w.objects.forEach((o, id) => {
        if (o.alive && o.kind === r.kind && o.f[r.field] === target) {
          cx.violate(r.name, `${cx.show(ref(id))} outlives its ${r.field} ${cx.show(target)} (${gone.kind} ended first)`);
        }
      });
    }
  }

  /** An object was created: a `lifetime K within F` rule is broken at birth if F already ended. */
  onCreate(cx: MonitorContext, created: string): void {
    const w = cx.world;
    const o = w.objects[refId(created)]!;
    for (const r of this.lifetimes) {
      if (r.k !== 'lifetime' || r.kind !== o.kind) continue;
      const target = o.f[r.field] ?? null;
      if (isRef(target) && w.objects[refId(target)]?.alive === false) {
        cx.violate(r.name, `${cx.show(created)} is created after its ${r.field} ${cx.show(target)} ended`);
      }
    }
  }

  /** After every step: the `always` rules. */
  afterStep(cx: MonitorContext): void {
    for (const r of this.always) {
      if (r.k !== 'always') continue;
      if (!this.holds(r.e, cx.world, -1, NO_VARS, cx, r.name)) {
        cx.violate(r.name, `\`always ${r.text}\` does not hold`);
      }
    }
  }

  /**
   * When a run ends — finished, stuck, or stopped by the model: each
   * `A leads_to B` with an A still unanswered.
   */
  unanswered(cx: MonitorContext): void {
    for (const r of this.leadsTo) {
      if (r.k !== 'leads_to') continue;
      const pending = cx.world.mem[r.key] ?? [];
      if (pending.length === 0) continue;
      const first = JSON.parse(pending[0]!) as Value[];
      const bound = r.shared.length ? ` (${r.shared.map((v, i) => `${v} = ${cx.show(first[i] ?? null)}`).join(', ')})` : '';
      cx.violate(r.name, `\`${r.left.text}\`${bound} is never answered by \`${r.right.text}\``);
    }
  }

  /** When the scenario has finished: the `at end` rules. */
  finished(cx: MonitorContext): void {
    for (const r of this.atEnd) {
      if (r.k !== 'at_end') continue;
      if (!this.holds(r.e, cx.world, -1, NO_VARS, cx, r.name)) {
        cx.violate(r.name, `\`at end ${r.text}\` does not hold when the scenario ends`);
      }
    }
  }
}



const NO_VARS: ReadonlyMap<string, Value> = new Map();

function sharedVars(a: PatternMatcher, b: PatternMatcher): string[] {
  const va = new Set(a.args.filter((x) => x.k === 'var').map((x) => (x as { name: string }).name));
  return [...new Set(b.args.filter((x) => x.k === 'var' && va.has(x.name)).map((x) => (x as { name: string }).name))].sort();
}

function tuple(vars: ReadonlyMap<string, Value>, names: readonly string[]): string {
  return JSON.stringify(names.map((n) => vars.get(n) ?? null));
}

/** Adds a tuple to a rule's memory, keeping it sorted so equal memories encode equally. */
function remember(w: World, key: string, t: string): void {
  const list = w.mem[key] ?? [];
  if (list.includes(t)) return;
  // A new array: the old one may be shared with the state this step started from.
  ownMem(w)[key] = [...list, t].sort();
}
