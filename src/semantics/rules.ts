/**
 * Constraints (LANGUAGE.md §6): kinds and fields of `lifetime` rules, events
 * and arities of patterns, and the expressions of `requires`, `always` and
 * `at end`, whose names may also reach drivers' state (`drv.field`).
 */
import type * as A from '../syntax/ast.js';
import { krefPrimitives, objectEvents, queries } from './builtins.js';
import { BodyChecker, Scope } from './bodies.js';
import type { CheckContext } from './context.js';
import { plural } from './collect.js';
import type { ConstraintInfo, EventSig } from './program.js';
import { didYouMean } from './suggest.js';
import { T } from './types.js';
import { lifetimeFields, type EventSpec } from './vocabulary.js';

/** A lifecycle event: one every object has, or one a model declares. */
function lifecycleEvent(cx: CheckContext, name: string): EventSpec | undefined {
  return objectEvents.get(name) ?? cx.vocabulary.events.get(name);
}

/** Resolves a pattern's event name; undefined when it names no event. */
export function resolveEvent(cx: CheckContext, parts: readonly string[]): EventSig | undefined {
  if (parts.length === 1) {
    const name = parts[0]!;
    // A kref call's event is about the kref's owner (the object, or none for driver state), not the kref itself.
    const own = krefPrimitives.has(name) ? objectEvents.get(name) : undefined;
    if (own) return { name, params: own.params };
    const prim = cx.lookupPrimitive(name);
    if (prim && !queries.has(prim.name)) return { name: prim.name, params: prim.params };
    const life = lifecycleEvent(cx, name);
    if (life) return { name, params: life.params };
    return undefined;
  }
  // `_.remove(d)`: any driver's remove; `_._.move_notify(a)`: that callback of any ops table.
  if (parts[0] === '_') {
    if (parts.length === 2 && (parts[1] === 'probe' || parts[1] === 'remove')) return { name: parts.join('.'), params: [{ name: 'dev', type: T.object('pci_dev') }] };
    if (parts.length === 3 && parts[1] === '_') {
      const slotName = cx.slot(parts[2]!);
      for (const o of cx.opstypes.values()) {
        const slot = o.slots.get(slotName);
        if (slot?.kind === 'callback') return { name: `_._.${slotName}`, params: slot.params };
      }
    }
    return undefined;
  }
  const driver = cx.drivers.get(parts[0]!);
  if (!driver) return undefined;
  if (parts.length === 2) {
    const member = parts[1]!;
    if (member === 'probe' || member === 'remove') return { name: parts.join('.'), params: [{ name: 'dev', type: T.object('pci_dev') }] };
    const action = driver.actions.get(member);
    if (action) return { name: parts.join('.'), params: action.params };
    return undefined;
  }
  if (parts.length === 3) {
    const table = driver.ops.get(parts[1]!);
    const slotName = cx.slot(parts[2]!);
    const slot = table?.opstype?.slots.get(slotName);
    if (slot && slot.kind === 'callback') return { name: `${parts[0]}.${parts[1]}.${slotName}`, params: slot.params };
  }
  return undefined;
}

function eventCandidates(cx: CheckContext): string[] {
  const names = [...cx.vocabulary.primitives.keys(), ...objectEvents.keys(), ...cx.vocabulary.events.keys()];
  for (const d of cx.drivers.values()) {
    names.push(`${d.name}.probe`, `${d.name}.remove`, ...[...d.actions.keys()].map((a) => `${d.name}.${a}`));
    for (const t of d.ops.values()) for (const s of t.opstype?.slots.keys() ?? []) names.push(`${d.name}.${t.name}.${s}`);
  }
  return names;
}

export function checkConstraint(cx: CheckContext, c: ConstraintInfo): void {
  const bag = cx.bag(c.uri);
  const exprChecker = new BodyChecker(cx, { uri: c.uri, constraint: true, returns: T.void, what: `constraint \`${c.name}\``, pure: `a condition of constraint \`${c.name}\`` });

  const pattern = (p: A.Pattern, scope: Scope): void => {
    if (p.event.length === 0 || p.event.some((e) => e.name === '')) return;
    const name = p.event.map((e) => e.name).join('.');
    const span = { start: p.event[0]!.span.start, end: p.event[p.event.length - 1]!.span.end };
    const ev = resolveEvent(cx, p.event.map((e) => e.name));
    if (!ev) {
      const driver = p.event.length > 1 ? cx.drivers.get(p.event[0]!.name) : undefined;
      if (!driver || !cx.incomplete.has(driver.decl)) {
        bag.error('unknown-event', `unknown event \`${name}\`${didYouMean(name, eventCandidates(cx))}`, span);
      }
      // Bind the variables anyway, so the rest of the rule is not reported again.
      for (const a of p.args) if (a.name !== '_' && a.name !== '' && !scope.get(a.name)) scope.add({ name: a.name, type: T.unknown, decl: a });
      return;
    }
    cx.events.set(p, ev);
    if (p.outcome && p.event.length === 1 && lifecycleEvent(cx, ev.name)) {
      bag.error('unknown-event', `\`${ev.name}\` is a lifecycle event and has no outcome: \`${p.outcome}\` applies to calls (primitives, callbacks, actions)`, span);
    }
    const min = ev.params.filter((x) => !x.optional).length;
    const max = ev.params.length;
    if (p.args.length < min || p.args.length > max) {
      const want = min === max ? plural(max, 'argument') : `${min} to ${max} arguments`;
      bag.error('wrong-arity', `event \`${name}\` has ${want}, but the pattern gives ${p.args.length}`, p.span);
    }
    p.args.forEach((a, i) => {
      if (a.name === '_' || a.name === '') return;
      // `create(sg_table)` / `destroy(sg_table)` filter by kind instead of binding.
      if (objectEvents.has(ev.name) && cx.vocabulary.kinds.has(a.name)) {
        cx.resolutions.set(a, { kind: 'kind-filter', name: a.name });
        return;
      }
      // A device or provider name matches that object rather than binding a variable.
      const node = cx.topology.get(a.name);
      if (node?.kind === 'device') {
        cx.resolutions.set(a, { kind: 'device', name: a.name, decl: node.decl });
        return;
      }
      const provider = cx.providers.get(a.name);
      if (provider) {
        cx.resolutions.set(a, { kind: 'provider', name: a.name, info: provider });
        return;
      }
      const existing = scope.get(a.name);
      if (!existing) scope.add({ name: a.name, type: ev.params[i]?.type ?? T.unknown, decl: a });
    });
  };

  for (const r of c.decl.rules) {
    const scope = new Scope();
    switch (r.kind) {
      case 'lifetime': {
        const kind = r.objectKind.name;
        if (kind === '') break;
        const kinds = [...cx.vocabulary.kinds.keys()];
        if (!cx.vocabulary.kinds.has(kind)) {
          bag.error('unknown-kind', `unknown object kind \`${kind}\`${didYouMean(kind, kinds)}; the kinds are ${kinds.join(', ')}`, r.objectKind.span);
          break;
        }
        cx.resolutions.set(r.objectKind, { kind: 'kind', name: kind });
        const fields = lifetimeFields(cx.vocabulary, kind);
        if (r.field.name !== '' && !fields.includes(r.field.name)) {
          const has = fields.length ? `; its reference fields are ${fields.map((f) => `\`${f}\``).join(', ')}` : '';
          bag.error('unknown-member', `${kind} has no reference field \`${r.field.name}\`${didYouMean(r.field.name, fields)}${has}`, r.field.span);
        }
        break;
      }
      case 'before':
      case 'leads_to':
        pattern(r.left, scope);
        pattern(r.right, scope);
        break;
      case 'never':
        if (r.after) pattern(r.after, scope);
        pattern(r.pattern, scope);
        break;
      case 'requires':
        pattern(r.pattern, scope);
        exprBool(exprChecker, r.cond, scope, cx, c.uri);
        break;
      case 'always':
      case 'at_end':
        exprBool(exprChecker, r.expr, scope, cx, c.uri);
        break;
    }
  }
}

function exprBool(checker: BodyChecker, e: A.Expr, scope: Scope, cx: CheckContext, uri: string): void {
  const t = checker.expr(e, scope);
  if (t.k !== 'bool' && t.k !== 'unknown') {
    cx.bag(uri).error('type-mismatch', 'a constraint condition must be a bool', e.span);
  }
}
