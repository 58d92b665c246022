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
import { find, findAll } from '../syntax/walk.js';
import { BodyChecker, Scope } from './bodies.js';
import { checkOpsFnRefs, collectDeclarations, type Unit } from './collect.js';
import { CheckContext } from './context.js';
import type { BodyInfo, Contract, DriverInfo, Program } from './program.js';
import { compareVersions, contractOf, inRange, isKernelCheck, NEWEST, OLDEST, ruleVersions, versionText } from './contract.js';
import { exported, loadFiles, type LoadedFile, type SpecHost } from './files.js';
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

/** Options of a check beyond the text and the models. */
export interface CheckParsedOptions {
  /** Reads the files `use "…"` names; without it, such a line is an error. */
  readonly host?: SpecHost;
}

/**
 * Checks a parsed spec against the kinds, primitives and violations of a
 * vocabulary (the model registry's). The parse diagnostics are carried into
 * the result.
 */
export function checkParsed(parsed: ParseResult, vocabulary: Vocabulary, options: CheckParsedOptions = {}): CheckResult {
  try {
    return checkUnguarded(parsed, vocabulary, options);
  } catch (e) {
    // A spec nested past what recursion can follow gets a diagnostic, not a crash.
    if (!(e instanceof RangeError) || !/call stack/i.test(e.message)) throw e;
    const empty = checkUnguarded({ ...parsed, spec: { ...parsed.spec, decls: [] } }, vocabulary, {});
    const at = { start: 0, end: Math.min(1, parsed.source.text.length) };
    const too: Diagnostic = { code: 'syntax-error', severity: 'error', message: 'the spec nests too deeply to be checked', uri: parsed.source.uri, span: at };
    return { program: { ...empty.program, errors: [too, ...empty.program.errors] }, diagnostics: [too, ...empty.diagnostics] };
  }
}

function checkUnguarded(parsed: ParseResult, vocabulary: Vocabulary, options: CheckParsedOptions): CheckResult {
  const uri = parsed.source.uri;
  const cx = new CheckContext(uri, vocabulary);
  const loaded: string[] = [];
  const units: Unit[] = [];
  const extra: Diagnostic[] = [];

  // The kernel contract first: it decides which stdlib rules there are.
  cx.contract = readTarget(cx, parsed);

  const load = (m: StdlibModule, only?: (c: A.ConstraintDecl) => boolean) => {
    if (loaded.includes(m.name)) return;
    loaded.push(m.name);
    const r = parseModule(m);
    for (const d of r.diagnostics) extra.push(d);
    for (const d of r.spec.decls) if (d.kind === 'use') useModule(d, m.uri);
    units.push({ uri: m.uri, spec: forContract(r.spec, cx.contract, only), rulePrefix: rulePrefix(m.name) });
  };
  const useModule = (d: A.UseDecl, from: string) => {
    if (d.file || d.path.length === 0 || d.path.some((p) => p.name === '')) return;
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

  // The spec's own files: the root, then what its `use "…"` lines bring in.
  const files = loadFiles(parsed, options.host, (u) => cx.bag(u));
  for (const f of files) cx.usedVia.set(f.uri, f.via);
  const sources: ParseResult[] = [parsed, ...files.map((f) => f.parsed)];

  for (const m of stdlibModules) if (m.prelude) load(m);
  for (const p of sources) for (const d of p.spec.decls) if (d.kind === 'use') useModule(d, p.source.uri);
  units.push({ uri, spec: parsed.spec, rulePrefix: '' });
  for (const f of files) units.push({ uri: f.uri, spec: exported(f.parsed.spec), rulePrefix: '' });
  warnOtherTargets(cx, files);

  // Kernel checks are on by default (LANGUAGE.md §6): a rule the kernel itself
  // checks applies to a spec that calls its model's primitives, `use` or not.
  const called = calledModels(cx, sources);
  const defaultRules: string[] = [];
  for (const m of stdlibModules) {
    if (m.prelude || loaded.includes(m.name) || !called.has(m.name.split('.')[0]!)) continue;
    const kernel = (c: A.ConstraintDecl) => isKernelCheck(c.doc) && inRange(cx.contract, ruleVersions(c.doc));
    const checks = parseModule(m).spec.decls.filter((d): d is A.ConstraintDecl => d.kind === 'constraint' && kernel(d));
    if (checks.length === 0) continue;
    load(m, kernel);
    for (const c of checks) defaultRules.push(rulePrefix(m.name) + c.name.name);
  }

  for (const m of stdlibModules) {
    if (loaded.includes(m.name) && !defaultRules.some((r) => r.startsWith(rulePrefix(m.name)))) continue;
    for (const d of parseModule(m).spec.decls) {
      const name = rulePrefix(m.name) + (d.kind === 'constraint' ? d.name.name : '');
      if (d.kind === 'constraint' && !defaultRules.includes(name)) cx.unloadedRules.set(name, m.name);
    }
  }

  for (const p of sources) markIncomplete(cx, p);
  collectDeclarations(cx, units);
  checkOpsFnRefs(cx, uri);

  for (const fn of cx.fns.values()) {
    checkBody(cx, fn, { uri: fn.uri, returns: fn.returns, what: `fn \`${fn.name}\`` });
  }
  checkKinds(cx);
  for (const d of cx.drivers.values()) checkDriver(cx, d, d.uri);
  for (const c of cx.constraints.values()) checkConstraint(cx, c);
  const allowed = readAllow(cx, parsed);
  const scenarios = new Map(
    [...cx.scenarios].map(([name, s]) => {
      const expect = checkScenario(cx, s, uri);
      return [name, expect ? { ...s, expect } : s];
    }),
  );

  const checked = sources.flatMap((p) => withoutRecoveryNoise(cx.allDiagnostics().filter((d) => d.uri === p.source.uri), p));
  const others = cx.allDiagnostics().filter((d) => !sources.some((p) => p.source.uri === d.uri));
  const diagnostics = sortDiagnostics([...sources.flatMap((p) => p.diagnostics), ...extra, ...checked, ...others]);
  const program: Program = {
    errors: diagnostics.filter((d) => d.severity === 'error'),
    kinds: cx.ownKinds,
    files: files.map((f) => ({ path: f.path, uri: f.uri, spec: f.spec })),
    contract: cx.contract,
    allowed,
    defaultRules,
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
    vocabulary: cx.vocabulary,
    sources: new Map([
      ...sources.map((p) => [p.source.uri, p.source] as const),
      ...loaded.map((name) => {
        const r = parseModule(findStdlibModule(name)!);
        return [r.source.uri, r.source] as const;
      }),
    ]),
  };
  return { program, diagnostics };
}

/** `target linux X.Y`: at most one, in the root file; a version the stdlib can place. */
function readTarget(cx: CheckContext, parsed: ParseResult): Contract {
  const targets = parsed.spec.decls.filter((d): d is A.TargetDecl => d.kind === 'target');
  const bag = cx.bag(parsed.source.uri);
  for (const t of targets.slice(1)) bag.error('invalid-target', `a spec has one \`target\`; the first is \`linux ${targets[0]!.text}\``, t.span);
  const t = targets[0];
  if (!t || t.text === '.') return contractOf(undefined);
  if (compareVersions(t, OLDEST) < 0 || compareVersions(t, NEWEST) > 0 || t.minor > 99) {
    bag.error('invalid-target', `Lifespec knows the kernel's contract from linux ${versionText(OLDEST)} (dynamic dma-buf attachments) to linux ${versionText(NEWEST)}; \`${t.text}\` is outside it`, t.span);
    return contractOf(undefined);
  }
  return contractOf(t);
}

/** A used file's own `target` does not change the run of this one: say so when they differ. */
function warnOtherTargets(cx: CheckContext, files: readonly LoadedFile[]): void {
  for (const f of files) {
    const t = f.parsed.spec.decls.find((d): d is A.TargetDecl => d.kind === 'target');
    if (!t || (t.major === cx.contract.major && t.minor === cx.contract.minor)) continue;
    cx.bag(f.via.uri).warning('invalid-target', `${f.path} targets linux ${t.text}, but this spec runs against ${cx.contract.text}: a file's \`target\` applies when that file is run itself`, f.via.span);
  }
}

/** `allow RULE, …` in the root file: each a rule that exists. */
function readAllow(cx: CheckContext, parsed: ParseResult): string[] {
  const out: string[] = [];
  const known = (name: string) => cx.constraints.has(name) || cx.unloadedRules.has(name) || cx.violationNames.has(name);
  for (const d of parsed.spec.decls) {
    if (d.kind !== 'allow') continue;
    for (const r of d.rules) {
      if (r.name === '' || r.name.endsWith('.')) continue;
      if (!known(r.name)) {
        const names = [...cx.constraints.keys(), ...cx.unloadedRules.keys()];
        cx.bag(parsed.source.uri).error('unknown-rule', `\`allow\` names no rule \`${r.name}\`${didYouMean(r.name, names)}`, r.span);
        continue;
      }
      if (!out.includes(r.name)) out.push(r.name);
      cx.allowedRules.add(r.name);
    }
  }
  return out;
}

/** The models whose primitives the spec's files call (by the registry's model names). */
function calledModels(cx: CheckContext, sources: readonly ParseResult[]): Set<string> {
  const owners = cx.base.primitiveModels;
  const out = new Set<string>();
  if (!owners) return out;
  for (const p of sources) {
    for (const d of p.spec.decls) {
      for (const c of findAll(d, (n): n is A.CallExpr => (n as A.Expr).kind === 'call')) {
        if (c.callee.kind !== 'name') continue;
        const name = cx.base.primitiveAliases.get(c.callee.name) ?? c.callee.name;
        const m = owners.get(name);
        if (m) out.add(m);
      }
    }
  }
  return out;
}

/** A stdlib module as the contract has it: constraints outside their versions dropped (and all but `only`'s). */
function forContract(spec: A.Spec, contract: Contract, only?: (c: A.ConstraintDecl) => boolean): A.Spec {
  const keep = (d: A.Decl) => d.kind !== 'constraint' || (inRange(contract, ruleVersions(d.doc)) && (!only || only(d)));
  return { ...spec, decls: spec.decls.filter(keep) };
}

/** Own kinds' field initialisers: values of the field's type, known before any object exists. */
function checkKinds(cx: CheckContext): void {
  for (const k of cx.ownKinds.values()) {
    const init = new BodyChecker(cx, { uri: k.uri, returns: T.void, what: `kind \`${k.name}\`` });
    for (const f of k.fields.values()) {
      if (!f.decl.init || f.type.k === 'kref') continue;
      init.expect(init.expr(f.decl.init, new Scope()), f.type, f.decl.init);
      const call = firstCall(f.decl.init);
      if (call) cx.bag(k.uri).error('not-callable', `a field of \`${k.name}\` starts with a value; \`${f.name}\` cannot call a function to get it (set it after \`new\`)`, call.span);
    }
  }
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
  for (const [name, f] of d.fns) checkBody(cx, f, { uri, driver: d, returns: f.returns, what: `fn \`${d.name}.${name}\`` });
}

function firstCall(e: A.Expr): A.CallExpr | undefined {
  return find(e, (n): n is A.CallExpr => (n as A.Expr).kind === 'call');
}
