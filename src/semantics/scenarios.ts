/**
 * Scenarios (LANGUAGE.md §7): the drivers, devices and actions each line
 * names, the values passed to actions, and the `expect` line.
 */
import type * as A from '../syntax/ast.js';
import { walk } from '../syntax/walk.js';
import { BodyChecker, Scope } from './bodies.js';
import { checkDevice } from './collect.js';
import type { CheckContext } from './context.js';
import type { ScenarioInfo } from './program.js';
import { didYouMean } from './suggest.js';
import { T } from './types.js';

export function checkScenario(cx: CheckContext, s: ScenarioInfo, uri: string): A.ExpectLine | undefined {
  const bag = cx.bag(uri);
  const exprs = new BodyChecker(cx, { uri, returns: T.void, what: `scenario \`${s.name}\`` });
  let expect: A.ExpectLine | undefined;

  const driverNamed = (id: A.Ident) => {
    if (id.name === '') return undefined;
    const d = cx.drivers.get(id.name);
    if (!d) bag.error('unknown-driver', `unknown driver \`${id.name}\`${didYouMean(id.name, cx.drivers.keys())}`, id.span);
    return d;
  };

  // A scenario passes values; calling primitives is the drivers' business.
  const noCalls = (e: A.Expr): void =>
    walk(e, (n) => {
      if ((n as A.Expr).kind !== 'call') return true;
      bag.error('not-callable', 'a scenario line passes values to an action; it cannot call functions or primitives (call them from an action)', n.span);
      return false;
    });

  const lines = (ls: readonly A.ScenarioLine[], scope: Scope, top: boolean): void => {
    for (const l of ls) {
      switch (l.kind) {
        case 'bind':
        case 'unbind': {
          const d = driverNamed(l.target);
          if (d?.component) bag.error('component-lifecycle', `\`${d.name}\` is a component (a driver without \`for\`): it binds to no device and is there for the whole scenario, so it cannot be ${l.kind === 'bind' ? 'bound' : 'unbound'}; call its actions at any time`, l.target.span);
          break;
        }
        case 'unplug': {
          const comp = cx.drivers.get(l.target.name);
          if (comp?.component && !cx.topology.has(l.target.name)) {
            bag.error('component-lifecycle', `\`${comp.name}\` is a component, not a device: \`unplug\` takes a device of the topology`, l.target.span);
            break;
          }
          checkDevice(cx, l.target, uri);
          break;
        }
        case 'faults':
          break;
        case 'parallel':
        case 'choose':
          // Each branch is a scope of its own: a `let` in one thread is not seen by the others.
          for (const b of l.branches) lines(b.lines, new Scope(scope), false);
          break;
        case 'expect':
          if (!top) {
            bag.error('duplicate-expect', '`expect` belongs at the top level of the scenario, not inside a branch', l.span);
          } else if (expect) {
            bag.error('duplicate-expect', `scenario \`${s.name}\` already has an \`expect\` line`, l.span);
          } else {
            expect = l;
          }
          checkExpect(cx, l, uri);
          break;
        case 'action': {
          for (const a of l.args) noCalls(a);
          if (l.bare) {
            bareCall(cx, l, uri);
            for (const a of l.args) exprs.expr(a, scope);
            break;
          }
          const d = driverNamed(l.driver);
          let returns = T.unknown;
          if (d && l.action.name !== '') {
            const action = d.actions.get(l.action.name);
            if (!action) {
              if (!cx.incomplete.has(d.decl)) {
                bag.error(
                  'unknown-action',
                  `driver \`${d.name}\` has no action \`${l.action.name}\`${didYouMean(l.action.name, d.actions.keys())}`,
                  l.action.span,
                );
              }
              for (const a of l.args) exprs.expr(a, scope);
            } else {
              exprs.arguments(l, action.params, `action \`${d.name}.${l.action.name}\``, scope);
              returns = action.returns;
            }
          } else {
            for (const a of l.args) exprs.expr(a, scope);
          }
          if (l.binds && l.binds.name !== '') {
            if (returns.k === 'void') {
              bag.error('type-mismatch', `action \`${l.driver.name}.${l.action.name}\` returns nothing, so there is no value for \`${l.binds.name}\``, l.binds.span);
            }
            if (scope.has(l.binds.name)) bag.error('duplicate-declaration', `\`${l.binds.name}\` is already bound in this scenario`, l.binds.span);
            scope.add({ name: l.binds.name, type: returns.k === 'void' ? T.unknown : returns, decl: l });
          }
          break;
        }
      }
    }
  };
  lines(s.decl.lines, new Scope(), true);
  return expect;
}

function checkExpect(cx: CheckContext, l: A.ExpectLine, uri: string): void {
  for (const r of l.rules) {
    if (r.name === '' || r.name.endsWith('.')) continue;
    if (cx.constraints.has(r.name) || cx.violationNames.has(r.name)) {
      if (cx.allowedRules.has(r.name)) cx.bag(uri).warning('unknown-rule', `\`${r.name}\` is turned off by \`allow\` in this spec, so it is never violated here`, r.span);
      continue;
    }
    const module = cx.unloadedRules.get(r.name);
    if (module) {
      cx.bag(uri).error('unknown-rule', `\`${r.name}\` is a rule of \`${module}\`, which this spec does not load: add \`use ${module}\``, r.span);
      continue;
    }
    const known = [...cx.constraints.keys(), ...cx.violationNames.keys()];
    cx.bag(uri).error('unknown-rule', `unknown rule \`${r.name}\`${didYouMean(r.name, known)}`, r.span);
  }
}

/** `name(…)` as a scenario line: say what it is, and what a scenario line can call. */
function bareCall(cx: CheckContext, l: A.ActionLine, uri: string): void {
  const name = l.driver.name;
  if (name === '') return;
  const owners = [...cx.drivers.values()].filter((d) => d.actions.has(name)).map((d) => d.name);
  const what = owners.length
    ? `\`${name}\` is an action of driver \`${owners[0]}\`: write \`${owners[0]}.${name}(…)\``
    : cx.lookupPrimitive(name)
      ? `\`${name}\` is a primitive: call it from an action, and call the action here (\`drv.action(…)\`)`
      : cx.fns.has(name)
        ? `\`${name}\` is a fn: call it from an action, and call the action here (\`drv.action(…)\`)`
        : `\`${name}\` names nothing a scenario can call; a scenario line calls a driver's action, \`drv.action(…)\``;
  cx.bag(uri).error('not-callable', `a scenario line calls a driver's action as \`driver.action(…)\`; ${what}`, l.driver.span);
}
