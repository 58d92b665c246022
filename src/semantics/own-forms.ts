/**
 * The v1 forms of bodies (LANGUAGE.md §10): `new` of an own kind, `free`, an
 * action called from a body, and what the targeted kernel does not have yet.
 */
import type * as A from '../syntax/ast.js';
import type { DiagnosticBag } from '../diagnostics/diagnostic.js';
import type { CheckContext } from './context.js';
import { notInTarget } from './contract-check.js';
import { describe } from './describe.js';
import type { DriverInfo } from './program.js';
import { isOwnKind } from './spec-vocabulary.js';
import { didYouMean } from './suggest.js';
import { strip, T, type Type } from './types.js';
import type { ParamSig, Since } from './vocabulary.js';

/** What these checks need of the body checker (bodies.ts), with its scope type `S`. */
interface BodyChecker<S> {
  readonly bag: DiagnosticBag;
  readonly cx: CheckContext;
  readonly env: { readonly uri: string; readonly pure?: string };
  expr(e: A.Expr, scope: S): Type;
  expect(t: Type, want: Type, e: A.Expr): void;
  arguments(e: { args: A.Expr[]; span: A.Node['span'] }, params: readonly Pick<ParamSig, 'type' | 'optional' | 'name'>[], what: string, scope: S): void;
}

/** `new K { f: e, … }`: an object of an own kind; fields not given take their initialisers. */
export function newExpr<S>(c: BodyChecker<S>, e: A.NewExpr, scope: S): Type {
  const name = e.type.name;
  for (const f of e.fields) c.expr(f.value, scope);
  if (name === '') return T.unknown;
  if (c.env.pure) {
    c.bag.error('not-callable', `${c.env.pure} is judged on a state and changes nothing: it cannot create an object with \`new\``, e.span);
    return T.unknown;
  }
  const own = c.cx.ownKinds.get(name);
  if (!own) {
    const owns = [...c.cx.ownKinds.keys()];
    const hint = c.cx.base.kinds.has(name)
      ? `\`${name}\` is a kind of the models, whose objects come only from their primitives (a dma_buf from dma_buf_export); \`new\` makes objects of the spec's own kinds`
      : `no kind \`${name}\`${didYouMean(name, owns)}; declare it with \`kind ${name} { … }\``;
    c.bag.error('unknown-kind', `${hint}${owns.length ? ` (the spec's kinds: ${owns.join(', ')})` : ''}`, e.type.span);
    return T.unknown;
  }
  c.cx.resolutions.set(e.type, { kind: 'kind', name });
  const seen = new Set<string>();
  for (const f of e.fields) {
    const field = own.fields.get(f.name.name);
    if (f.name.name === '') continue;
    if (seen.has(f.name.name)) c.bag.error('duplicate-property', `\`${f.name.name}\` is given twice`, f.name.span);
    seen.add(f.name.name);
    if (!field) {
      const names = [...own.fields.keys()];
      c.bag.error('unknown-member', `kind \`${name}\` has no field \`${f.name.name}\`${didYouMean(f.name.name, names)}${names.length ? `; it has ${names.map((n) => `\`${n}\``).join(', ')}` : ''}`, f.name.span);
      continue;
    }
    if (field.type.k === 'kref') {
      c.bag.error('invalid-value', `\`${f.name.name}\` is a kref: it starts at 1, as after kref_init(), and takes no value`, f.value.span);
      continue;
    }
    c.expect(c.cx.types.get(f.value) ?? T.unknown, field.type, f.value);
  }
  return T.object(name);
}


/** A primitive, or a spelling of one, that came into the kernel after the spec's target (v1). */
export function inTarget<S>(c: BodyChecker<S>, name: string, since: Since | undefined, span: A.Node['span']): void {
  notInTarget(c.cx, c.env.uri, name, c.cx.vocabulary.spellingsSince?.get(name) ?? since, span);
}

/** `drv.action(args)` called from a body: the action runs as steps of the calling thread. */
export function actionCall<S>(c: BodyChecker<S>, drv: DriverInfo, callee: A.MemberExpr, e: A.CallExpr, scope: S): Type {
  const action = drv.actions.get(callee.member.name);
  c.cx.resolutions.set(callee.object, { kind: 'driver', name: drv.name, info: drv });
  if (c.env.pure) {
    for (const a of e.args) c.expr(a, scope);
    c.bag.error('not-callable', `${c.env.pure} is judged on a state and takes no step: it cannot call \`${drv.name}.${callee.member.name}\``, e.span);
    return action?.returns ?? T.unknown;
  }
  if (!action) {
    for (const a of e.args) c.expr(a, scope);
    if (c.cx.incomplete.has(drv.decl)) return T.unknown;
    const names = [...drv.actions.keys()];
    const state = drv.fields.has(callee.member.name) ? `; \`${callee.member.name}\` is its state field, which other drivers read only through its actions` : '';
    c.bag.error('unknown-member', `driver \`${drv.name}\` has no action \`${callee.member.name}\`${didYouMean(callee.member.name, names)}${state}${names.length && !state ? `; its actions are ${names.map((n) => `\`${n}\``).join(', ')}` : ''}`, callee.member.span);
    return T.unknown;
  }
  c.cx.resolutions.set(callee, { kind: 'action', name: callee.member.name, driver: drv, info: action });
  c.arguments(e, action.params, `action \`${drv.name}.${callee.member.name}\``, scope);
  return action.returns;
}

/** `free(x)`: an object of an own kind; the models' objects end through their own primitives. */
export function freeCall<S>(c: BodyChecker<S>, e: A.CallExpr, scope: S): Type {
  if (e.args.length !== 1) {
    for (const a of e.args) c.expr(a, scope);
    c.bag.error('wrong-arity', '`free` takes one object of a kind the spec declares', e.span);
    return T.void;
  }
  const t = strip(c.expr(e.args[0]!, scope));
  if (t.k === 'unknown' || t.k === 'none' || (t.k === 'object' && isOwnKind(c.cx.vocabulary, t.kind))) return T.void;
  const how = t.k === 'object' ? `: a ${t.kind} is the model's, and ends only through its own primitives` : '';
  c.bag.error('not-freeable', `\`free\` ends an object of a kind the spec declares (\`kind K { … }\`), not ${describe(t)}${how}`, e.args[0]!.span);
  return T.void;
}
