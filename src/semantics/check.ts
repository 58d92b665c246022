/**
 * The checker's entry: loads the stdlib modules a spec needs, runs the
 * declaration pass, then checks every body, constraint and scenario, and
 * returns the checked program with every diagnostic found. User mistakes are
 * collected, never thrown.
 */
import { sortDiagnostics, type Diagnostic } from '../diagnostics/diagnostic.js';
import { findStdlibModule, stdlibModules, type StdlibModule } from '../stdlib/index.js';
import type * as A from '../syntax/ast.js';
import { parseText, type ParseResult } from '../syntax/parse.js';
import { find } from '../syntax/walk.js';
import { BodyChecker, Scope } from './bodies.js';
import { checkOpsFnRefs, collectDeclarations, type Unit } from './collect.js';
import { CheckContext } from './context.js';
import type { BodyInfo, DriverInfo, Program } from './program.js';
import { checkConstraint } from './rules.js';
import { checkScenario } from './scenarios.js';
import { didYouMean } from './suggest.js';
import { T } from './types.js';
import type { Vocabulary } from './vocabulary.js';

/** The stdlib never changes while the process runs, so each module is parsed once. */
const parsedStdlib = new Map<string, ParseResult>();
function parseModule(m: StdlibModule): ParseResult {
  let r = parsedStdlib.get(m.name);
  if (!r) {
    r = parseText(m.text, { uri: m.uri });
    parsedStdlib.set(m.name, r);
  }
  return r;
}

/** `dmabuf.rules` → `dmabuf.`: the prefix a module's constraint names carry. */
function rulePrefix(moduleName: string): string {
  return `${moduleName.split('.')[0]}.`;
}

export interface CheckResult {
  readonly program: Program;
  /** Parser and checker diagnostics together, in source order. */
  readonly diagnostics: Diagnostic[];
}

/**
 * Checks a parsed spec against the kinds, primitives and violations of a
 * vocabulary (the model registry's). The parse diagnostics are carried into
 * the result.
 */
export function checkParsed(parsed: ParseResult, vocabulary: Vocabulary): CheckResult {
  try {
    return checkUnguarded(parsed, vocabulary);
  } catch (e) {
    // A spec nested past what recursion can follow gets a diagnostic, not a crash.
    if (!(e instanceof RangeError) || !/call stack/i.test(e.message)) throw e;
    const empty = checkUnguarded({ ...parsed, spec: { ...parsed.spec, decls: [] } }, vocabulary);
    const at = { start: 0, end: Math.min(1, parsed.source.text.length) };
    const too: Diagnostic = { code: 'syntax-error', severity: 'error', message: 'the spec nests too deeply to be checked', uri: parsed.source.uri, span: at };
    return { program: { ...empty.program, errors: [too, ...empty.program.errors] }, diagnostics: [too, ...empty.diagnostics] };
  }
}

function checkUnguarded(parsed: ParseResult, vocabulary: Vocabulary): CheckResult {
  const uri = parsed.source.uri;
  const cx = new CheckContext(uri, vocabulary);
  const loaded: string[] = [];
  const units: Unit[] = [];
  const extra: Diagnostic[] = [];

  const load = (m: StdlibModule) => {
    if (loaded.includes(m.name)) return;
    loaded.push(m.name);
    const r = parseModule(m);
    for (const d of r.diagnostics) extra.push(d);
    for (const d of r.spec.decls) if (d.kind === 'use') useModule(d, m.uri);
    units.push({ uri: m.uri, spec: r.spec, rulePrefix: rulePrefix(m.name) });
  };
  const useModule = (d: A.UseDecl, from: string) => {
    if (d.path.length === 0 || d.path.some((p) => p.name === '')) return;
    const name = d.path.map((p) => p.name).join('.');
    const m = findStdlibModule(name);
    if (!m) {
      const span = { start: d.path[0]!.span.start, end: d.path[d.path.length - 1]!.span.end };
      const names = stdlibModules.map((s) => s.name);
      cx.bag(from).error('unknown-module', `no stdlib module \`${name}\`${didYouMean(name, names)}; the modules are ${names.join(', ')}`, span);
      return;
    }
    load(m);
  };

  for (const m of stdlibModules) if (m.prelude) load(m);
  for (const d of parsed.spec.decls) if (d.kind === 'use') useModule(d, uri);
  units.push({ uri, spec: parsed.spec, rulePrefix: '' });

  for (const m of stdlibModules) {
    if (loaded.includes(m.name)) continue;
    for (const d of parseModule(m).spec.decls) {
      if (d.kind === 'constraint') cx.unloadedRules.set(rulePrefix(m.name) + d.name.name, m.name);
    }
  }

  markIncomplete(cx, parsed);
  collectDeclarations(cx, units);
  checkOpsFnRefs(cx, uri);

  for (const fn of cx.fns.values()) {
    checkBody(cx, fn, { uri: fn.uri, returns: fn.returns, what: `fn \`${fn.name}\`` });
  }
  for (const d of cx.drivers.values()) checkDriver(cx, d, uri);
  for (const c of cx.constraints.values()) checkConstraint(cx, c);
  const scenarios = new Map(
    [...cx.scenarios].map(([name, s]) => {
      const expect = checkScenario(cx, s, uri);
      return [name, expect ? { ...s, expect } : s];
    }),
  );

  const diagnostics = sortDiagnostics([...parsed.diagnostics, ...extra, ...withoutRecoveryNoise(cx.allDiagnostics(), parsed)]);
  const program: Program = {
    errors: diagnostics.filter((d) => d.severity === 'error'),
    spec: parsed.spec,
    modules: loaded,
    topology: cx.topology,
    providers: cx.providers,
    opstypes: cx.opstypes,
    drivers: cx.drivers,
    fns: cx.fns,
    constraints: cx.constraints,
    scenarios,
    resolutions: cx.resolutions,
    types: cx.types,
    events: cx.events,
    vocabulary,
    sources: new Map([
      [uri, parsed.source],
      ...loaded.map((name) => {
        const r = parseModule(findStdlibModule(name)!);
        return [r.source.uri, r.source] as const;
      }),
    ]),
  };
  return { program, diagnostics };
}

/** A declaration is incomplete when a syntax error falls between its start and the next declaration's. */
function markIncomplete(cx: CheckContext, parsed: ParseResult): void {
  const errors = parsed.diagnostics.filter((d) => d.code === 'syntax-error').map((d) => d.span.start);
  if (errors.length === 0) return;
  const decls = [...parsed.spec.decls].sort((a, b) => a.span.start - b.span.start);
  decls.forEach((d, i) => {
    const end = decls[i + 1]?.span.start ?? Infinity;
    if (errors.some((e) => e >= d.span.start && e < end)) cx.incomplete.add(d);
  });
}

/**
 * Drops the checker's diagnostics that touch a line with a syntax error or a
 * stray character: what stands there is recovery's guess (a missing `)` turns
 * the next line into arguments), and reporting on the guess buries the one
 * real mistake.
 */
function withoutRecoveryNoise(diagnostics: Diagnostic[], parsed: ParseResult): Diagnostic[] {
  const src = parsed.source;
  const damaged = new Set(
    parsed.diagnostics
      .filter((d) => d.code === 'syntax-error' || d.code === 'unexpected-character')
      .map((d) => src.position(d.span.start).line),
  );
  if (damaged.size === 0) return diagnostics;
  return diagnostics.filter((d) => {
    if (d.uri !== src.uri) return true;
    const last = src.position(Math.max(d.span.start, d.span.end - 1)).line;
    for (let line = src.position(d.span.start).line; line <= last; line++) if (damaged.has(line)) return false;
    return true;
  });
}

function checkBody(cx: CheckContext, b: BodyInfo, env: { uri: string; driver?: DriverInfo; returns: BodyInfo['returns']; what: string }): void {
  const checker = new BodyChecker(cx, env);
  const scope = new Scope();
  b.params.forEach((p, i) => {
    if (p.name !== '') scope.add({ name: p.name, type: p.type, decl: b.body });
    void i;
  });
  checker.block(b.body, scope);
}

function checkDriver(cx: CheckContext, d: DriverInfo, uri: string): void {
  // Field initialisers see the globals only: no field exists before another.
  const init = new BodyChecker(cx, { uri, returns: T.void, what: `driver \`${d.name}\`` });
  for (const f of d.fields.values()) {
    if (!f.decl.init) continue;
    init.expect(init.expr(f.decl.init, new Scope()), f.type, f.decl.init);
    if (f.decl.init.kind === 'name' && cx.resolutions.get(f.decl.init)?.kind === 'provider') {
      cx.bag(uri).error('invalid-value', `\`${f.name}\` cannot start as provider \`${f.decl.init.name}\`: a provider exists only once its device's driver binds (name it where it is used)`, f.decl.init.span);
    }
    const call = firstCall(f.decl.init);
    if (call) cx.bag(uri).error('not-callable', `a state field starts with a value; \`${f.name}\` cannot call a function to get it (set it in probe or an action)`, call.span);
  }
  if (d.probe) checkBody(cx, d.probe, { uri, driver: d, returns: T.void, what: `\`${d.name}.probe\`` });
  if (d.remove) checkBody(cx, d.remove, { uri, driver: d, returns: T.void, what: `\`${d.name}.remove\`` });
  for (const t of d.ops.values()) {
    for (const [slot, cb] of t.callbacks) {
      if ('fn' in cb) continue;
      checkBody(cx, cb, { uri, driver: d, returns: cb.returns, what: `callback \`${t.name}.${slot}\`` });
    }
    for (const [flag, value] of t.flags) {
      const checker = new BodyChecker(cx, { uri, driver: d, returns: T.void, what: `flag \`${flag}\``, pure: `flag \`${flag}\`` });
      checker.expect(checker.expr(value, new Scope()), T.bool, value);
    }
  }
  for (const [name, a] of d.actions) checkBody(cx, a, { uri, driver: d, returns: a.returns, what: `action \`${name}\`` });
}

function firstCall(e: A.Expr): A.CallExpr | undefined {
  return find(e, (n): n is A.CallExpr => (n as A.Expr).kind === 'call');
}
